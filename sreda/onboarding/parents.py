"""Parent confirmation by link or QR code (R21): the school issues an invitation for a student who has
joined; the parent opens it, checks and corrects the child's data and gives consent; the child is then
confirmed (ParentConsent) and the parent becomes a member of the school and class (and the child's legal
representative). Corrections go to the administrator as a diff to accept or reject.

The link keeps only the SHA-256 of its token; it works once and only for its child, and only while the child
is still a student of the class it was issued for (a child moved to another class or gone from the school makes
it invalid: the parent would otherwise join the wrong class). Issuing a new link for the same child revokes the
previous one.
"""
from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from sreda.core.active_role import ActiveRole
from sreda.core.audit import audit
from sreda.core.permissions import Action, can, require
from sreda.core.text import clean_name_parts
from sreda.onboarding.models import (
    ChildDataCorrection,
    CorrectionStatus,
    ParentConsent,
    ParentInvitation,
    ParentInvitationStatus,
)
from sreda.orgs.models import Organisation, SchoolClass
from sreda.people.models import (
    Guardianship,
    Membership,
    MembershipOrigin,
    Person,
    Sex,
    User,
)
from sreda.people.roles import Role

PARENT_INVITATION_VALID_DAYS = 30
CONSENT_TEXT = "Я даю согласие на использование платформы моим ребёнком"
CONSENT_VERSION = "2025-11-24"
TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{32,64}$")
CORRECTABLE = (("surname", "Фамилия"), ("name", "Имя"), ("patronymic", "Отчество"),
               ("birth_date", "Дата рождения"), ("sex", "Пол"))
NOT_FOUND = "Не найдено или недоступно в текущей роли."


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_link(token: str) -> str:
    return settings.SITE_URL + reverse("onboarding:parent_invite", args=[token])


# --- who may issue, for which class --------------------------------------------------------------------

def may_invite_for(actor: ActiveRole | None, school_class: SchoolClass) -> bool:
    """Administrator, director (or the operator) for any class of their school; a teacher only for the class
    they lead (R21)."""
    if not can(actor, Action.INVITE_PARENTS, school_class.organisation):
        return False
    if actor.role == Role.TEACHER:
        person = actor.person
        return person is not None and school_class.class_teacher_id == person.pk
    return True


def require_invite(actor: ActiveRole | None, school_class: SchoolClass) -> None:
    require(actor, Action.INVITE_PARENTS, school_class.organisation)
    if not may_invite_for(actor, school_class):
        raise PermissionDenied(f"Приглашения родителям класса {school_class.title} выдаёт его классный руководитель, "
                               "администратор или руководитель ОО.")


def invite_classes(*, actor: ActiveRole, organisation: Organisation) -> QuerySet[SchoolClass]:
    """The classes the active role may issue parent invitations for."""
    if not can(actor, Action.INVITE_PARENTS, organisation):
        return SchoolClass.objects.none()
    qs = SchoolClass.objects.filter(organisation=organisation).select_related("school_year", "class_teacher")
    if actor.role == Role.TEACHER:
        qs = qs.filter(class_teacher_id=getattr(actor.person, "pk", None) or 0)
    return qs.order_by("-school_year__start", "grade", "letter")


def access_class_for_invites(*, actor: ActiveRole, class_id: int | None) -> SchoolClass:
    school_class = (SchoolClass.objects.select_related("organisation__municipality__region", "class_teacher",
                                                       "school_year").filter(pk=class_id or 0).first())
    if school_class is None or not may_invite_for(actor, school_class):
        raise Http404("Класс не найден или приглашения родителям этого класса выдаёт другой сотрудник.")
    return school_class


def class_students(*, school_class: SchoolClass) -> QuerySet[Membership]:
    """The class's current students with what the invitation page shows: joined (has an account), confirmed
    by a parent (consent), a live invitation. Constant queries, whatever the class size."""
    now = timezone.now()
    return (
        Membership.objects.active().filter(school_class=school_class, role=Role.STUDENT)
        .select_related("person")
        .annotate(
            joined=Exists(User.objects.filter(person_id=OuterRef("person_id"))),
            confirmed=Exists(ParentConsent.objects.filter(child_id=OuterRef("person_id"),
                                                          organisation_id=school_class.organisation_id)),
            invited=Exists(ParentInvitation.objects.filter(student_id=OuterRef("person_id"), school_class=school_class,
                                                           status=ParentInvitationStatus.PENDING, expires_at__gt=now)),
        )
        .order_by("person__sort_key", "person_id")
    )


