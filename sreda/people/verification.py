"""Director verification (R6–R8): the director submits one proof of identity with consent, the regional
operator approves or rejects it with a reason, the director is told.

Services write (one function per use case, the acting role first, permission, lock, change, history row,
audit entry); selectors read, scoped by the active role. One «not found» for a missing request and for
someone else's.
"""
from __future__ import annotations

import logging
import zoneinfo
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import BooleanField, Case, Count, Q, QuerySet, Value, When
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from sreda.core.active_role import ActiveRole
from sreda.core.audit import audit
from sreda.core.permissions import Action, can, require
from sreda.core.text import fold
from sreda.orgs.models import Region
from sreda.people.documents import (
    PASSPORT_FIELDS, PassportData, check_document, clean_passport, display_name, has_passport, storage_name,
)
from sreda.people.models import (
    Confirmation, DirectorVerification, Membership, VerificationEvent, VerificationMethod, VerificationStatus,
)
from sreda.people.roles import Role

log = logging.getLogger(__name__)

S = VerificationStatus
SCAN_METHODS = frozenset({VerificationMethod.EMPLOYMENT_CERTIFICATE, VerificationMethod.PASSPORT_SCAN})
NOT_FOUND = "Заявка не найдена или недоступна в текущей роли."
EXPECTED_WAIT = "3–5 дней"  # R7

# --- the status machine: (from, to) → who may apply it ------------------------------------------------
OWNER = "owner"  # the director whose request it is, acting in that director role
REVIEWER = "reviewer"  # the regional operator of the school's region, or the platform operator

TRANSITIONS: dict[tuple[str, str], str] = {
    ("", S.SUBMITTED): OWNER,
    (S.SUBMITTED, S.APPROVED): REVIEWER,
    (S.SUBMITTED, S.REJECTED): REVIEWER,
    (S.SUBMITTED, S.WITHDRAWN): OWNER,
}

# Who may move a request into a status does not depend on where it comes from.
WHO_MOVES_TO: dict[str, str] = {to: who for (_, to), who in TRANSITIONS.items()}

EVENT_NOTES = {
    S.SUBMITTED: "Заявка отправлена оператору региона",
    S.APPROVED: "Руководитель подтверждён",
    S.REJECTED: "Заявка отклонена",
    S.WITHDRAWN: "Заявка отозвана руководителем",
}


def _date(value) -> str:
    return value.strftime("%d.%m.%Y") if value else ""


def region_today(region: Region | None) -> date:
    """Today in the region's time zone: due dates and «overdue» are the region's days, not the server's."""
    try:
        zone = zoneinfo.ZoneInfo(region.timezone) if region is not None else None
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = None
    return timezone.localdate(timezone=zone) if zone else timezone.localdate()


def actor_today(actor: ActiveRole) -> date:
    """Today for the queue of `actor`: its region's day for a regional operator, Moscow's otherwise."""
    region = actor.membership.region if actor.membership is not None and actor.membership.region_id else None
    return region_today(region)


# --- who may see and do what ---------------------------------------------------------------------------

def is_owner(actor: ActiveRole | None, verification: DirectorVerification) -> bool:
    membership = actor.membership if actor is not None else None
    return membership is not None and membership.pk is not None and membership.pk == verification.membership_id


def may_review(actor: ActiveRole | None, verification: DirectorVerification) -> bool:
    """R7: the operator of the region the request was sent to, for a school of that region; or the
    platform operator."""
    if not can(actor, Action.REVIEW_VERIFICATIONS, verification.membership.organisation):
        return False
    return actor.is_platform_operator or verification.region_id == actor.region_id


def _require_may(actor: ActiveRole, who: str, verification: DirectorVerification) -> None:
    if who == REVIEWER and not may_review(actor, verification):
        require(actor, Action.REVIEW_VERIFICATIONS, verification.membership.organisation)  # raises with the reason
        raise PermissionDenied("Заявку рассматривает оператор региона, куда она отправлена.")
    if who == OWNER and not is_owner(actor, verification):
        raise PermissionDenied("Отозвать заявку может только руководитель, который её подал.")


