"""Reads of invitations (R10–R11): the administrator's lists and counts, the link's state for the invitee,
and who can send a new link. No writes here."""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from sreda.core.active_role import ActiveRole
from sreda.core.permissions import Action, can
from sreda.core.text import fold
from sreda.onboarding.models import Invitation, InvitationEvent, InvitationStatus
from sreda.orgs.models import Organisation
from sreda.people.models import Membership
from sreda.people.roles import Role

NOT_FOUND = "Приглашение не найдено или недоступно в текущей роли."
# secrets.token_urlsafe(32) gives 43 characters of the URL-safe alphabet; anything else was mangled.
TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{32,64}$")


class InvitationState:
    """The administrator's tabs. «Истекли» is computed: a pending invitation past its date (R11)."""

    PENDING = "pending"
    ACCEPTED = "accepted"
    EXPIRED = "expired"
    CLOSED = "closed"

    LABELS = {
        PENDING: "Ожидают",
        ACCEPTED: "Приняты",
        EXPIRED: "Истекли",
        CLOSED: "Заменены и отозваны",
    }


EVENT_LABELS = {
    "sent": "Приглашение отправлено",
    "mail_sent": "Письмо передано почтовому серверу",
    "mail_failed": "Письмо не отправлено",
    "replaced": "Ссылка заменена новой",
    "revoked": "Приглашение отозвано",
    "accepted": "Приглашение принято",
    "refused": "Попытка принять отклонена",
}


def token_hash(token: str) -> str:
    """Only this is stored: a leaked database gives no working links."""
    return hashlib.sha256(token.encode()).hexdigest()


def local_date(moment: datetime, organisation: Organisation | None = None) -> str:
    """«20.11.2025» in the organisation's region's time zone (DOMAIN: dates in the region's zone)."""
    zone = None
    if organisation is not None:
        try:
            zone = ZoneInfo(organisation.municipality.region.timezone)
        except (LookupError, ValueError, AttributeError):
            zone = None
    return timezone.localtime(moment, zone).strftime("%d.%m.%Y")


def state_of(invitation: Invitation, now: datetime | None = None) -> str:
    if invitation.status == InvitationStatus.PENDING:
        return InvitationState.EXPIRED if invitation.expires_at <= (now or timezone.now()) else InvitationState.PENDING
    if invitation.status == InvitationStatus.ACCEPTED:
        return InvitationState.ACCEPTED
    return InvitationState.CLOSED


def status_label(invitation: Invitation) -> str:
    """«Ожидает ответа», «Истекло», «Принято», «Заменено новой ссылкой», «Отозвано»."""
    if invitation.is_expired:
        return "Истекло"
    return invitation.get_status_display()


def _state_filter(state: str, now: datetime) -> Q:
    return {
        InvitationState.PENDING: Q(status=InvitationStatus.PENDING, expires_at__gt=now),
        InvitationState.EXPIRED: Q(status=InvitationStatus.PENDING, expires_at__lte=now),
        InvitationState.ACCEPTED: Q(status=InvitationStatus.ACCEPTED),
        InvitationState.CLOSED: Q(status__in=[InvitationStatus.REPLACED, InvitationStatus.REVOKED]),
    }[state]


def invitation_list(*, actor: ActiveRole, organisation: Organisation, state: str | None = None,
                    query: str = "") -> QuerySet[Invitation]:
    """The organisation's invitations, newest first, filtered by tab and by ФИО or e-mail."""
    if not can(actor, Action.MANAGE_EMPLOYEES, organisation):
        return Invitation.objects.none()
    qs = Invitation.objects.filter(organisation=organisation)
    if state in InvitationState.LABELS:
        qs = qs.filter(_state_filter(state, timezone.now()))
    words = fold(query).split()
    if words:
        qs = qs.filter(pk__in=_matching_ids(qs, words))
    return qs.select_related("invited_by__person", "accepted_by__person", "replaced_by").order_by("-sent_at", "-id")


def _matching_ids(qs: QuerySet[Invitation], words: list[str]) -> list[int]:
    """Search ignoring case and «ё» (DOMAIN). Invitations have no folded column and SQLite's lower() knows
    only ASCII, so the folding is done here over one school's invitations: one narrow query."""
    rows = qs.values_list("pk", "surname", "name", "patronymic", "email")
    return [pk for pk, *text in rows if all(word in fold(" ".join(text)) for word in words)]


def invitation_counts(*, actor: ActiveRole, organisation: Organisation) -> dict[str, int]:
    """How many invitations each tab holds; one query."""
    if not can(actor, Action.MANAGE_EMPLOYEES, organisation):
        return dict.fromkeys(InvitationState.LABELS, 0)
    now = timezone.now()
    return Invitation.objects.filter(organisation=organisation).aggregate(
        **{state: Count("pk", filter=_state_filter(state, now)) for state in InvitationState.LABELS}
    )


def access_invitation(*, actor: ActiveRole, invitation_id: int) -> Invitation:
    """The invitation if the active role manages employees of its school; one «not found» for missing and
    forbidden (a school never learns of another school's invitations)."""
    invitation = (
        Invitation.objects.select_related("organisation__municipality__region", "invited_by__person",
                                          "accepted_by__person", "membership", "replaced_by")
        .filter(pk=invitation_id).first()
    )
    if invitation is None or not can(actor, Action.MANAGE_EMPLOYEES, invitation.organisation):
        raise Http404(NOT_FOUND)
    return invitation


def invitation_events(*, invitation: Invitation) -> QuerySet[InvitationEvent]:
    return invitation.events.select_related("actor__person").order_by("at", "id")