# --- issuing ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Issued:
    invitation: ParentInvitation
    token: str

    @property
    def link(self) -> str:
        return invitation_link(self.token)


def _issue(*, actor: ActiveRole, student: Person, school_class: SchoolClass, now) -> Issued:
    if not Membership.objects.active().filter(person=student, role=Role.STUDENT, school_class=school_class).exists():
        raise ValidationError(f"{student.full_name} не обучается в классе {school_class.title}: приглашение выдаётся "
                              "родителю ученика этого класса.", code="not_in_class")
    if not User.objects.filter(person=student).exists():
        raise ValidationError(f"{student.full_name} ещё не вступил(а) в школу: у ученика нет учётной записи. "
                              "Приглашение родителю выдаётся после одобрения заявки ученика (R20).",
                              code="not_joined")
    ParentInvitation.objects.filter(student=student, school_class=school_class,
                                    status=ParentInvitationStatus.PENDING).update(status=ParentInvitationStatus.REVOKED)
    token = secrets.token_urlsafe(32)
    user = actor.user if actor.user is not None and actor.user.pk else None
    invitation = ParentInvitation.objects.create(
        organisation=school_class.organisation, student=student, school_class=school_class,
        token_hash=token_hash(token), created_at=now, expires_at=now + timedelta(days=PARENT_INVITATION_VALID_DAYS),
        created_by=user)
    audit(actor=actor, action="parent_invitation.issue", obj=invitation, organisation=school_class.organisation,
          details={"student": student.pk, "class": school_class.pk, "expires_at": invitation.expires_at.isoformat()})
    return Issued(invitation, token)


@transaction.atomic
def parent_invitation_issue(*, actor: ActiveRole, student: Person, school_class: SchoolClass) -> Issued:
    """R21: a link (and QR code) for the parent of a student who has joined; the previous link of the same
    child stops working."""
    require_invite(actor, school_class)
    SchoolClass.objects.select_for_update().filter(pk=school_class.pk).first()
    return _issue(actor=actor, student=student, school_class=school_class, now=timezone.now())


@transaction.atomic
def parent_invitations_issue_for_class(*, actor: ActiveRole, school_class: SchoolClass) -> list[Issued]:
    """The printable sheet: a fresh link for every joined student of the class whose parent has not
    confirmed yet."""
    require_invite(actor, school_class)
    SchoolClass.objects.select_for_update().filter(pk=school_class.pk).first()
    now = timezone.now()
    rows = class_students(school_class=school_class).filter(joined=True, confirmed=False)
    return [_issue(actor=actor, student=m.person, school_class=school_class, now=now) for m in rows]


# --- the link's state --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class LinkProblem:
    code: str
    status: int
    message: str


def issuers(invitation_or_class) -> str:
    """Who can issue a new link: the class teacher, the school's administrator or director."""
    school_class = getattr(invitation_or_class, "school_class", invitation_or_class)
    org = school_class.organisation
    names = []
    if school_class.class_teacher_id:
        names.append(f"классный руководитель {school_class.title} — {school_class.class_teacher.full_name}")
    names.append(_school_issuer(org))
    return f"{'; '.join(names)} ({org.short_name})"


def _school_issuer(org: Organisation) -> str:
    admin = (Membership.objects.active().filter(organisation=org, role__in=[Role.ADMINISTRATOR, Role.DIRECTOR])
             .select_related("person").order_by("role", "person__sort_key").first())
    if admin is not None:
        return f"{admin.get_role_display()} — {admin.person.full_name}"
    return "администратор или руководитель ОО"


def _class_problem(invitation: ParentInvitation) -> LinkProblem | None:
    """The child is no longer a student of the invitation's class: moved to another class of the school, or gone
    from it. The message names neither the child nor the new class (the link may be in other hands)."""
    students = Membership.objects.active().filter(person_id=invitation.student_id, role=Role.STUDENT)
    if students.filter(school_class_id=invitation.school_class_id).exists():
        return None
    school_class, org = invitation.school_class, invitation.organisation
    if students.filter(organisation_id=invitation.organisation_id).exists():
        return LinkProblem("moved", 410, (
            f"Приглашение больше не действует: ученик, для которого оно выдано, переведён из класса "
            f"{school_class.title} в другой класс. Новое приглашение может выдать классный руководитель его "
            f"нового класса или {_school_issuer(org)} ({org.short_name})."))
    return LinkProblem("left", 410, (
        f"Приглашение больше не действует: ученик, для которого оно выдано, больше не числится в классе "
        f"{school_class.title} ({org.short_name}). Если это ошибка, новое приглашение может выдать: "
        f"{issuers(invitation)}; если ребёнок перешёл в другую школу — приглашение выдаёт она."))


