"""Invitations of employees (R10–R11): send, resend, revoke, accept.

Every write is one function with the acting role first; the permission check, the lock, the change,
the history row (InvitationEvent) and the audit entry happen inside one transaction. The e-mail leaves
after the commit. The status machine is the table TRANSITIONS; `_apply` is the only place that changes
an invitation's status.
"""
from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMultiAlternatives
from django.core.validators import validate_email
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from sreda.core.active_role import ActiveRole
from sreda.core.audit import audit
from sreda.core.identifiers import validate_snils
from sreda.core.permissions import Action, require
from sreda.core.text import clean_name_parts, plural
from sreda.onboarding.models import INVITABLE_ROLES, Invitation, InvitationEvent, InvitationStatus
from sreda.onboarding.selectors import (
    AcceptProblem,
    INVALID_LINK,
    acceptance_problem,
    invitation_for_token,
    link_problem,
    local_date,
    token_hash,
)
from sreda.orgs.models import Organisation
from sreda.people.models import Confirmation, Membership, MembershipOrigin
from sreda.people.roles import Role

log = logging.getLogger(__name__)

# --- the status machine ---------------------------------------------------------------------------------

SCHOOL = "school"  # the director or administrator of the invitation's school (Action.MANAGE_EMPLOYEES)
INVITEE = "invitee"  # whoever holds the link, if R10's conditions hold for them


@dataclass(frozen=True)
class Transition:
    source: str
    target: str
    who: str
    event: str
    unexpired: bool = False  # only while the link's 60 days last


RESEND, REVOKE, ACCEPT = "resend", "revoke", "accept"

# (status now, step) → what it becomes, who may do it, the history row. Anything else is refused.
# «Истекло» is a pending invitation past its date: it may be resent or revoked, never accepted (R11).
_P, _S = InvitationStatus.PENDING, InvitationStatus
TRANSITIONS: dict[tuple[str, str], Transition] = {
    (_P, RESEND): Transition(_P, _S.REPLACED, SCHOOL, "replaced"),
    (_P, REVOKE): Transition(_P, _S.REVOKED, SCHOOL, "revoked"),
    (_P, ACCEPT): Transition(_P, _S.ACCEPTED, INVITEE, "accepted", unexpired=True),
}


class InvitationRefused(ValidationError):
    """A refusal to accept a link, with the HTTP status the page answers with (404, 410, 403)."""

    def __init__(self, problem: AcceptProblem):
        super().__init__(problem.message, code=problem.code)
        self.problem = problem
        self.status = problem.status


def _refusal(invitation: Invitation, step: str) -> str:
    """Why `step` cannot be applied to the invitation as it is now (the table has no such row)."""
    if step == ACCEPT:
        problem = link_problem(invitation)
        if problem is not None:
            return problem.message
    org = invitation.organisation
    if invitation.status == InvitationStatus.ACCEPTED:
        when = local_date(invitation.accepted_at, org)
        if step == REVOKE:
            return (f"Приглашение уже принято {when}: отзывать нечего. Чтобы изменить роль сотрудника или "
                    "завершить её, откройте раздел «Сотрудники».")
        return f"Приглашение уже принято {when}: отправлять его повторно не нужно."
    if invitation.status == InvitationStatus.REPLACED:
        newer = invitation.replaced_by
        when = f" {local_date(newer.sent_at, org)}" if newer is not None else ""
        return (f"Это приглашение уже заменено новой ссылкой{when}. Откройте новое приглашение — действовать "
                "нужно с ним.")
    if invitation.status == InvitationStatus.REVOKED:
        return ("Приглашение отозвано. Чтобы всё-таки пригласить этого человека, отправьте новое приглашение "
                "(«Пригласить сотрудника»).")
    return "Это действие с приглашением сейчас недоступно."


def allowed_steps(invitation: Invitation) -> set[str]:
    """Which buttons the detail page offers."""
    return {step for (source, step) in TRANSITIONS if source == invitation.status and step != ACCEPT}