def _refusal(verification: DirectorVerification, to: str) -> str:
    """Why a transition cannot happen now, in the words the person needs."""
    when = f" {_date(timezone.localtime(verification.reviewed_at))}" if verification.reviewed_at else ""
    final = "решение принято, повторно его менять нельзя."
    if verification.status == S.APPROVED:
        return f"Заявка уже подтверждена{when}: {final}"
    if verification.status == S.REJECTED:
        return f"Заявка уже отклонена{when}: {final}"
    if verification.status == S.WITHDRAWN:
        return "Заявка отозвана руководителем: рассматривать её больше не нужно."
    return f"Заявку в статусе «{verification.get_status_display()}» нельзя перевести в «{S(to).label}»."


def _user(actor: ActiveRole):
    user = actor.user
    return user if user is not None and getattr(user, "pk", None) else None


def _record(*, actor: ActiveRole, verification: DirectorVerification, from_status: str, to: str, note: str,
            details: dict | None = None) -> VerificationEvent:
    """The history row the director and the operator see, and the audit entry, for one transition."""
    event = VerificationEvent.objects.create(
        verification=verification, actor=_user(actor), from_status=from_status, to_status=to, note=note,
    )
    audit(actor=actor, action=f"verification.{S(to).name.lower()}", obj=verification,
          organisation=verification.membership.organisation,
          details={"from": from_status, "to": to, "note": note, **(details or {})})
    return event


def _transition(*, actor: ActiveRole, verification: DirectorVerification, to: str, note: str,
                changes: dict | None = None, details: dict | None = None) -> DirectorVerification:
    """Apply one allowed transition, exactly once: the row is locked, and the UPDATE is conditional on
    the status it was read in, so of two operators deciding at once one wins and the other is told."""
    locked = (
        DirectorVerification.objects.select_for_update(of=("self",))
        .select_related("membership__organisation__municipality__region", "membership__person")
        .get(pk=verification.pk)
    )
    _require_may(actor, WHO_MOVES_TO[to], locked)
    if (locked.status, to) not in TRANSITIONS:
        raise ValidationError(_refusal(locked, to), code="invalid_transition")
    changes = changes or {}
    updated = DirectorVerification.objects.filter(pk=locked.pk, status=locked.status).update(status=to, **changes)
    if updated != 1:  # pragma: no cover — the lock makes this unreachable on PostgreSQL; kept for safety
        locked.refresh_from_db()
        raise ValidationError(_refusal(locked, to), code="invalid_transition")
    from_status = locked.status
    locked.status = to
    for name, value in changes.items():
        setattr(locked, name, value)
    _record(actor=actor, verification=locked, from_status=from_status, to=to, note=note, details=details)
    return locked


def passport_of(verification: DirectorVerification) -> PassportData:
    return PassportData(
        series=verification.passport_series, number=verification.passport_number,
        issued_by=verification.passport_issued_by, issue_date=verification.passport_issue_date,
        department_code=verification.passport_department_code,
    )


# --- services --------------------------------------------------------------------------------------------

def _director_membership(actor: ActiveRole) -> Membership:
    organisation = actor.organisation
    require(actor, Action.SUBMIT_VERIFICATION, organisation)
    membership = actor.membership
    if membership.pk is None or _user(actor) is None:
        # A token of the school's role belongs to no person: identity is proved by the person only.
        raise PermissionDenied("Заявку подаёт сам руководитель: войдите под своей учётной записью "
                               "или выпустите токен от своей роли руководителя.")
    return membership


def _refuse_unless_may_submit(membership: Membership) -> None:
    if membership.confirmation == Confirmation.CONFIRMED:
        raise ValidationError("Вы уже подтверждены оператором региона: новая заявка не нужна.", code="confirmed")
    open_request = DirectorVerification.objects.filter(membership=membership, status=S.SUBMITTED).first()
    if open_request is not None:
        raise ValidationError(
            f"Заявка уже на рассмотрении, срок — до {_date(open_request.due_date)}. "
            "Дождитесь решения или отзовите заявку, чтобы подать новую.",
            code="already_open",
        )


