"""Writes of «Организация ДПО» (R36–R38). `application_transition` is the only place an application's status
changes: it locks the row, checks the table of statuses.py and the actor's kind, writes the history row,
the audit entry and the applicant's notice; the e-mail leaves after the commit. A refused attempt is
written to the history in its own transaction (the refused one changes nothing)."""
from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from sreda.core.active_role import ActiveRole
from sreda.core.audit import audit
from sreda.core.permissions import DENIED_MESSAGE, Action, require
from sreda.dpo.models import (
    Application,
    ApplicationDocument,
    Comment,
    DpoOrganisation,
    Event,
    EventOutcome,
    Group,
    GroupStatus,
    Notice,
    Program,
)
from sreda.dpo.selectors import actor_kinds, dpo_organisation_in_scope, person_of
from sreda.dpo.statuses import (
    ACTIVE_STATUSES,
    ACTOR_LABELS,
    APPLICANT,
    CENTRE,
    DIRECTOR,
    Act,
    Status,
    transition_for,
)

log = logging.getLogger(__name__)

COMMENT_MAX = 2000
APPLY = "apply"
COMMENT = "comment"
ACT_LABELS = {APPLY: "Подана заявка", COMMENT: "Комментарий", **{a.value: a.label for a in Act}}
WHO_MAY = {
    frozenset({DIRECTOR}): "только руководитель ОО",
    frozenset({CENTRE}): "только центр ДПО (сотрудник центра)",
    frozenset({APPLICANT, CENTRE}): "только сам заявитель или центр ДПО",
    frozenset({APPLICANT, DIRECTOR, CENTRE}): "заявитель, руководитель ОО или центр ДПО",
}


class TransitionRefused(ValidationError):
    """The table has no such step for this status and actor; `forbidden` — the status allows it, the role
    does not."""

    def __init__(self, message: str, *, forbidden: bool = False):
        super().__init__(message, code="transition_refused")
        self.forbidden = forbidden


# --- who is acting -----------------------------------------------------------------------------------------

def _actor_name(actor: ActiveRole | None) -> str:
    person = person_of(actor)
    if person is not None:
        return person.full_name
    user = actor.user if actor is not None else None
    return getattr(user, "username", "") or "система"


def _role_label(actor: ActiveRole | None, kind: str | None) -> str:
    if actor is None:
        return "система"
    scope = actor.membership.scope_name if actor.membership is not None and actor.membership.pk else ""
    label = ACTOR_LABELS.get(kind or "", actor.role_label)
    if kind == CENTRE:  # «Сотрудник центра (Оператор региона)»
        label = f"{label} ({actor.role_label})"
    return f"{label} — {scope}" if scope else label


def _user(actor: ActiveRole | None):
    user = actor.user if actor is not None else None
    return user if user is not None and getattr(user, "pk", None) else None


def _kind_for(kinds: set[str], allowed: frozenset[str]) -> str | None:
    for kind in (APPLICANT, DIRECTOR, CENTRE):  # the applicant acting on their own application comes first
        if kind in kinds and kind in allowed:
            return kind
    return None


# --- the status machine ------------------------------------------------------------------------------------

