"""API of the step into the next school year (issue #10, item 2), mounted at /api/v1/ by api/ninja_api.py.
Scope `roster:write`; the token's role must be allowed to run the transition for the school (its administrator
or director, the district's methodologist, the platform operator)."""
from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from ninja import Field, Router, Schema, Status

from sreda.api.auth import api_actor
from sreda.api.models import SCOPE_ROSTER_WRITE
from sreda.api.schemas import ERRORS
from sreda.core.permissions import Action
from sreda.orgs.models import YearTransition
from sreda.orgs.selectors import access_organisation
from sreda.orgs.transition import (
    access_transition,
    district_previews,
    district_run,
    require_district,
    transition_dict,
    transition_preview,
    transition_run,
    transition_undo,
)

router = Router(tags=["Новый учебный год"])


class ClassStepOut(Schema):
    class_id: int
    title: str = Field(..., examples=["5А"])
    new_title: str | None = Field(None, description="Класс в новом году; null — выпуск.", examples=["6А"])
    graduates: bool
    class_teacher: str = Field("", examples=["Петрова Мария Ивановна"])
    students: int
    other_roles: int = Field(..., description="Другие роли, привязанные к классу (родители класса).")


class TransitionOut(Schema):
    id: int
    status: str = Field(..., description="done — выполнен, undone — отменён.", examples=["done"])
    status_label: str = Field(..., examples=["выполнен"])
    from_year: str = Field(..., examples=["2025/2026"])
    to_year: str = Field(..., examples=["2026/2027"])
    date: dt.date
    created_at: str | None = None
    locked_at: str | None = Field(None, description="Первый импорт контингента после перехода: отменить уже нельзя.")
    undone_at: str | None = None
    can_undo: bool
    summary: dict[str, int | str | None]


class PreviewOut(Schema):
    organisation_id: int
    organisation: str = Field(..., examples=["МБОУ СОШ № 1"])
    from_year: str | None = Field(None, examples=["2025/2026"])
    to_year: str = Field(..., examples=["2026/2027"])
    date: str | None = Field(None, description="Дата перехода, ГГГГ-ММ-ДД.", examples=["2026-09-01"])
    classes_advancing: int
    classes_graduating: int
    students_moving: int
    students_graduating: int
    roles_ending: int
    roles_starting: int
    chats_to_archive: int
    can_run: bool
    problems: list[str] = Field(..., description="Почему переход сейчас выполнить нельзя (пусто — можно).")
    classes: list[ClassStepOut]
    chats_to_archive_titles: list[str]
    current_transition: TransitionOut | None = None


class RunIn(Schema):
    date: dt.date | None = Field(None, description="Дата перехода; по умолчанию 1 сентября нового учебного года.",
                              examples=["2026-09-01"])


class ProblemsOut(Schema):
    detail: str = Field(..., examples=["Переход сейчас выполнить нельзя."])
    problems: list[str]


class DistrictRunOut(Schema):
    done: list[TransitionOut]
    skipped: list[dict[str, str | int | list[str]]] = Field(
        ..., description="Школы без перехода: organisation_id, organisation, problems.",
        examples=[[{"organisation_id": 12, "organisation": "МБОУ СОШ № 3",
                    "problems": ["В школе нет классов: переводить на новый учебный год некого. "
                                 "Загрузите контингент («Импорт контингента»)."]}]])


def _school(request, org_id: int):
    actor = api_actor(request, SCOPE_ROSTER_WRITE)
    return actor, access_organisation(actor=actor, organisation_id=org_id, action=Action.RUN_YEAR_TRANSITION)


@router.get("/orgs/{int:org_id}/year-transition", response={200: PreviewOut, **ERRORS},
            summary="Предпросмотр перехода на новый учебный год")
def year_transition_preview(request: HttpRequest, org_id: int, date: dt.date | None = None):
    """Что сделает переход школы на следующий учебный год с даты `date` (по умолчанию 1 сентября): классы
    переходят в следующую параллель, 11-е выпускаются; почему выполнить нельзя, если нельзя. Область `roster:write`."""
    actor, organisation = _school(request, org_id)
    return transition_preview(actor=actor, organisation=organisation, day=date).as_dict()


@router.post("/orgs/{int:org_id}/year-transition", response={201: TransitionOut, 409: ProblemsOut, **ERRORS},
             summary="Выполнить переход на новый учебный год")
def year_transition_run(request: HttpRequest, org_id: int, body: RunIn):
    """Выполняет переход одним шагом; 409 с причинами, если он невозможен (ничего не меняется). Чаты прошлого
    года уходят в архив при ближайшей синхронизации. Область `roster:write`."""
    actor, organisation = _school(request, org_id)
    try:
        done = transition_run(actor=actor, organisation=organisation, day=body.date)
    except ValidationError as exc:
        return Status(409, {"detail": "Переход сейчас выполнить нельзя.", "problems": exc.messages})
    return Status(201, transition_dict(done))


@router.post("/orgs/{int:org_id}/year-transition/{int:transition_id}/undo",
             response={200: TransitionOut, 409: ProblemsOut, **ERRORS}, summary="Отменить переход")
def year_transition_undo(request: HttpRequest, org_id: int, transition_id: int):
    """Отменяет переход до первого импорта контингента после него: классы и роли, созданные переходом,
    удаляются, завершённые им роли открываются снова. Область `roster:write`."""
    actor, organisation = _school(request, org_id)
    try:
        transition = access_transition(actor=actor, organisation=organisation, transition_id=transition_id)
    except YearTransition.DoesNotExist:
        raise Http404("Переход не найден.") from None
    try:
        return transition_dict(transition_undo(actor=actor, transition=transition))
    except ValidationError as exc:
        return Status(409, {"detail": "Переход нельзя отменить.", "problems": exc.messages})


@router.get("/year-transition/district", response={200: list[PreviewOut], **ERRORS},
            summary="Предпросмотр перехода всех школ района")
def year_transition_district_preview(request: HttpRequest, date: dt.date | None = None):
    """Предпросмотр перехода каждой школы в области токена (района — для токена методиста). Область `roster:write`."""
    actor = api_actor(request, SCOPE_ROSTER_WRITE)
    require_district(actor)
    return [p.as_dict() for p in district_previews(actor=actor, day=date)]


@router.post("/year-transition/district", response={200: DistrictRunOut, **ERRORS},
             summary="Перевести все готовые школы района")
def year_transition_district_run(request: HttpRequest, body: RunIn):
    """Переход каждой школы района без препятствий, каждой отдельно; остальные — с причинами. Область `roster:write`."""
    actor = api_actor(request, SCOPE_ROSTER_WRITE)
    require_district(actor)
    done, skipped = district_run(actor=actor, previews=district_previews(actor=actor, day=body.date))
    return {"done": [transition_dict(t) for t in done],
            "skipped": [{"organisation_id": o.pk, "organisation": o.short_name, "problems": problems}
                        for o, problems in skipped]}

