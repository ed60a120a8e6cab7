"""The application status machine of R37 as data: (status now, action) → status after, and who may do it.

Anything not in TRANSITIONS is refused with a Russian explanation (services.application_transition is the
only place a status changes). The actor kinds are decided from the active role (R1), never from the union
of a person's roles:
    APPLICANT  the application's own applicant acting as «Слушатель» (teacher/staff of a school)
    DIRECTOR   «Руководитель ОО» of the school the application came from
    CENTRE     the regional centre («Сотрудник центра»: the regional operator of the school's region, or the
               platform operator)
"""
from __future__ import annotations

from dataclasses import dataclass

from django.db import models


class Status(models.TextChoices):
    NEW = "new", "Не обработана"
    APPROVED = "approved", "Подтверждена руководителем ОО"
    CANCELLED = "cancelled", "Отменена"
    INCLUDED = "included", "Включен в группу"


class Act(models.TextChoices):
    APPROVE = "approve", "Одобрить"
    CANCEL = "cancel", "Отменить"
    INCLUDE = "include", "Включить в группу"


APPLICANT, DIRECTOR, CENTRE = "applicant", "director", "centre"
ACTOR_LABELS = {APPLICANT: "Слушатель", DIRECTOR: "Руководитель ОО", CENTRE: "Сотрудник центра"}

# Statuses that hold a place: one such application per person and group.
ACTIVE_STATUSES = (Status.NEW, Status.APPROVED, Status.INCLUDED)


@dataclass(frozen=True)
class Transition:
    source: str
    act: str
    target: str
    actors: frozenset[str]


TRANSITIONS: dict[tuple[str, str], Transition] = {
    (t.source, t.act): t
    for t in (
        # R37: the director approves a new application.
        Transition(Status.NEW, Act.APPROVE, Status.APPROVED, frozenset({DIRECTOR})),
        # R37 / seed 001: cancelled by the applicant, the director, or the centre (an incorrect application).
        Transition(Status.NEW, Act.CANCEL, Status.CANCELLED, frozenset({APPLICANT, DIRECTOR, CENTRE})),
        # R37: only the centre includes in the group (capacity permitting).
        Transition(Status.APPROVED, Act.INCLUDE, Status.INCLUDED, frozenset({CENTRE})),
        # Issue #8: the applicant may cancel while not «Включен в группу»; the centre cancels incorrect ones.
        # The director's decision is made: after approving, the application is the centre's to handle.
        Transition(Status.APPROVED, Act.CANCEL, Status.CANCELLED, frozenset({APPLICANT, CENTRE})),
    )
}


def transition_for(status: str, act: str) -> Transition | None:
    return TRANSITIONS.get((status, act))


def acts_for(status: str, kinds: set[str]) -> list[str]:
    """The buttons an actor of `kinds` gets for an application in `status`, in the table's order."""
    return [t.act for (source, _), t in TRANSITIONS.items() if source == status and t.actors & kinds]