def _refusal(application: Application, act: str, kinds: set[str]) -> TransitionRefused:
    status = Status(application.status)
    act_label = Act(act).label.lower() if act in Act.values else act
    transition = transition_for(application.status, act)
    if transition is None:
        if status == Status.CANCELLED:
            return TransitionRefused(f"Заявка №{application.pk} уже «Отменена»: {act_label} её нельзя. "
                                     "Чтобы учиться в этой группе, подайте новую заявку.")
        if status == Status.INCLUDED:
            return TransitionRefused(f"Заявка №{application.pk} уже «Включен в группу»: {act_label} её нельзя. "
                                     "По вопросам обучения обращайтесь в центр ДПО.")
        if act == Act.APPROVE:
            return TransitionRefused(f"Заявка №{application.pk} уже «{status.label}»: одобрить её можно только "
                                     "в статусе «Не обработана».")
        if act == Act.INCLUDE:
            return TransitionRefused(f"Заявка №{application.pk} в статусе «{status.label}»: включить в группу можно "
                                     "только заявку, подтверждённую руководителем ОО.")
        return TransitionRefused(f"Заявка №{application.pk} в статусе «{status.label}»: действие «{act_label}» "
                                 "недоступно.")
    who = WHO_MAY.get(transition.actors, ", ".join(ACTOR_LABELS[k] for k in sorted(transition.actors)))
    if act == Act.APPROVE and DIRECTOR not in kinds:
        return TransitionRefused(DENIED_MESSAGE[Action.APPROVE_DPO], forbidden=True)
    if act == Act.CANCEL and kinds == {DIRECTOR} and application.status == Status.APPROVED:
        return TransitionRefused(f"Заявка №{application.pk} уже подтверждена руководителем ОО: отменить её теперь "
                                 f"может {who}.", forbidden=True)
    return TransitionRefused(f"Действие «{act_label}» с заявкой №{application.pk} в статусе «{status.label}» "
                             f"может выполнить {who}.", forbidden=True)


def application_transition(*, actor: ActiveRole, application_id: int, act: str, comment: str = "",
                           seen_status: str | None = None) -> Application:
    """Apply `act` (approve, cancel, include) to the application as the active role (R37); refuse anything
    the table does not allow, writing the refused attempt to the history. `seen_status` is the status the
    person saw on the page: if someone changed it meanwhile, the step is refused rather than applied to a
    state they never saw (the director approving while the applicant cancels: one of them wins)."""
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX:
        raise ValidationError(f"Комментарий длиннее {COMMENT_MAX} символов: сократите его.", code="comment_too_long")
    try:
        return _transition(actor=actor, application_id=application_id, act=act, comment=comment,
                           seen_status=seen_status)
    except TransitionRefused as refused:
        _record_refusal(actor=actor, application_id=application_id, act=act, comment=comment, refused=refused)
        raise


@transaction.atomic
def _transition(*, actor: ActiveRole, application_id: int, act: str, comment: str,
                seen_status: str | None) -> Application:
    application = (Application.objects.select_for_update(of=("self",))
                   .select_related("group__program__organisation", "applicant", "organisation__municipality__region")
                   .get(pk=application_id))
    kinds = actor_kinds(actor, application)
    if not kinds:
        raise PermissionDenied("Эта заявка недоступна в текущей роли.")
    if seen_status and seen_status != application.status:
        raise TransitionRefused(
            f"Заявка №{application.pk} изменилась, пока вы её смотрели: было «{Status(seen_status).label}», теперь "
            f"«{application.get_status_display()}». Действие «{Act(act).label}» не выполнено — проверьте заявку "
            "и повторите, если нужно.")
    transition = transition_for(application.status, act)
    kind = _kind_for(kinds, transition.actors) if transition is not None else None
    if transition is None or kind is None:
        raise _refusal(application, act, kinds)
    if transition.act == Act.INCLUDE:
        _check_capacity(application)
    source = application.status
    now = timezone.now()
    application.status, application.status_changed_at = transition.target, now
    application.save(update_fields=["status", "status_changed_at"])
    Event.objects.create(application=application, actor=_user(actor), actor_name=_actor_name(actor),
                         actor_role=_role_label(actor, kind), act=act, from_status=source,
                         to_status=transition.target, comment=comment, at=now)
    if comment:
        Comment.objects.create(application=application, author=_user(actor), author_name=_actor_name(actor),
                               author_role=_role_label(actor, kind), text=comment, created_at=now)
    audit(actor=actor, action=f"dpo.application.{act}", obj=application, organisation=application.organisation,
          details={"from": source, "to": transition.target, "comment": comment})
    if kind != APPLICANT:
        text = f"Заявка №{application.pk} ({application.group.program.name}): статус «{Status(transition.target).label}»."
        if comment:
            text += f" Комментарий: {comment}"
        _notify(application=application, text=text)
    return application


