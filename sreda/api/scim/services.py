"""Writes of SCIM: provision people and their roles in the token's school, and access-group members (R13).

Every write: the token's school first, permission through core.permissions (the same right as a roster
import, R1), one transaction, one audit entry. People are matched like the roster import does: by
external id (globally unique ids of the school IS); a person known elsewhere is attached, not duplicated.
Roles are never deleted: ending sets end_date, so history stays.
"""
from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from sreda.access import services as access_services
from sreda.access.models import AccessGroup, AccessGroupMember
from sreda.access.selectors import school_employees
from sreda.api.scim.mapping import (
    DEFAULT_ROLE,
    WRITABLE_ROLES,
    ScimError,
    UserIn,
    main_membership,
    user_name_of,
)
from sreda.api.scim.selectors import (
    USER_DELETED,
    Scope,
    group_member_ids,
    scope_memberships,
    users,
)
from sreda.core.audit import audit
from sreda.core.permissions import Action, require
from sreda.orgs.models import Organisation, SchoolClass
from sreda.people.models import Membership, MembershipOrigin, Person, User
from sreda.people.roles import Role
from sreda.roster.engine.memberships import org_today

NEED_SCHOOL = ("Изменять пользователей и группы через SCIM может только токен школы "
               "(руководителя или администратора ОО); токен района или региона только читает.")


def write_organisation(scope: Scope, inn: str | None = None) -> Organisation:
    """The school a write goes to: the token's own. `organization` (INN), if sent, must name it."""
    organisation = scope.organisation
    if organisation is None:
        raise PermissionDenied(NEED_SCHOOL)
    require(scope.actor, Action.IMPORT_ROSTER, organisation)
    if inn and inn != organisation.inn:
        raise PermissionDenied(f"Организация с ИНН {inn} вне области токена: токен выпущен для «{organisation.short_name}» "
                               f"(ИНН {organisation.inn}).")
    return organisation


def school_class_by_title(organisation: Organisation, title: str | None) -> SchoolClass | None:
    """«5А» → the class of the school, the newest school year first."""
    if not title:
        return None
    text = title.replace(" ", "").upper()
    digits = "".join(ch for ch in text if ch.isdigit())
    letter = text[len(digits):]
    found = None
    if digits and text.startswith(digits):
        found = (SchoolClass.objects.filter(organisation=organisation, grade=int(digits), letter__iexact=letter)
                 .order_by("-school_year__start").first())
    if found is None:
        raise ScimError(400, f"Класс «{title}» не найден в «{organisation.short_name}». Сначала загрузите классы "
                             f"(импорт контингента), затем укажите department, например «5А».", "invalidValue")
    return found


def _check_unique(*, person: Person | None, data: UserIn) -> None:
    others = User.objects.filter(username__iexact=data.user_name)
    if person is not None:
        others = others.exclude(person=person)
    if others.exists():
        raise ScimError(409, f"Логин (userName) «{data.user_name}» уже занят.", "uniqueness")
    if data.external_id:
        taken = Person.objects.filter(external_id=data.external_id)
        if person is not None:
            taken = taken.exclude(pk=person.pk)
        if taken.exists():
            raise ScimError(409, f"externalId «{data.external_id}» уже принадлежит другому человеку.", "uniqueness")


def _set_account(person: Person, user_name: str) -> None:
    account = getattr(person, "user", None) if person.pk else None
    try:
        with transaction.atomic():  # a login taken at the same moment by another request is a 409, not a 500
            if account is None:
                account = User(username=user_name, person=person)
                account.set_unusable_password()  # signs in through ЕСИА or a password reset; SCIM sets none
                account.save()
                person.user = account
            elif account.username != user_name:
                account.username = user_name
                account.save(update_fields=["username"])
    except IntegrityError:
        raise ScimError(409, f"Логин (userName) «{user_name}» уже занят.", "uniqueness") from None


def _apply_person(person: Person, data: UserIn) -> None:
    person.surname, person.name, person.patronymic = data.surname, data.name, data.patronymic
    person.email, person.phone, person.external_id = data.email, data.phone, data.external_id


def _start(person: Person, organisation: Organisation, role: str, school_class: SchoolClass | None) -> Membership:
    if role == Role.STUDENT and school_class is None:
        raise ScimError(400, "Для обучающегося укажите класс: department, например «5А».", "invalidValue")
    if role != Role.STUDENT:
        school_class = None
    return Membership.objects.create(
        person=person, organisation=organisation, role=role, school_class=school_class,
        origin=MembershipOrigin.ROSTER, start_date=org_today(organisation),
    )