def _apply(*, actor: ActiveRole, invitation: Invitation, step: str, note: str = "", **fields) -> Invitation:
    """The one place a status changes: check the table, change the row only if it is still in the source
    status (a conditional UPDATE, so two requests at once give one effect), write history and audit."""
    transition = TRANSITIONS.get((invitation.status, step))
    if transition is None:
        raise ValidationError(_refusal(invitation, step), code=f"{step}_not_allowed")
    if transition.who == SCHOOL:
        require(actor, Action.MANAGE_EMPLOYEES, invitation.organisation)
    still = {"pk": invitation.pk, "status": transition.source}
    if transition.unexpired:
        still["expires_at__gt"] = timezone.now()
    changed = Invitation.objects.filter(**still).update(status=transition.target, **fields)
    if changed != 1:
        invitation.refresh_from_db()
        raise ValidationError(_refusal(invitation, step), code=f"{step}_not_allowed")
    invitation.status = transition.target
    for name, value in fields.items():
        setattr(invitation, name, value)
    _event(invitation=invitation, actor=actor, kind=transition.event, note=note)
    audit(actor=actor, action=f"invitation.{step}", obj=invitation, organisation=invitation.organisation,
          details={"from": transition.source, "to": transition.target, "note": note,
                   **{k: getattr(v, "pk", v) for k, v in fields.items() if k != "accepted_at"}})
    return invitation


def _event(*, invitation: Invitation, actor: ActiveRole | None, kind: str, note: str = "") -> InvitationEvent:
    user = actor.user if actor is not None else None
    return InvitationEvent.objects.create(
        invitation=invitation, actor=user if user is not None and user.pk else None, kind=kind, note=note
    )


def _lock(invitation: Invitation) -> Invitation:
    """Re-read the row under a lock (PostgreSQL; SQLite transactions are serialised as a whole)."""
    return (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("organisation__municipality__region", "invited_by__person", "replaced_by")
        .get(pk=invitation.pk)
    )


# --- input ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Invitee:
    surname: str
    name: str
    patronymic: str
    email: str
    snils: str
    role: str


def _words(value: str | None) -> str:
    return " ".join((value or "").split())


def clean_email(value: str | None) -> str:
    """A real address, lower-cased; the message says what is wrong in Russian."""
    email = (value or "").strip()
    if not email:
        raise ValidationError("Укажите e-mail: на него придёт ссылка-приглашение.", code="email_required")
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError(
            f"E-mail «{email}»: это не адрес электронной почты. Нужен адрес вида имя@домен, например "
            "ivanova@school.ru.", code="email_invalid",
        ) from None
    return email.lower()


def clean_invitee(*, surname: str, name: str, patronymic: str = "", email: str, snils: str = "",
                  role: str) -> Invitee:
    """Check every field and report all problems at once, by field."""
    errors: dict[str, list[str]] = {}
    surname, name, patronymic = clean_name_parts(surname, name, patronymic, errors)
    try:
        email = clean_email(email)
    except ValidationError as exc:
        errors["email"] = exc.messages
    snils_digits = ""
    if (snils or "").strip():
        try:
            snils_digits = validate_snils(snils.strip())
        except ValidationError as exc:
            errors["snils"] = exc.messages
    if role not in INVITABLE_ROLES:
        allowed = ", ".join(f"«{Role(r).label}»" for r in INVITABLE_ROLES)
        errors["role"] = [f"Роль «{role}»: приглашением можно назначить только {allowed}."]
    if errors:
        raise ValidationError(errors)
    return Invitee(surname, name, patronymic, email, snils_digits, role)


# --- sending --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Sent:
    """A sent invitation and its link. The link exists only here and in the e-mail; the database keeps its
    hash."""

    invitation: Invitation
    link: str


def invitation_link(token: str) -> str:
    return settings.SITE_URL + reverse("onboarding:accept", args=[token])


def _create(*, actor: ActiveRole, organisation: Organisation, invitee: Invitee, now=None) -> Sent:
    token = secrets.token_urlsafe(32)
    now = now or timezone.now()
    invitation = Invitation.objects.create(
        organisation=organisation, surname=invitee.surname, name=invitee.name, patronymic=invitee.patronymic,
        email=invitee.email, snils=invitee.snils, role=invitee.role, token_hash=token_hash(token), sent_at=now,
        expires_at=now + timedelta(days=settings.INVITATION_VALID_DAYS),
        invited_by=actor.user if actor.user is not None and actor.user.pk else None,
    )
    link = invitation_link(token)
    transaction.on_commit(lambda: _mail(invitation_id=invitation.pk, link=link))
    return Sent(invitation, link)