def _check_capacity(application: Application) -> None:
    """R37 «Включен в группу» respects the group's places; the group row is locked so that two includes at
    once cannot both take the last place."""
    group = Group.objects.select_for_update().get(pk=application.group_id)
    taken = Application.objects.filter(group=group, status=Status.INCLUDED).count()
    if taken >= group.capacity:
        raise TransitionRefused(f"В группе «{group.name}» нет свободных мест: включено {taken} из {group.capacity}. "
                                "Увеличьте число мест группы или отмените заявку с комментарием.")


def _record_refusal(*, actor: ActiveRole, application_id: int, act: str, comment: str,
                    refused: TransitionRefused) -> None:
    """The refused attempt stays in «История действий» (who tried what, when, and why not)."""
    with transaction.atomic():
        application = Application.objects.select_related("organisation").filter(pk=application_id).first()
        if application is None:
            return
        kinds = actor_kinds(actor, application)
        kind = next((k for k in (APPLICANT, DIRECTOR, CENTRE) if k in kinds), None)
        Event.objects.create(application=application, actor=_user(actor), actor_name=_actor_name(actor),
                             actor_role=_role_label(actor, kind), act=act, from_status=application.status,
                             to_status="", outcome=EventOutcome.REFUSED, comment=comment,
                             reason=" ".join(refused.messages))
        audit(actor=actor, action=f"dpo.application.{act}_refused", obj=application,
              organisation=application.organisation, details={"status": application.status,
                                                              "reason": " ".join(refused.messages)})


@dataclass
class BulkResult:
    done: list[int]
    refused: list[tuple[int, str]]


def applications_bulk_approve(*, actor: ActiveRole, application_ids: list[int], comment: str = "") -> BulkResult:
    """«Одобрить» for the selected rows of «Заявки»: each in its own transaction; refusals are reported."""
    require(actor, Action.APPROVE_DPO, actor.organisation)
    result = BulkResult(done=[], refused=[])
    ids = sorted({int(i) for i in application_ids})[:500]
    own = set(Application.objects.filter(pk__in=ids, organisation=actor.organisation).values_list("pk", flat=True))
    for pk in ids:
        if pk not in own:
            result.refused.append((pk, f"Заявка №{pk} не найдена в вашей школе."))
            continue
        try:
            application_transition(actor=actor, application_id=pk, act=Act.APPROVE, comment=comment)
        except (TransitionRefused, PermissionDenied) as exc:
            result.refused.append((pk, " ".join(getattr(exc, "messages", [str(exc)]))))
        else:
            result.done.append(pk)
    return result


# --- applying ------------------------------------------------------------------------------------------------

@transaction.atomic
def application_apply(*, actor: ActiveRole, group: Group, documents=()) -> Application:
    """A teacher («Слушатель», R36) applies to an open group from their school; one live application per group."""
    organisation = actor.organisation
    require(actor, Action.APPLY_DPO, organisation)
    person = person_of(actor)
    if person is None:
        raise PermissionDenied("Заявку подаёт человек со своей учётной записью.")
    group = Group.objects.select_for_update().select_related("program").get(pk=group.pk)
    if group.status != GroupStatus.OPEN or group.ends_on < timezone.localdate():
        raise ValidationError(f"Набор в группу «{group.name}» закрыт: заявку подать нельзя.", code="group_closed")
    existing = Application.objects.filter(applicant=person, group=group, status__in=ACTIVE_STATUSES).first()
    if existing is not None:
        raise ValidationError(f"Вы уже подали заявку в группу «{group.name}»: №{existing.pk}, статус "
                              f"«{existing.get_status_display()}». Её видно в разделе «Моё обучение».",
                              code="already_applied")
    checked = [_check_document(upload) for upload in documents if upload]
    application = Application(group=group, applicant=person, membership=actor.membership, organisation=organisation)
    application.fill_search_text(applicant_name=person.full_name, program_name=group.program.name)
    try:
        with transaction.atomic():
            application.save()
    except IntegrityError:
        raise ValidationError(f"Вы уже подали заявку в группу «{group.name}». Её видно в разделе «Моё обучение».",
                              code="already_applied") from None
    for upload, found in checked:
        _store_document(application, upload, found)
    Event.objects.create(application=application, actor=_user(actor), actor_name=_actor_name(actor),
                         actor_role=_role_label(actor, APPLICANT), act=APPLY, from_status="",
                         to_status=Status.NEW, at=application.created_at)
    audit(actor=actor, action="dpo.application.apply", obj=application, organisation=organisation,
          details={"group": group.pk, "documents": len(checked)})
    return application