def _end(memberships: list[Membership], organisation: Organisation) -> int:
    """End the roles (keeping the rows); a director's role is confirmed by the region and stays (R6–R7)."""
    ids = [m.pk for m in memberships if m.role != Role.DIRECTOR]
    if ids:
        Membership.objects.filter(pk__in=ids).update(end_date=org_today(organisation))
    return len(ids)


def _sync_roles(person: Person, organisation: Organisation, data: UserIn, current: list[Membership]) -> list[str]:
    """Bring the person's roles in the school to what the request says; returns what changed (for the audit)."""
    changes = []
    main = main_membership(person) if current else None
    if data.active is False:
        if _end(current, organisation):
            changes.append("active=false")
        return changes
    wanted_class = None
    if data.department:
        own = main.school_class if main is not None and main.school_class_id else None
        same = own is not None and own.title.upper() == data.department.replace(" ", "").upper()
        wanted_class = own if same else school_class_by_title(organisation, data.department)
    if not current:
        if data.active is None:  # PUT without «active» leaves an inactive user inactive
            return changes
        role = data.role or _reopen_role(person, organisation) or DEFAULT_ROLE
        if role == Role.STUDENT and wanted_class is None:
            wanted_class = _last_class(person, organisation)
        _start(person, organisation, role, wanted_class)
        changes.append(f"role={role}")
        return changes
    role = data.role or main.role
    same_class = role != Role.STUDENT or wanted_class is None or main.school_class_id == wanted_class.pk
    if role == main.role and same_class:
        return changes
    if main.role not in WRITABLE_ROLES:
        raise ScimError(400, f"Роль «{main.get_role_display()}» через SCIM не меняется.", "mutability")
    if role == Role.STUDENT and wanted_class is None:
        wanted_class = main.school_class
    _end([main], organisation)
    _start(person, organisation, role, wanted_class)
    changes.append(f"role={role}")
    return changes


def _reopen_role(person: Person, organisation: Organisation) -> str | None:
    """`active: true` after `active: false`: the role that ended last comes back."""
    last = (Membership.objects.filter(person=person, organisation=organisation, role__in=WRITABLE_ROLES,
                                      end_date__isnull=False).order_by("-end_date", "-pk").first())
    return last.role if last else None


def _last_class(person: Person, organisation: Organisation) -> SchoolClass | None:
    last = (Membership.objects.filter(person=person, organisation=organisation, role=Role.STUDENT)
            .select_related("school_class").order_by("-pk").first())
    return last.school_class if last else None


def _save(person: Person) -> None:
    try:
        with transaction.atomic():
            person.save()
    except IntegrityError:
        raise ScimError(409, "externalId уже принадлежит другому человеку.", "uniqueness") from None


@transaction.atomic
def user_create(*, scope: Scope, data: UserIn) -> Person:
    """POST /Users: a new person with a role in the token's school; a person the platform already knows by
    externalId (from another school) gets the role there. The same user twice is 409 uniqueness."""
    organisation = write_organisation(scope, data.organization)
    person = Person.objects.select_for_update().filter(external_id=data.external_id).first() if data.external_id else None
    if person is not None and users(scope).filter(pk=person.pk).exists():
        raise ScimError(409, f"Пользователь с externalId «{data.external_id}» уже есть (id {person.pk}).", "uniqueness")
    if person is not None:
        account = getattr(person, "user", None)
        if account is not None and account.username.lower() != data.user_name.lower():
            raise ScimError(409, f"Человек с externalId «{data.external_id}» уже вошёл в Среду под логином "
                                 f"«{account.username}»: передайте его в userName.", "uniqueness")
    _check_unique(person=person, data=data)
    attached = person is not None
    if attached:
        # Known from another school: this school may add its role, but never rewrite the person's data (R1 —
        # school A must not change what school B sees), and only when the ФИО it sends is the same person's.
        if _folded(person.surname, person.name) != _folded(data.surname, data.name):
            raise ScimError(409, f"externalId «{data.external_id}» принадлежит человеку с другими фамилией и "
                                 "именем: проверьте externalId.", "uniqueness")
    else:
        person = Person()
        _apply_person(person, data)
        _save(person)
    _set_account(person, data.user_name)
    person.scim_memberships = []
    changes = _sync_roles(person, organisation, UserIn(**{**data.__dict__, "active": True}), [])
    if data.active is False:
        _end(list(Membership.objects.active().filter(person=person, organisation=organisation)), organisation)
    audit(actor=scope.actor, action="scim.user_create", obj=person, organisation=organisation,
          details={"attached": attached, "external_id": data.external_id, "changes": changes})
    return person


def _folded(*parts: str | None) -> tuple[str, ...]:
    return tuple((part or "").strip().casefold().replace("ё", "е") for part in parts)