def invitation_replaces(*, invitation: Invitation) -> Invitation | None:
    """The earlier invitation this one replaced, if it was a resend."""
    return Invitation.objects.filter(replaced_by=invitation).first()


def invitation_for_token(token: str) -> Invitation | None:
    """The invitation a link points to, or None for an unknown, mangled or tampered token."""
    if not token or not TOKEN_PATTERN.match(token):
        return None
    return (
        Invitation.objects.select_related("organisation__municipality__region", "invited_by__person", "replaced_by")
        .filter(token_hash=token_hash(token)).first()
    )


# --- who invited, who can send a new link (R11) -------------------------------------------------------

def inviter_label(invitation: Invitation) -> str:
    """«Иванова Анна Петровна, Администратор ОО» — as the accept page names the inviter."""
    user = invitation.invited_by
    person = getattr(user, "person", None) if user is not None else None
    if person is None:
        return f"{invitation.organisation.short_name} (информационная система школы)" if user is None else str(user)
    role = (
        Membership.objects.active()
        .filter(person=person, organisation=invitation.organisation, role__in=[Role.DIRECTOR, Role.ADMINISTRATOR])
        .order_by("role", "id").first()
    )
    return f"{person.full_name}, {role.get_role_display()}" if role is not None else person.full_name


def resend_contact(invitation: Invitation) -> str:
    """«Иванова Анна Петровна, Администратор ОО, МБОУ СОШ № 5»: the inviter while they still manage the
    school's employees, otherwise its director or an administrator."""
    organisation = invitation.organisation
    managers = (
        Membership.objects.active()
        .filter(organisation=organisation, role__in=[Role.DIRECTOR, Role.ADMINISTRATOR])
        .select_related("person")
        .order_by("role", "person__sort_key", "id")
    )
    inviter_person_id = getattr(invitation.invited_by, "person_id", None)
    chosen = None
    if inviter_person_id:
        chosen = managers.filter(person_id=inviter_person_id).first()
    chosen = chosen or managers.first()
    if chosen is None:
        return f"руководитель или администратор ОО, {organisation.short_name}"
    return f"{chosen.person.full_name}, {chosen.get_role_display()}, {organisation.short_name}"


# --- can this person accept this link? ----------------------------------------------------------------

@dataclass(frozen=True)
class AcceptProblem:
    """Why a link cannot be accepted now: the page shows `message` with HTTP `status`. `record` says the
    attempt belongs in the invitation's history (the administrator should know someone tried)."""

    code: str
    status: int
    message: str
    record: bool = False


INVALID_LINK = AcceptProblem(
    "invalid", 404,
    "Ссылка недействительна. Проверьте, что она скопирована из письма полностью, или попросите школу "
    "отправить приглашение повторно.",
)


def link_problem(invitation: Invitation | None, now: datetime | None = None) -> AcceptProblem | None:
    """What is wrong with the link itself, whoever opens it: unknown, used, replaced, revoked, expired."""
    if invitation is None:
        return INVALID_LINK
    organisation = invitation.organisation
    if invitation.status == InvitationStatus.ACCEPTED:
        return AcceptProblem(
            "used", 410,
            f"Это приглашение уже использовано {local_date(invitation.accepted_at, organisation)}: ссылкой можно "
            "воспользоваться только один раз. Если вы уже приняли его, выберите новую роль в «Сменить роль».",
        )
    if invitation.status == InvitationStatus.REPLACED:
        newer = invitation.replaced_by
        when = f" {local_date(newer.sent_at, organisation)}" if newer is not None else ""
        return AcceptProblem(
            "replaced", 410,
            f"Эта ссылка заменена новой — проверьте почту: новое письмо отправлено{when} на тот же адрес.",
        )
    if invitation.status == InvitationStatus.REVOKED:
        return AcceptProblem(
            "revoked", 410,
            f"Приглашение отозвано школой. Если это ошибка, обратитесь: {resend_contact(invitation)}.",
        )
    if invitation.expires_at <= (now or timezone.now()):
        return AcceptProblem(
            "expired", 410,
            f"Срок действия ссылки истёк {local_date(invitation.expires_at, organisation)}. "
            f"Новое приглашение может отправить: {resend_contact(invitation)}.",
            record=True,
        )
    return None


def person_problem(*, actor: ActiveRole, invitation: Invitation) -> AcceptProblem | None:
    """What stops this signed-in person (R10): no confirmed account, or the invitation names someone else."""
    person = actor.person
    if person is None:
        return AcceptProblem(
            "no_person", 403,
            "Ваша учётная запись не связана с записью о человеке, поэтому принять приглашение нельзя. "
            f"Обратитесь в школу: {resend_contact(invitation)}.",
        )
    if not person.account_confirmed:
        return AcceptProblem(
            "unconfirmed", 403,
            "Принять приглашение может только владелец подтверждённой учётной записи. Подтвердите учётную "
            "запись через Госуслуги (ЕСИА) или обратитесь в школу — там проверят ваши документы. Затем откройте "
            f"эту ссылку снова: она действует до {local_date(invitation.expires_at, invitation.organisation)}.",
            record=True,
        )
    if invitation.snils and person.snils != invitation.snils:
        # Never say whose СНИЛС it is, or which digits differ.
        return AcceptProblem(
            "other_person", 403,
            "Приглашение выписано на другого человека: оно предназначено сотруднику с другим СНИЛС. Если "
            f"приглашение ваше, проверьте СНИЛС в учётной записи или обратитесь: {resend_contact(invitation)}.",
            record=True,
        )
    return None


def acceptance_problem(*, actor: ActiveRole, invitation: Invitation | None) -> AcceptProblem | None:
    return link_problem(invitation) or person_problem(actor=actor, invitation=invitation)