def _check_document(upload):
    from sreda.people.documents import check_document

    return upload, check_document(upload)


def _store_document(application: Application, upload, checked) -> None:
    from django.core.files.base import File

    from sreda.people.documents import display_name, storage_name

    document = ApplicationDocument(application=application, name=display_name(upload.name),
                                   content_type=checked.content_type, size=checked.size)
    upload.seek(0)
    document.file.save(storage_name(checked), File(upload), save=False)
    document.save()


# --- comments and notices ----------------------------------------------------------------------------------

@transaction.atomic
def comment_add(*, actor: ActiveRole, application: Application, text: str) -> Comment:
    """A comment on the card's «Комментарии» tab (R38); the applicant sees it and is notified."""
    kinds = actor_kinds(actor, application)
    if not kinds:
        raise PermissionDenied("Эта заявка недоступна в текущей роли.")
    text = (text or "").strip()
    if not text:
        raise ValidationError("Напишите текст комментария.", code="comment_empty")
    if len(text) > COMMENT_MAX:
        raise ValidationError(f"Комментарий длиннее {COMMENT_MAX} символов: сократите его.", code="comment_too_long")
    kind = next(k for k in (APPLICANT, DIRECTOR, CENTRE) if k in kinds)
    comment = Comment.objects.create(application=application, author=_user(actor), author_name=_actor_name(actor),
                                     author_role=_role_label(actor, kind), text=text)
    Event.objects.create(application=application, actor=_user(actor), actor_name=_actor_name(actor),
                         actor_role=_role_label(actor, kind), act=COMMENT, from_status=application.status,
                         to_status=application.status, comment=text)
    audit(actor=actor, action="dpo.application.comment", obj=application, organisation=application.organisation)
    if kind != APPLICANT:
        _notify(application=application, text=f"Заявка №{application.pk}: новый комментарий — {text}")
    return comment


def _notify(*, application: Application, text: str) -> Notice:
    """An in-app notice for the applicant, and an e-mail after the commit when they have an address."""
    notice = Notice.objects.create(person_id=application.applicant_id, application=application, text=text)
    email = application.applicant.email
    if email:
        transaction.on_commit(lambda: _mail(email=email, application_id=application.pk, text=text))
    return notice


def _mail(*, email: str, application_id: int, text: str) -> None:
    link = settings.SITE_URL + reverse("dpo:my")
    body = (f"Здравствуйте!\n\n{text}\n\nЗаявки, комментарии и история действий — в разделе «Моё обучение»: "
            f"{link}\n\n— Среда, модуль «Организация ДПО»")
    try:
        send_mail(f"Заявка на обучение №{application_id}", body, settings.DEFAULT_FROM_EMAIL, [email])
    except Exception:  # noqa: BLE001 — the notice in the app stays; the mail is a courtesy
        log.exception("dpo: письмо о заявке №%s не отправлено", application_id)


def notices_mark_read(*, actor: ActiveRole) -> int:
    person = person_of(actor)
    if person is None:
        return 0
    return Notice.objects.filter(person=person, read_at__isnull=True).update(read_at=timezone.now())


# --- programs and groups (the centre) ---------------------------------------------------------------------

def _require_centre(actor: ActiveRole, organisation: DpoOrganisation | None = None) -> None:
    require(actor, Action.MANAGE_DPO)
    if organisation is not None and not dpo_organisation_in_scope(actor, organisation):
        raise PermissionDenied("Эта организация ДПО относится к другому региону.")