INVALID = LinkProblem("invalid", 404, "Ссылка недействительна: она повреждена или скопирована не полностью. "
                                      "Отсканируйте QR-код ещё раз или попросите школу выдать новое приглашение.")


def invitation_for_token(token: str) -> ParentInvitation | None:
    if not token or not TOKEN_PATTERN.match(token):
        return None
    return (ParentInvitation.objects
            .select_related("organisation", "school_class__class_teacher", "school_class__organisation", "student",
                            "used_by__person")
            .filter(token_hash=token_hash(token)).first())


def link_problem(invitation: ParentInvitation | None, *, parent: Person | None = None) -> LinkProblem | None:
    """What is wrong with the link: tampered, used, revoked, expired, opened by the child themselves, or the
    child no longer in the invitation's class."""
    if invitation is None:
        return INVALID
    who = issuers(invitation)
    if invitation.status == ParentInvitationStatus.USED:
        if parent is not None and invitation.used_by_id and getattr(invitation.used_by, "person_id", None) == parent.pk:
            return LinkProblem("used", 410, "Вы уже подтвердили данные ребёнка по этой ссылке — больше ничего делать "
                                            "не нужно.")
        when = timezone.localtime(invitation.used_at).strftime("%d.%m.%Y")
        return LinkProblem("used", 410, f"Эта ссылка уже использована {when}: она действует один раз. Новое "
                                        f"приглашение может выдать: {who}.")
    if invitation.status == ParentInvitationStatus.REVOKED:
        return LinkProblem("revoked", 410, f"Эта ссылка заменена новой или отозвана школой. Новое приглашение может "
                                           f"выдать: {who}.")
    if invitation.expires_at <= timezone.now():
        when = timezone.localtime(invitation.expires_at).strftime("%d.%m.%Y")
        return LinkProblem("expired", 410, f"Срок действия ссылки истёк {when}. Новое приглашение может выдать: {who}.")
    if parent is not None and parent.pk == invitation.student_id:
        return LinkProblem("self", 403, "Это приглашение для родителя (законного представителя) ученика: откройте "
                                        "ссылку, войдя в учётную запись родителя.")
    return _class_problem(invitation)


# --- the parent confirms -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ChildData:
    surname: str
    name: str
    patronymic: str
    birth_date: date | None
    sex: str


def child_data(person: Person) -> ChildData:
    return ChildData(person.surname, person.name, person.patronymic, person.birth_date, person.sex)


def clean_child_data(*, surname, name, patronymic, birth_date, sex) -> ChildData:
    errors: dict[str, list[str]] = {}
    surname, name, patronymic = clean_name_parts(surname, name, patronymic, errors)
    if birth_date is None:
        errors["birth_date"] = ["Укажите дату рождения ребёнка."]
    elif not (date(1990, 1, 1) <= birth_date <= timezone.localdate()):
        errors["birth_date"] = ["Дата рождения ребёнка должна быть в прошлом."]
    if sex not in ("", *Sex.values):
        errors["sex"] = ["Выберите пол из списка."]
    if errors:
        raise ValidationError(errors)
    return ChildData(surname, name, patronymic, birth_date, sex or "")


def _value(v) -> str:
    return v.isoformat() if isinstance(v, date) else (v or "")


def diff(old: ChildData, new: ChildData) -> dict[str, dict[str, str]]:
    return {name: {"old": _value(getattr(old, name)), "new": _value(getattr(new, name))}
            for name, _ in CORRECTABLE if _value(getattr(old, name)) != _value(getattr(new, name))}


@dataclass(frozen=True)
class Confirmed:
    invitation: ParentInvitation
    consent: ParentConsent
    membership: Membership
    correction: ChildDataCorrection | None


class LinkRefused(ValidationError):
    def __init__(self, problem: LinkProblem):
        super().__init__(problem.message, code=problem.code)
        self.problem = problem