@transaction.atomic
def invitation_send(*, actor: ActiveRole, organisation: Organisation, surname: str, name: str,
                    patronymic: str = "", email: str, snils: str = "", role: str) -> Sent:
    """R10: the director or administrator invites an employee; the link goes to `email` after commit."""
    require(actor, Action.MANAGE_EMPLOYEES, organisation)
    invitee = clean_invitee(surname=surname, name=name, patronymic=patronymic, email=email, snils=snils, role=role)
    # One sender at a time per school, so two clicks on «Отправить» cannot make two live invitations.
    Organisation.objects.select_for_update().filter(pk=organisation.pk).first()
    now = timezone.now()
    live = (
        Invitation.objects.filter(organisation=organisation, email=invitee.email, status=InvitationStatus.PENDING,
                                  expires_at__gt=now)
        .order_by("-sent_at").first()
    )
    if live is not None:
        raise ValidationError(
            {"email": [f"На {invitee.email} уже отправлено приглашение {local_date(live.sent_at, organisation)}; оно "
                       f"действует до {local_date(live.expires_at, organisation)}. Чтобы выслать новую ссылку, "
                       "откройте это приглашение и нажмите «Отправить повторно»."]},
            code="already_invited",
        )
    if invitee.snils:
        holder = (
            Membership.objects.active()
            .filter(organisation=organisation, role=invitee.role, person__snils=invitee.snils).first()
        )
        if holder is not None:
            raise ValidationError(
                {"snils": [f"Человек с этим СНИЛС уже работает в школе в роли «{holder.get_role_display()}» — "
                           "приглашать его не нужно (раздел «Сотрудники»)."]},
                code="already_employee",
            )
    sent = _create(actor=actor, organisation=organisation, invitee=invitee, now=now)
    invitation = sent.invitation
    _event(invitation=invitation, actor=actor, kind="sent",
           note=f"Роль «{invitation.get_role_display()}», ссылка на {invitation.email} до "
                f"{local_date(invitation.expires_at, organisation)}" + ("; указан СНИЛС" if invitee.snils else ""))
    audit(actor=actor, action="invitation.send", obj=invitation, organisation=organisation,
          details={"role": invitee.role, "email": invitee.email, "snils_given": bool(invitee.snils),
                   "expires_at": invitation.expires_at.isoformat()})
    return sent


@transaction.atomic
def invitation_resend(*, actor: ActiveRole, invitation: Invitation) -> Sent:
    """R11: a new link for the same person; the old one is voided (REPLACED, linked by `replaced_by`).
    Two administrators clicking at once: the second finds it already replaced and is told so."""
    require(actor, Action.MANAGE_EMPLOYEES, invitation.organisation)
    current = _lock(invitation)
    if (current.status, RESEND) not in TRANSITIONS:
        raise ValidationError(_refusal(current, RESEND), code="resend_not_allowed")
    invitee = Invitee(current.surname, current.name, current.patronymic, current.email, current.snils, current.role)
    sent = _create(actor=actor, organisation=current.organisation, invitee=invitee)
    new = sent.invitation
    _apply(actor=actor, invitation=current, step=RESEND, replaced_by=new,
           note=f"Новая ссылка отправлена на {new.email}; прежняя больше не действует")
    _event(invitation=new, actor=actor, kind="sent",
           note=f"Повторная отправка взамен приглашения от {local_date(current.sent_at, current.organisation)}; "
                f"ссылка действует до {local_date(new.expires_at, current.organisation)}")
    audit(actor=actor, action="invitation.send", obj=new, organisation=current.organisation,
          details={"role": new.role, "email": new.email, "snils_given": bool(new.snils), "replaces": current.pk,
                   "expires_at": new.expires_at.isoformat()})
    return Sent(new, sent.link)


@transaction.atomic
def invitation_revoke(*, actor: ActiveRole, invitation: Invitation, reason: str = "") -> Invitation:
    """The school takes an invitation back; its link stops working and says so."""
    require(actor, Action.MANAGE_EMPLOYEES, invitation.organisation)
    current = _lock(invitation)
    reason = _words(reason)[:500]
    return _apply(actor=actor, invitation=current, step=REVOKE, note=reason)


# --- accepting ------------------------------------------------------------------------------------------

def invitation_accept(*, actor: ActiveRole, token: str) -> Membership:
    """R10–R11: the signed-in holder of the link joins the school in the invited role.

    Refused — with InvitationRefused, nothing changed — for an unknown or tampered link, a used, replaced,
    revoked or expired one, an account that is not confirmed, and a person other than the one whose СНИЛС
    the invitation names. Refusals the administrator should know of are kept in the invitation's history.
    """
    if actor is None or actor.user is None or not actor.user.is_authenticated:
        raise PermissionDenied("Чтобы принять приглашение, войдите в свою учётную запись.")
    try:
        return _accept(actor=actor, token=token)
    except InvitationRefused as refused:
        if refused.problem.record and getattr(refused, "invitation_id", None):
            _record_refusal(actor=actor, invitation_id=refused.invitation_id, problem=refused.problem)
        raise