@transaction.atomic
def dpo_organisation_save(*, actor: ActiveRole, organisation: DpoOrganisation | None = None, name: str,
                          short_name: str) -> DpoOrganisation:
    _require_centre(actor, organisation)
    name, short_name = " ".join((name or "").split()), " ".join((short_name or "").split())
    if not name:
        raise ValidationError({"name": ["Укажите наименование организации ДПО."]})
    organisation = organisation or DpoOrganisation(region_id=None if actor.is_platform_operator else actor.region_id)
    organisation.name, organisation.short_name = name, short_name or name[:250]
    organisation.save()
    audit(actor=actor, action="dpo.organisation.save", obj=organisation)
    return organisation


@transaction.atomic
def program_save(*, actor: ActiveRole, program: Program | None = None, organisation: DpoOrganisation, name: str,
                 description: str = "", competences: str = "", listener_categories: str = "", study_form: str = "",
                 hours: int | None = None) -> Program:
    """Create or change a program (R36); the applications' search text follows a renamed program."""
    _require_centre(actor, organisation)
    if program is not None:
        _require_centre(actor, program.organisation)
    name = " ".join((name or "").split())
    errors = {}
    if not name:
        errors["name"] = ["Укажите название программы."]
    if hours is not None and hours < 1:
        errors["hours"] = ["Объём программы — целое число часов больше нуля."]
    from sreda.dpo.models import StudyForm

    if study_form and study_form not in StudyForm.values:
        errors["study_form"] = [f"Форма обучения «{study_form}» не из списка."]
    if errors:
        raise ValidationError(errors)
    renamed = program is not None and program.name != name
    program = program or Program()
    program.organisation, program.name, program.description = organisation, name, description or ""
    program.competences, program.listener_categories = competences or "", listener_categories or ""
    program.study_form, program.hours = study_form or "", hours
    program.save()
    if renamed:
        for application in (Application.objects.filter(group__program=program)
                            .select_related("applicant").only("id", "applicant")):
            application.fill_search_text(applicant_name=application.applicant.full_name, program_name=name)
            application.save(update_fields=["search_text"])
    audit(actor=actor, action="dpo.program.save", obj=program)
    return program


@transaction.atomic
def group_save(*, actor: ActiveRole, group: Group | None = None, program: Program, name: str, starts_on,
               ends_on, capacity: int, status: str = GroupStatus.OPEN, description: str = "") -> Group:
    """Create or change a group of a program: dates, capacity, open/closed (R36)."""
    _require_centre(actor, program.organisation)
    name = " ".join((name or "").split())
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = ["Укажите название группы."]
    if starts_on is None:
        errors["starts_on"] = ["Укажите дату начала обучения (20.11.2025 или 2025-11-20)."]
    if ends_on is None:
        errors["ends_on"] = ["Укажите дату окончания обучения (20.11.2025 или 2025-11-20)."]
    if starts_on and ends_on and ends_on < starts_on:
        errors["ends_on"] = ["Окончание обучения раньше начала."]
    if capacity is None or capacity < 1:
        errors["capacity"] = ["Число мест — целое число больше нуля."]
    if status not in GroupStatus.values:
        errors["status"] = ["Набор: «открыт» или «закрыт»."]
    if group is not None and capacity and not errors:
        taken = Application.objects.filter(group=group, status=Status.INCLUDED).count()
        if capacity < taken:
            errors["capacity"] = [f"В группу уже включено {taken}: мест не может быть меньше."]
    if errors:
        raise ValidationError(errors)
    group = group or Group()
    group.program, group.name, group.description = program, name, description or ""
    group.starts_on, group.ends_on, group.capacity, group.status = starts_on, ends_on, capacity, status
    group.save()
    audit(actor=actor, action="dpo.group.save", obj=group)
    return group


@transaction.atomic
def group_delete(*, actor: ActiveRole, group: Group) -> None:
    _require_centre(actor, group.program.organisation)
    if group.applications.exists():
        raise ValidationError(f"В группу «{group.name}» уже подавали заявки: удалить её нельзя, закройте набор.",
                              code="group_has_applications")
    audit(actor=actor, action="dpo.group.delete", obj=group)
    group.delete()