def submit_choices(*, actor: ActiveRole) -> list[Region]:
    """«Куда отправить» (R6): the regional operator of the school's region. A request sent elsewhere
    could never be reviewed, so no other region is offered."""
    organisation = actor.organisation
    return [organisation.municipality.region] if organisation is not None else []


def verification_submit(*, actor: ActiveRole, method: str, region: Region | None, consent: bool,
                        document=None, passport: dict | None = None) -> DirectorVerification:
    """R6: the director sends one proof of identity — a scan of the employment certificate, a scan or
    photo of the passport, or the passport data typed in — with consent, to the regional operator.

    Bad input raises ValidationError (a dict by form field) and changes nothing: no row, no file.
    """
    membership = _director_membership(actor)
    organisation = membership.organisation
    _refuse_unless_may_submit(membership)

    errors: dict[str, list[str]] = {}

    def refuse(field_name: str | None, message: str) -> None:
        errors.setdefault(field_name or "__all__", []).append(message)

    has_file, gave_passport = document is not None, has_passport(passport)
    checked = passport_data = None
    if method not in VerificationMethod.values:
        if not has_file and not gave_passport:
            refuse("method", "Выберите один из трёх способов подтверждения и приложите скан "
                             "или введите паспортные данные.")
        else:
            refuse("method", "Выберите способ подтверждения: справка с места работы, скан паспорта "
                             "или паспортные данные.")
    elif has_file and gave_passport:
        refuse(None, "Нужен один способ подтверждения: приложите файл или введите паспортные данные — "
                     "не то и другое сразу.")
    elif method in SCAN_METHODS:
        if not has_file:
            refuse("document", f"Приложите файл для способа «{VerificationMethod(method).label}»: PDF, JPEG или PNG.")
        else:
            try:
                checked = check_document(document)
            except ValidationError as exc:
                refuse("document", exc.messages[0])
    else:  # typed passport data
        if has_file:
            refuse("document", "Для способа «Паспортные данные» файл не нужен: уберите файл "
                               "или выберите способ со сканом.")
        else:
            try:
                passport_data = clean_passport(passport or {})
            except ValidationError as exc:
                for name, messages in exc.message_dict.items():
                    for message in messages:
                        refuse(name, message)
    if not consent:
        refuse("consent", "Без согласия на обработку персональных данных заявку отправить нельзя: отметьте согласие.")
    school_region = organisation.municipality.region
    if region is None:
        refuse("region", "Выберите, куда отправить заявку.")
    elif region.pk != school_region.pk:
        refuse("region", f"Заявку рассматривает оператор региона вашей школы — «{school_region.name}».")
    if errors:
        raise ValidationError(errors)

    now = timezone.now()
    verification = DirectorVerification(
        membership=membership, region=school_region, method=method, consent_given_at=now, status=S.SUBMITTED,
        submitted_at=now, due_date=region_today(school_region) + timedelta(days=settings.VERIFICATION_DUE_DAYS),
        submitted_by=_user(actor),
    )
    if passport_data is not None:
        verification.passport_series = passport_data.series
        verification.passport_number = passport_data.number
        verification.passport_issued_by = passport_data.issued_by
        verification.passport_issue_date = passport_data.issue_date
        verification.passport_department_code = passport_data.department_code
    stored = ""
    try:
        with transaction.atomic():
            # Serialises two submits of the same director; the partial unique index is the last word.
            _refuse_unless_may_submit(Membership.objects.select_for_update().get(pk=membership.pk))
            if checked is not None:
                verification.document.save(storage_name(checked), document, save=False)
                stored = verification.document.name
                verification.document_name = display_name(getattr(document, "name", ""))
                verification.document_type = checked.content_type
                verification.document_size = checked.size
            verification.save()
            _record(actor=actor, verification=verification, from_status="", to=S.SUBMITTED,
                    note=f"{EVENT_NOTES[S.SUBMITTED]}: {VerificationMethod(method).label.lower()}",
                    details={"method": method, "region": school_region.pk,
                             "due_date": verification.due_date.isoformat(),
                             "document_type": verification.document_type,
                             "document_size": verification.document_size})
    except IntegrityError:
        _delete_file(stored)
        raise ValidationError("Заявка уже на рассмотрении: дождитесь решения или отзовите её.",
                              code="already_open") from None
    except BaseException:
        _delete_file(stored)
        raise
    return verification