@transaction.atomic
def parent_confirm(*, actor: ActiveRole, token: str, data: ChildData, consent: bool) -> Confirmed:
    """R21: the parent confirms (or corrects) the child's data and gives consent. Then the child is confirmed,
    the parent becomes a member of the school and class, and the legal representative of the child."""
    user = getattr(actor, "user", None)
    if user is None or not user.is_authenticated:
        raise PermissionDenied("Чтобы подтвердить данные ребёнка, войдите в свою учётную запись.")
    parent = actor.person
    if parent is None:
        raise PermissionDenied("Ваша учётная запись не связана с записью о человеке: обратитесь в школу.")
    if not consent:
        raise ValidationError({"consent": [f"Отметьте «{CONSENT_TEXT}»: без согласия ребёнок не будет подтверждён."]})
    invitation = invitation_for_token(token)
    if invitation is not None:
        ParentInvitation.objects.select_for_update().filter(pk=invitation.pk).values_list("pk", flat=True).get()
        invitation = ParentInvitation.objects.select_related(
            "organisation", "school_class__class_teacher", "school_class__organisation", "student",
            "used_by").get(pk=invitation.pk)
        # The child's student rows in the school, locked: a transfer or leaving committed meanwhile is seen by the
        # class check of link_problem, and none can commit until this confirmation has.
        list(Membership.objects.select_for_update()
             .filter(person_id=invitation.student_id, organisation_id=invitation.organisation_id, role=Role.STUDENT)
             .values_list("pk", flat=True))
    problem = link_problem(invitation, parent=parent)
    if problem is not None:
        raise LinkRefused(problem)
    child = Person.objects.select_for_update().get(pk=invitation.student_id)
    org, school_class = invitation.organisation, invitation.school_class
    now = timezone.now()
    changes = diff(child_data(child), data)
    correction = None
    if changes:
        correction = ChildDataCorrection.objects.create(organisation=org, child=child, parent=parent,
                                                        invitation=invitation, changes=changes)
    consent_row, _ = ParentConsent.objects.get_or_create(
        organisation=org, child=child, parent=parent,
        defaults={"invitation": invitation, "text_version": CONSENT_VERSION, "given_at": now})
    Guardianship.objects.get_or_create(parent=parent, child=child)
    membership = (Membership.objects.active()
                  .filter(person=parent, organisation=org, role=Role.PARENT, school_class=school_class,
                          end_date__isnull=True).first())
    if membership is None:
        membership = Membership.objects.create(person=parent, organisation=org, role=Role.PARENT,
                                               school_class=school_class, origin=MembershipOrigin.INVITATION)
    invitation.status, invitation.used_at, invitation.used_by = ParentInvitationStatus.USED, now, user
    invitation.save(update_fields=["status", "used_at", "used_by"])
    audit(actor=actor, action="parent_invitation.confirm", obj=invitation, organisation=org,
          details={"child": child.pk, "membership": membership.pk, "correction": correction.pk if correction else None,
                   "consent_version": CONSENT_VERSION})
    return Confirmed(invitation, consent_row, membership, correction)


# --- corrections (the administrator) -------------------------------------------------------------------------

def correction_list(*, actor: ActiveRole, organisation: Organisation,
                    status: str | None = CorrectionStatus.PENDING) -> QuerySet[ChildDataCorrection]:
    if not can(actor, Action.REVIEW_JOIN_REQUESTS, organisation):
        return ChildDataCorrection.objects.none()
    qs = ChildDataCorrection.objects.filter(organisation=organisation)
    if status in CorrectionStatus.values:
        qs = qs.filter(status=status)
    return (qs.select_related("child", "parent", "invitation__school_class", "decided_by__person")
            .order_by("-created_at", "-id"))


def access_correction(*, actor: ActiveRole, correction_id: int) -> ChildDataCorrection:
    row = (ChildDataCorrection.objects.select_related("organisation", "child", "parent", "invitation__school_class")
           .filter(pk=correction_id).first())
    if row is None or not can(actor, Action.REVIEW_JOIN_REQUESTS, row.organisation):
        raise Http404("Исправление не найдено или недоступно в текущей роли.")
    return row


def changes_rows(correction: ChildDataCorrection) -> list[tuple[str, str, str]]:
    """(label, old, new) with dates and sex in Russian."""
    labels = dict(CORRECTABLE)
    sexes = dict(Sex.choices)

    def shown(name, value):
        if name == "birth_date" and value:
            return date.fromisoformat(value).strftime("%d.%m.%Y")
        if name == "sex":
            return sexes.get(value, value or "—")
        return value or "—"

    return [(labels.get(name, name), shown(name, v.get("old")), shown(name, v.get("new")))
            for name, v in (correction.changes or {}).items()]