@transaction.atomic
def user_replace(*, scope: Scope, person: Person, data: UserIn) -> Person:
    """PUT /Users/{id} (and PATCH, applied to the representation first): the person's data and roles in the
    token's school become what the request says; roles elsewhere are untouched."""
    organisation = write_organisation(scope, data.organization)
    Person.objects.select_for_update().filter(pk=person.pk).first()
    # A person from the roster import has no account; their shown userName (externalId or «sreda-<id>»)
    # sent back unchanged must not open one.
    keeps_no_account = getattr(person, "user", None) is None and data.user_name == user_name_of(person)
    _check_unique(person=person, data=data)
    current = list(scope_memberships(scope).filter(person=person, organisation=organisation))
    person.scim_memberships = current
    changes = _sync_roles(person, organisation, data, current)
    if changes:  # «active: false» or a new role may leave the person no longer an employee (R13)
        _leave_groups(scope=scope, person=person, organisation=organisation, keep_employees=True)
    _apply_person(person, data)
    _save(person)
    if not keeps_no_account:
        _set_account(person, data.user_name)
    audit(actor=scope.actor, action="scim.user_replace", obj=person, organisation=organisation,
          details={"external_id": data.external_id, "changes": changes})
    return person


@transaction.atomic
def user_delete(*, scope: Scope, person: Person) -> None:
    """DELETE /Users/{id}: the person's roles in the school end and they leave its access groups (history
    stays); SCIM no longer shows them there (404), until a POST brings them back."""
    organisation = write_organisation(scope)
    ended = _end(list(Membership.objects.active().filter(person=person, organisation=organisation)), organisation)
    left = _leave_groups(scope=scope, person=person, organisation=organisation, keep_employees=False)
    person.updated_at = timezone.now()
    Person.objects.filter(pk=person.pk).update(updated_at=person.updated_at)
    audit(actor=scope.actor, action=USER_DELETED, obj=person, organisation=organisation,
          details={"ended": ended, "groups_left": left})


# --- access groups (R13): members of the token's school -------------------------------------------------


def _leave_groups(*, scope: Scope, person: Person, organisation: Organisation, keep_employees: bool) -> int:
    """The person leaves the school's access groups (R13) through the same service as the access-group
    pages: the rows end (history stays), one audit entry per group. Without this a deleted user (404 at
    /Users) would still be listed as a member at /Groups. With `keep_employees` (a role change or
    «active: false») someone still employed there — a director, whose role SCIM does not end — stays.
    Returns how many groups were left."""
    open_groups = list(AccessGroupMember.objects
                       .filter(organisation=organisation, person=person, removed_at__isnull=True)
                       .order_by("group_id").values_list("group_id", flat=True))
    if not open_groups:
        return 0
    if keep_employees and school_employees(organisation=organisation).filter(pk=person.pk).exists():
        return 0
    for group in AccessGroup.objects.select_related("system").filter(pk__in=open_groups).order_by("pk"):
        access_services.group_members_remove(actor=scope.actor, group=group, person_ids=[person.pk],
                                             organisation=organisation)
    return len(open_groups)


def _member_ids(values) -> list[int]:
    ids = []
    for item in values or []:
        value = item.get("value") if isinstance(item, dict) else item
        if not str(value).isdigit():
            raise ScimError(400, f"Участник группы «{value}»: ожидается id пользователя.", "invalidValue")
        ids.append(int(value))
    return ids


def group_members_change(*, scope: Scope, group: AccessGroup, add: list, remove: list) -> tuple[int, int]:
    """PATCH /Groups/{id}: add and remove employees of the token's school through the R13 services (they
    check that each is an employee, and audit). All or nothing."""
    write_organisation(scope)
    add_ids, remove_ids = _member_ids(add), _member_ids(remove)
    try:
        with transaction.atomic():
            added = access_services.group_members_add(actor=scope.actor, group=group, person_ids=add_ids) if add_ids else 0
            current = {int(pk) for pk in group_member_ids(scope, group)} if remove_ids else set()
            remove_ids = [pk for pk in remove_ids if pk in current or pk in add_ids]
            removed = (access_services.group_members_remove(actor=scope.actor, group=group, person_ids=remove_ids)
                       if remove_ids else 0)
    except ValidationError as exc:
        raise ScimError(400, " ".join(exc.messages), "invalidValue") from None
    return added, removed


def group_members_replace(*, scope: Scope, group: AccessGroup, members: list) -> tuple[int, int]:
    """PUT /Groups/{id}: the school's employees in the group become exactly `members`."""
    wanted = set(_member_ids(members))
    current = {int(pk) for pk in group_member_ids(scope, group)}
    return group_members_change(scope=scope, group=group, add=sorted(wanted - current), remove=sorted(current - wanted))
