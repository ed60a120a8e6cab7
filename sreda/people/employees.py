"""«Сотрудники» (R12): a school's employees — who holds a staff role now — and editing their data and role.

An employee row is an active membership with a role in SCHOOL_STAFF_ROLES. Changing the role ends that
membership today and starts a new one, so the history of who held which role stays. The director's role
is not changed here: the director comes from the registry and is verified by the regional operator (R6).
"""
from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, QuerySet
from django.http import Http404
from django.utils import timezone

from sreda.core.active_role import ActiveRole
from sreda.core.audit import audit
from sreda.core.identifiers import validate_phone, validate_snils
from sreda.core.permissions import Action, can, require
from sreda.core.text import clean_name_parts, fold
from sreda.onboarding.models import INVITABLE_ROLES
from sreda.onboarding.services import clean_email
from sreda.orgs.models import Organisation
from sreda.people.models import Membership, MembershipOrigin, Person
from sreda.people.roles import SCHOOL_STAFF_ROLES, TEACHING_ROLES, Role

NOT_FOUND = "Сотрудник не найден или недоступен в текущей роли."
STAFF_ROLE_CHOICES = [(role.value, Role(role).label) for role in SCHOOL_STAFF_ROLES]
EDITABLE_ROLE_CHOICES = [(role.value, Role(role).label) for role in INVITABLE_ROLES]


# --- reads ----------------------------------------------------------------------------------------------

def employee_list(*, actor: ActiveRole, organisation: Organisation, query: str = "",
                  role: str | None = None) -> QuerySet[Membership]:
    """Current employees of a school by ФИО (case and «ё» ignored), one row per staff role; one query."""
    if not can(actor, Action.MANAGE_EMPLOYEES, organisation):
        return Membership.objects.none()
    qs = Membership.objects.active().filter(organisation=organisation, role__in=SCHOOL_STAFF_ROLES)
    if role in SCHOOL_STAFF_ROLES:
        qs = qs.filter(role=role)
    for word in fold(query).split():
        qs = qs.filter(person__sort_key__contains=word)
    return qs.select_related("person__user").order_by("person__sort_key", "person_id", "role", "id")


def employee_counts(*, actor: ActiveRole, organisation: Organisation) -> dict[str, int]:
    """How many current employees hold each staff role («Учитель»: 25); one query."""
    if not can(actor, Action.MANAGE_EMPLOYEES, organisation):
        return {}
    rows = (
        Membership.objects.active().filter(organisation=organisation, role__in=SCHOOL_STAFF_ROLES)
        .values("role").annotate(n=Count("pk")).order_by("role")
    )
    return {row["role"]: row["n"] for row in rows}


def access_employee(*, actor: ActiveRole, membership_id: int) -> Membership:
    """A current employee row of a school the active role manages; one «not found» for missing, ended,
    not staff, and another school's."""
    membership = (
        Membership.objects.active()
        .filter(pk=membership_id, role__in=SCHOOL_STAFF_ROLES, organisation__isnull=False)
        .select_related("person__user", "organisation__municipality__region")
        .first()
    )
    if membership is None or not can(actor, Action.MANAGE_EMPLOYEES, membership.organisation):
        raise Http404(NOT_FOUND)
    return membership


def role_editable(*, actor: ActiveRole, membership: Membership) -> str | None:
    """None when the role of this row may be changed here; otherwise why not (shown beside the field)."""
    if membership.role == Role.DIRECTOR:
        return ("Роль руководителя здесь не меняется: руководитель ОО записан из реестра и подтверждается "
                "оператором региона.")
    if actor.membership is not None and actor.membership.pk == membership.pk:
        return "Свою роль изменить нельзя: попросите руководителя ОО или другого администратора."
    return None


# --- the write ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class EmployeeData:
    surname: str
    name: str
    patronymic: str
    email: str
    phone: str
    snils: str | None
    role: str