@transaction.atomic
def _accept(*, actor: ActiveRole, token: str) -> Membership:
    found = invitation_for_token(token)
    if found is None:
        raise InvitationRefused(INVALID_LINK)
    invitation = _lock(found)
    problem = acceptance_problem(actor=actor, invitation=invitation)
    if problem is not None:
        refused = InvitationRefused(problem)
        refused.invitation_id = invitation.pk
        raise refused
    person = actor.person
    now = timezone.now()
    membership = (
        Membership.objects.filter(person=person, organisation=invitation.organisation, role=invitation.role,
                                  school_class__isnull=True, end_date__isnull=True).first()
    )
    reused = membership is not None
    if membership is None:
        membership = Membership.objects.create(
            person=person, role=invitation.role, organisation=invitation.organisation,
            origin=MembershipOrigin.INVITATION, start_date=timezone.localdate(),
            # The school itself invited this person: the inviter vouches for them.
            confirmation=Confirmation.CONFIRMED, confirmed_at=now, confirmed_by=invitation.invited_by,
        )
    try:
        _apply(actor=actor, invitation=invitation, step=ACCEPT, accepted_at=now, accepted_by=actor.user,
               membership=membership,
               note=f"{person.full_name}: роль «{membership.get_role_display()}»"
                    + (" (такая роль уже была)" if reused else ""))
    except ValidationError:
        # Someone else's request changed it between our read and our update: say what it is now. The
        # membership made above goes with this transaction's rollback.
        raise InvitationRefused(link_problem(invitation) or INVALID_LINK) from None
    audit(actor=actor, action="membership.create" if not reused else "membership.reuse", obj=membership,
          organisation=invitation.organisation,
          details={"origin": MembershipOrigin.INVITATION, "invitation": invitation.pk, "role": membership.role})
    return membership


@transaction.atomic
def _record_refusal(*, actor: ActiveRole, invitation_id: int, problem: AcceptProblem) -> None:
    invitation = Invitation.objects.select_related("organisation").get(pk=invitation_id)
    who = actor.person.full_name if actor.person is not None else str(actor.user)
    notes = {
        "expired": "ссылка просрочена",
        "unconfirmed": "учётная запись не подтверждена",
        "other_person": "СНИЛС не совпадает с указанным в приглашении",
    }
    _event(invitation=invitation, actor=actor, kind="refused", note=f"{who}: {notes.get(problem.code, problem.code)}")
    audit(actor=actor, action="invitation.accept_refused", obj=invitation, organisation=invitation.organisation,
          details={"reason": problem.code})


# --- the e-mail -----------------------------------------------------------------------------------------

def _mail(*, invitation_id: int, link: str) -> None:
    """Send the invitation letter (after commit). A failure is written to the history, so the administrator
    sees it and can resend; the invitation itself stays."""
    invitation = (
        Invitation.objects.select_related("organisation__municipality__region", "invited_by__person")
        .get(pk=invitation_id)
    )
    organisation = invitation.organisation
    inviter = invitation.invited_by.person.full_name if invitation.invited_by and invitation.invited_by.person else ""
    context = {
        "invitation": invitation, "organisation": organisation, "link": link, "inviter": inviter,
        "role": invitation.get_role_display(), "expires": local_date(invitation.expires_at, organisation),
        "valid_days": f"{settings.INVITATION_VALID_DAYS} {plural(settings.INVITATION_VALID_DAYS, 'день', 'дня', 'дней')}",
        "site_url": settings.SITE_URL,
    }
    subject = " ".join(render_to_string("onboarding/email/invitation_subject.txt", context).split())
    message = EmailMultiAlternatives(
        subject=subject, body=render_to_string("onboarding/email/invitation.txt", context),
        to=[invitation.email],
    )
    message.attach_alternative(render_to_string("onboarding/email/invitation.html", context), "text/html")
    try:
        message.send(fail_silently=False)
    except Exception as exc:  # noqa: BLE001 — any transport error: SMTP, DNS, refused connection
        log.warning("invitation %s: mail to %s failed: %s", invitation.pk, invitation.email, exc)
        with transaction.atomic():
            _event(invitation=invitation, actor=None, kind="mail_failed",
                   note=f"Почтовый сервер не принял письмо на {invitation.email}: {exc.__class__.__name__}. "
                        "Проверьте адрес и отправьте приглашение повторно.")
            audit(actor=None, action="invitation.mail_failed", obj=invitation, organisation=organisation,
                  details={"error": str(exc)[:300]})
        return
    with transaction.atomic():
        _event(invitation=invitation, actor=None, kind="mail_sent", note=f"Письмо со ссылкой отправлено на {invitation.email}")