def _lock_correction(correction: ChildDataCorrection) -> ChildDataCorrection:
    ChildDataCorrection.objects.select_for_update().filter(pk=correction.pk).values_list("pk", flat=True).get()
    current = ChildDataCorrection.objects.select_related("organisation").get(pk=correction.pk)
    if current.status != CorrectionStatus.PENDING:
        raise ValidationError(f"Исправление уже рассмотрено: «{current.get_status_display()}».", code="decided")
    return current


@transaction.atomic
def correction_accept(*, actor: ActiveRole, correction: ChildDataCorrection) -> ChildDataCorrection:
    """R21: the administrator accepts the parent's correction; the new values go to the child's record."""
    require(actor, Action.REVIEW_JOIN_REQUESTS, correction.organisation)
    current = _lock_correction(correction)
    child = Person.objects.select_for_update().get(pk=current.child_id)
    fields = []
    for name, change in (current.changes or {}).items():
        if name not in dict(CORRECTABLE):
            continue
        value = change.get("new") or ""
        if name == "birth_date":
            value = date.fromisoformat(value) if value else None
        setattr(child, name, value)
        fields.append(name)
    child.save()
    user = actor.user if actor.user is not None and actor.user.pk else None
    current.status, current.decided_at, current.decided_by = CorrectionStatus.ACCEPTED, timezone.now(), user
    current.save(update_fields=["status", "decided_at", "decided_by"])
    audit(actor=actor, action="child_correction.accept", obj=current, organisation=current.organisation,
          details={"child": child.pk, "fields": fields})
    return current


@transaction.atomic
def correction_reject(*, actor: ActiveRole, correction: ChildDataCorrection, reason: str) -> ChildDataCorrection:
    require(actor, Action.REVIEW_JOIN_REQUESTS, correction.organisation)
    reason = " ".join((reason or "").split())[:1000]
    if not reason:
        raise ValidationError({"reason": ["Укажите причину отказа."]})
    current = _lock_correction(correction)
    user = actor.user if actor.user is not None and actor.user.pk else None
    current.status, current.decided_at, current.decided_by = CorrectionStatus.REJECTED, timezone.now(), user
    current.reject_reason = reason
    current.save(update_fields=["status", "decided_at", "decided_by", "reject_reason"])
    audit(actor=actor, action="child_correction.reject", obj=current, organisation=current.organisation,
          details={"reason": reason})
    return current


# --- a parent without an account registers from the link ------------------------------------------------------

@transaction.atomic
def parent_register(*, token: str, surname: str, name: str, patronymic: str = "", email: str = "",
                    username: str, password: str) -> User:
    """R21: «войти или зарегистрироваться» — an account (and a person) for a parent who has none, allowed only
    from a live invitation link. The account is not confirmed (no Госуслуги); consent (R3) is asked at the
    first page, as for everyone."""
    from django.contrib.auth.password_validation import validate_password
    from django.core.validators import validate_email

    invitation = invitation_for_token(token)
    problem = link_problem(invitation)
    if problem is not None:
        raise LinkRefused(problem)
    errors: dict[str, list[str]] = {}
    surname, name, patronymic = clean_name_parts(surname, name, patronymic, errors)
    username = (username or "").strip()
    if not username:
        errors["username"] = ["Придумайте логин."]
    elif len(username) > 150 or not re.fullmatch(r"[\w.@+-]+", username):
        errors["username"] = ["Логин: буквы, цифры и символы @ . + - _, не длиннее 150."]
    elif User.objects.filter(username__iexact=username).exists():
        errors["username"] = ["Этот логин уже занят: придумайте другой или войдите, если это ваша учётная запись."]
    email = (email or "").strip().lower()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors["email"] = ["Это не адрес электронной почты: нужен адрес вида имя@домен."]
    candidate = User(username=username, email=email)
    try:
        validate_password(password or "", user=candidate)
    except ValidationError as exc:
        errors["password"] = exc.messages
    if errors:
        raise ValidationError(errors)
    person = Person.objects.create(surname=surname, name=name, patronymic=patronymic, email=email)
    user = User.objects.create_user(username=username, password=password, email=email, person=person)
    audit(actor=None, action="parent.register", obj=user, organisation=invitation.organisation,
          details={"invitation": invitation.pk})
    return user