def _delete_file(name: str) -> None:
    if name:
        try:
            default_storage.delete(name)
        except OSError:  # pragma: no cover
            log.exception("verification: could not delete %s", name)


@transaction.atomic
def verification_approve(*, actor: ActiveRole, verification: DirectorVerification) -> DirectorVerification:
    """R7: the operator confirms the director; the director's role becomes confirmed (R8 opens R9)."""
    now = timezone.now()
    done = _transition(actor=actor, verification=verification, to=S.APPROVED, note=EVENT_NOTES[S.APPROVED],
                       changes={"reviewed_at": now, "reviewed_by": _user(actor)})
    Membership.objects.filter(pk=done.membership_id).update(
        confirmation=Confirmation.CONFIRMED, confirmed_at=now, confirmed_by=_user(actor),
    )
    transaction.on_commit(lambda: notify_decision(verification_id=done.pk))
    return done


REASON_MAX = 2000


@transaction.atomic
def verification_reject(*, actor: ActiveRole, verification: DirectorVerification, reason: str) -> DirectorVerification:
    """R7: the operator rejects with a reason the director reads; the director may send a new request."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Укажите причину отказа: её увидит руководитель, чтобы исправить заявку."})
    if len(reason) > REASON_MAX:
        raise ValidationError({"reason": f"Причина отказа — не длиннее {REASON_MAX} знаков."})
    done = _transition(actor=actor, verification=verification, to=S.REJECTED, note=reason,
                       changes={"reviewed_at": timezone.now(), "reviewed_by": _user(actor), "reject_reason": reason})
    transaction.on_commit(lambda: notify_decision(verification_id=done.pk))
    return done


@transaction.atomic
def verification_withdraw(*, actor: ActiveRole, verification: DirectorVerification) -> DirectorVerification:
    """The director takes back a request still under review (e.g. to send another proof)."""
    return _transition(actor=actor, verification=verification, to=S.WITHDRAWN, note=EVENT_NOTES[S.WITHDRAWN])


@transaction.atomic
def verification_passport_view(*, actor: ActiveRole, verification: DirectorVerification) -> PassportData | None:
    """The typed passport data in full, to the reviewing operator only; every display is audited."""
    if not verification.passport_number:
        return None
    if not may_review(actor, verification):
        raise PermissionDenied("Паспортные данные видит только оператор региона, рассматривающий заявку.")
    audit(actor=actor, action="verification.passport_view", obj=verification,
          organisation=verification.membership.organisation, details={"fields": list(PASSPORT_FIELDS)})
    return passport_of(verification)


@dataclass(frozen=True)
class OpenedDocument:
    file: object
    content_type: str
    name: str
    size: int


@transaction.atomic
def verification_document_open(*, actor: ActiveRole, verification: DirectorVerification) -> OpenedDocument:
    """The scan, to the reviewing operator or its owner; every opening is audited. Anyone else: not found."""
    if not verification.document or not (may_review(actor, verification) or is_owner(actor, verification)):
        raise Http404(NOT_FOUND)
    try:
        handle = default_storage.open(verification.document.name, "rb")
    except (FileNotFoundError, OSError):
        raise Http404("Файл заявки не найден в хранилище. Сообщите оператору платформы.") from None
    audit(actor=actor, action="verification.document_view", obj=verification,
          organisation=verification.membership.organisation,
          details={"document_type": verification.document_type, "owner": is_owner(actor, verification)})
    return OpenedDocument(file=handle, content_type=verification.document_type, name=verification.document_name,
                          size=verification.document_size or 0)


# --- telling the director --------------------------------------------------------------------------------

def notify_decision(*, verification_id: int) -> bool:
    """E-mail the director the operator's decision (after the commit). The verification page says the
    same, so a mail server that is down loses no information: it is logged, never raised."""
    verification = (
        DirectorVerification.objects.select_related("membership__person__user", "membership__organisation")
        .filter(pk=verification_id).first()
    )
    if verification is None or verification.status not in (S.APPROVED, S.REJECTED):
        return False
    person = verification.membership.person
    user = getattr(person, "user", None)
    address = person.email or (user.email if user is not None else "")
    if not address:
        return False
    link = f"{settings.SITE_URL}{reverse('people:verification')}"
    school = verification.membership.organisation.short_name
    if verification.status == S.APPROVED:
        subject = "Вы подтверждены как руководитель ОО"
        body = (f"Здравствуйте, {person.name} {person.patronymic}".rstrip() + "!\n\n"
                f"Оператор региона подтвердил вас как руководителя организации «{school}».\n"
                "Теперь вам доступны функции «Педагогические работники и обучающиеся»: подтверждение "
                f"педагогов и просмотр обучающихся.\n\nСтраница подтверждения: {link}\n")
    else:
        subject = "Заявка на подтверждение руководителя отклонена"
        body = (f"Здравствуйте, {person.name} {person.patronymic}".rstrip() + "!\n\n"
                f"Оператор региона отклонил вашу заявку на подтверждение руководителя организации «{school}».\n"
                f"Причина: {verification.reject_reason}\n\n"
                f"Исправьте заявку и отправьте её снова: {link}\n")
    try:
        send_mail(subject, body, None, [address])
    except Exception:  # noqa: BLE001 — the decision is committed; the page tells the director anyway
        log.exception("verification %s: the decision mail to %s was not sent", verification_id, address)
        return False
    return True


# --- selectors -------------------------------------------------------------------------------------------

_RELATED = ("membership__person__user", "membership__organisation__municipality__region", "region",
            "reviewed_by__person", "submitted_by__person")


def _with_overdue(qs: QuerySet, today: date) -> QuerySet:
    return qs.annotate(overdue=Case(When(status=S.SUBMITTED, due_date__lt=today, then=Value(True)),
                                    default=Value(False), output_field=BooleanField()))


def access_verification(*, actor: ActiveRole, verification_id: int,
                        reviewer_only: bool = False) -> DirectorVerification:
    """A request the active role may see: its reviewing operator's, or the owner's own (unless
    `reviewer_only`); one «not found» for missing and forbidden."""
    verification = (
        _with_overdue(DirectorVerification.objects.select_related(*_RELATED), actor_today(actor))
        .filter(pk=verification_id).first()
    )
    if verification is None:
        raise Http404(NOT_FOUND)
    if may_review(actor, verification) or (not reviewer_only and is_owner(actor, verification)):
        return verification
    raise Http404(NOT_FOUND)


def _queue_scope(actor: ActiveRole) -> QuerySet[DirectorVerification]:
    if not can(actor, Action.REVIEW_VERIFICATIONS):
        return DirectorVerification.objects.none()
    qs = DirectorVerification.objects.all()
    if actor.is_platform_operator:
        return qs
    if not actor.region_id:
        return qs.none()
    return qs.filter(region_id=actor.region_id, membership__organisation__municipality__region_id=actor.region_id)


QUEUE_STATUSES = {"": "Все", **{value: label for value, label in S.choices}}


def verification_queue(*, actor: ActiveRole, status: str | None = S.SUBMITTED, municipality_id: int | None = None,
                       overdue: bool = False, query: str = "") -> QuerySet[DirectorVerification]:
    """R7: the operator's queue — by due date, the earliest first; filters by status, municipality and
    overdue; search by the director's ФИО or the school's name or INN (case and «ё» ignored)."""
    qs = _with_overdue(_queue_scope(actor), actor_today(actor))
    if status:
        qs = qs.filter(status=status)
    if municipality_id:
        qs = qs.filter(membership__organisation__municipality_id=municipality_id)
    if overdue:
        qs = qs.filter(overdue=True)
    for word in fold(query).split():
        qs = qs.filter(Q(membership__person__sort_key__contains=word)
                       | Q(membership__organisation__search_text__contains=word))
    return qs.select_related(*_RELATED).order_by("due_date", "submitted_at", "id")


def verification_counts(*, actor: ActiveRole) -> dict[str, int]:
    """How many requests of the queue are in each state, and how many under review are overdue; one query."""
    today = actor_today(actor)
    row = _queue_scope(actor).aggregate(
        submitted=Count("id", filter=Q(status=S.SUBMITTED)),
        overdue=Count("id", filter=Q(status=S.SUBMITTED, due_date__lt=today)),
        approved=Count("id", filter=Q(status=S.APPROVED)),
        rejected=Count("id", filter=Q(status=S.REJECTED)),
        withdrawn=Count("id", filter=Q(status=S.WITHDRAWN)),
    )
    return {key: value or 0 for key, value in row.items()}


def own_verifications(*, actor: ActiveRole) -> QuerySet[DirectorVerification]:
    """The director's own requests, the newest first."""
    membership = actor.membership
    if membership is None or membership.pk is None or membership.role != Role.DIRECTOR:
        return DirectorVerification.objects.none()
    return (_with_overdue(DirectorVerification.objects.filter(membership_id=membership.pk), actor_today(actor))
            .select_related(*_RELATED).order_by("-submitted_at", "-id"))