def _clean(*, person: Person, membership: Membership, actor: ActiveRole, surname, name, patronymic, email, phone,
           snils, role) -> EmployeeData:
    errors: dict[str, list[str]] = {}
    surname, name, patronymic = clean_name_parts(surname, name, patronymic, errors)
    email = (email or "").strip()
    if email:
        try:
            email = clean_email(email)
        except ValidationError as exc:
            errors["email"] = exc.messages
    phone = (phone or "").strip()
    if phone:
        try:
            phone = validate_phone(phone)
        except ValidationError as exc:
            errors["phone"] = exc.messages
    snils_digits = None
    if (snils or "").strip():
        try:
            snils_digits = validate_snils(snils.strip())
        except ValidationError as exc:
            errors["snils"] = exc.messages
        else:
            if Person.objects.filter(snils=snils_digits).exclude(pk=person.pk).exists():
                errors["snils"] = [f"СНИЛС «{snils.strip()}» уже записан у другого человека. Проверьте номер; если "
                                   "это один и тот же человек, обратитесь к оператору платформы."]
    role = role or membership.role
    if role != membership.role:
        refusal = role_editable(actor=actor, membership=membership)
        if refusal:
            errors["role"] = [refusal]
        elif role not in INVITABLE_ROLES:
            allowed = ", ".join(f"«{Role(r).label}»" for r in INVITABLE_ROLES)
            errors["role"] = [f"Роль «{role}»: здесь можно назначить только {allowed}."]
        elif Membership.objects.filter(person=person, organisation=membership.organisation, role=role,
                                       school_class__isnull=True, end_date__isnull=True).exists():
            errors["role"] = [f"У этого человека уже есть роль «{Role(role).label}» в школе."]
    if errors:
        raise ValidationError(errors)
    return EmployeeData(surname, name, patronymic, email, phone, snils_digits, role)


PERSON_FIELDS = ("surname", "name", "patronymic", "email", "phone", "snils")
FIELD_LABELS = {"surname": "фамилия", "name": "имя", "patronymic": "отчество", "email": "e-mail",
                "phone": "телефон", "snils": "СНИЛС", "role": "роль"}


@dataclass(frozen=True)
class EmployeeUpdate:
    membership: Membership  # the current row: a new one when the role changed
    changed: list[str]  # field names, in PERSON_FIELDS order, then "role"


@transaction.atomic
def employee_update(*, actor: ActiveRole, membership: Membership, surname: str, name: str, patronymic: str = "",
                    email: str = "", phone: str = "", snils: str = "", role: str | None = None) -> EmployeeUpdate:
    """R12: correct an employee's ФИО, e-mail, phone, СНИЛС and role. A role change ends the old membership
    today and starts a new one; two editors at once: the second is told the row has changed."""
    require(actor, Action.MANAGE_EMPLOYEES, membership.organisation)
    current = Membership.objects.select_for_update().filter(pk=membership.pk).first()
    if current is None or current.end_date is not None:
        raise ValidationError("Эта роль сотрудника уже изменена или завершена — откройте список сотрудников заново.",
                              code="stale")
    current.organisation = membership.organisation
    person = Person.objects.select_for_update().get(pk=current.person_id)
    data = _clean(person=person, membership=current, actor=actor, surname=surname, name=name, patronymic=patronymic,
                  email=email, phone=phone, snils=snils, role=role)
    changed = [f for f in PERSON_FIELDS if (getattr(person, f) or None) != (getattr(data, f) or None)]
    details: dict = {"changed": [FIELD_LABELS[f] for f in changed]}
    for f in ("surname", "name", "patronymic"):
        if f in changed:
            details[f] = {"from": getattr(person, f), "to": getattr(data, f)}
    if changed:
        for f in changed:
            setattr(person, f, getattr(data, f) if f != "snils" else data.snils)
        person.save(update_fields=[*changed, "sort_key", "updated_at"])
    result = current
    if data.role != current.role:
        today = timezone.localdate()
        Membership.objects.filter(pk=current.pk, end_date__isnull=True).update(end_date=today)
        result = Membership.objects.create(
            person=person, role=data.role, organisation=current.organisation, origin=MembershipOrigin.MANUAL,
            start_date=today,
            # Still the same employee of the same school: the school's confirmation carries over.
            confirmation=current.confirmation, confirmed_at=current.confirmed_at, confirmed_by_id=current.confirmed_by_id,
        )
        if data.role in TEACHING_ROLES and current.role in TEACHING_ROLES:
            result.subjects.set(current.subjects.all())
        changed.append("role")
        details.update(role={"from": current.role, "to": data.role}, ended_membership=current.pk,
                       new_membership=result.pk)
        details["changed"].append(FIELD_LABELS["role"])
    if changed:
        audit(actor=actor, action="employee.update", obj=person, organisation=current.organisation, details=details)
    result.person = person
    result.organisation = current.organisation
    return EmployeeUpdate(result, changed)