def verification_history(*, verifications) -> list[VerificationEvent]:
    """The history rows of the given requests, oldest first, with who did each and the status in words."""
    events = list(VerificationEvent.objects.filter(verification__in=verifications)
                  .select_related("actor__person", "verification").order_by("at", "id"))
    for event in events:
        event.status_label = S(event.to_status).label if event.to_status in S.values else event.to_status
        event.actor_name = event.actor.person.full_name if event.actor and event.actor.person_id else (
            str(event.actor) if event.actor else "интеграция (API) или система")
    return events


@dataclass
class DirectorState:
    """What the director's page shows: confirmed or not, the latest request, the whole history."""

    membership: Membership
    confirmed: bool
    current: DirectorVerification | None
    events: list[VerificationEvent] = field(default_factory=list)
    regions: list[Region] = field(default_factory=list)
    operators: list[str] = field(default_factory=list)

    @property
    def under_review(self) -> bool:
        return self.current is not None and self.current.status == S.SUBMITTED

    @property
    def can_submit(self) -> bool:
        return not self.confirmed and not self.under_review

    @property
    def step(self) -> int:
        """R8: 1 — send the request; 2 — wait for the operator; 3 — done."""
        return 3 if self.confirmed else 2 if self.under_review else 1


def director_state(*, actor: ActiveRole) -> DirectorState:
    """The director's own verification state (R6–R8); PermissionDenied for any other role."""
    require(actor, Action.SUBMIT_VERIFICATION, actor.organisation)
    membership = Membership.objects.select_related("organisation__municipality__region").get(pk=actor.membership.pk)
    requests = own_verifications(actor=actor)
    current = requests.first()
    regions = submit_choices(actor=actor)
    operators = [
        m.person.full_name for m in Membership.objects.active()
        .filter(role=Role.REGIONAL_OPERATOR, region__in=regions).select_related("person").order_by("person__sort_key")
    ]
    return DirectorState(
        membership=membership, confirmed=membership.confirmation == Confirmation.CONFIRMED, current=current,
        events=verification_history(verifications=DirectorVerification.objects.filter(membership=membership)),
        regions=regions, operators=operators,
    )
