"""Reads of systems, access groups and their members (R13), scoped by the active role.

A group belongs to a system of an owner (e.g. the ministry), not to a school: every school's administrator
finds the same groups. Members are always read for one organisation — a school never sees another
school's employees in a group.
"""
from __future__ import annotations

import re

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404

from sreda.access.models import AccessGroup, AccessGroupMember, System
from sreda.core.active_role import ActiveRole
from sreda.core.permissions import Action, can
from sreda.core.text import fold
from sreda.orgs.models import Organisation
from sreda.people.models import Membership, Person
from sreda.people.roles import SCHOOL_STAFF_ROLES

# R13/R15: the group every teacher needs for the УБ ЦОК content library (seeded by migration 0002).
UB_TSOK_GROUP_CODE = "pedagogi-ub-tsok"

GROUP_NOT_FOUND = "Группа доступа не найдена."


def search_words(text: str) -> list[str]:
    """Words of a search box, folded (case, «ё») and without punctuation: «Педагоги. Доступ» → педагоги, доступ."""
    return re.findall(r"\w+", fold(text))


def _contains_all(haystack: str, words: list[str]) -> bool:
    return all(word in haystack for word in words)


def _systems_matching(*, owner: str, system: str) -> list[int] | None:
    """Ids of systems whose owner (name or INN) and name hold every typed word; None when nothing was typed.

    Systems are a short reference list (tens of rows), so the two fields are matched here precisely,
    in one query, rather than against the combined search column."""
    owner_words, system_words = search_words(owner), search_words(system)
    if not owner_words and not system_words:
        return None
    return [
        pk for pk, name, owner_name, owner_inn in System.objects.values_list("pk", "name", "owner_name", "owner_inn")
        if _contains_all(f"{fold(owner_name)} {owner_inn}", owner_words) and _contains_all(fold(name), system_words)
    ]


def school_employees(*, organisation: Organisation) -> QuerySet[Person]:
    """Employees of a school: people with an active membership there in a staff role (director,
    administrator, teacher, staff). Only they may be added to an access group."""
    staff = Membership.objects.active().filter(
        organisation=organisation, role__in=SCHOOL_STAFF_ROLES, person=OuterRef("pk")
    )
    return Person.objects.filter(Exists(staff))


def active_members(*, group: AccessGroup, organisation: Organisation) -> QuerySet[AccessGroupMember]:
    return AccessGroupMember.objects.filter(group=group, organisation=organisation, removed_at__isnull=True)


# --- groups -------------------------------------------------------------------------------------------


def group_search(*, actor: ActiveRole, owner: str = "", system: str = "", group: str = "",
                 organisation: Organisation | None = None) -> QuerySet[AccessGroup]:
    """R13 «Расширенный поиск»: groups by owner organisation (name or INN), system and group name; case,
    «ё» and punctuation do not matter. Each group carries `member_count`: the employees of `organisation`
    in it (of every school when no organisation is given, for the platform operator)."""
    if not can(actor, Action.MANAGE_ACCESS_GROUPS, organisation):
        return AccessGroup.objects.none()
    qs = AccessGroup.objects.select_related("system")
    system_ids = _systems_matching(owner=owner, system=system)
    if system_ids is not None:
        qs = qs.filter(system_id__in=system_ids)
    for word in search_words(group):
        qs = qs.filter(search_text__contains=word)
    active = Q(members__removed_at__isnull=True)
    if organisation is not None:
        active &= Q(members__organisation=organisation)
    return qs.annotate(member_count=Count("members", filter=active)).order_by("system__name", "name", "id")


def access_group(*, actor: ActiveRole, group_id: int, organisation: Organisation | None = None) -> AccessGroup:
    """A group for the pages and the API, with `member_count` of `organisation`; «not found» for a missing one."""
    group = group_search(actor=actor, organisation=organisation).filter(pk=group_id).first()
    if group is None:
        raise Http404(GROUP_NOT_FOUND)
    return group


def search_suggestions() -> dict[str, list[str]]:
    """Owners and systems known to the platform, for the hints of the advanced search form (one query)."""
    rows = list(System.objects.values_list("owner_name", "name"))
    return {
        "owners": sorted({owner for owner, _ in rows}),
        "systems": sorted({name for _, name in rows}),
    }


# --- members of one school ------------------------------------------------------------------------------


def group_members(*, actor: ActiveRole, group: AccessGroup, organisation: Organisation,
                  query: str = "") -> QuerySet[AccessGroupMember]:
    """«Посмотреть сотрудников в группе»: the employees of `organisation` in the group, by ФИО; each row
    tells whether the person still works there (`is_employee`). Never members of another school."""
    if not can(actor, Action.MANAGE_ACCESS_GROUPS, organisation):
        return AccessGroupMember.objects.none()
    qs = active_members(group=group, organisation=organisation)
    for word in search_words(query):
        qs = qs.filter(person__sort_key__contains=word)
    staff = Membership.objects.active().filter(
        organisation=organisation, role__in=SCHOOL_STAFF_ROLES, person=OuterRef("person_id")
    )
    return (
        qs.annotate(is_employee=Exists(staff))
        .select_related("person", "added_by__person")
        .order_by("person__sort_key", "person_id")
    )


def employees_not_in_group(*, actor: ActiveRole, group: AccessGroup, organisation: Organisation,
                           query: str = "") -> QuerySet[Person]:
    """«Присоединить нового сотрудника»: the school's employees not yet in the group, by ФИО, each with
    their staff roles there preloaded (`staff_roles`): two queries per page."""
    if not can(actor, Action.MANAGE_ACCESS_GROUPS, organisation):
        return Person.objects.none()
    in_group = active_members(group=group, organisation=organisation).filter(person=OuterRef("pk"))
    qs = school_employees(organisation=organisation).exclude(Exists(in_group))
    for word in search_words(query):
        qs = qs.filter(sort_key__contains=word)
    roles = Prefetch(
        "memberships",
        queryset=Membership.objects.active().filter(organisation=organisation, role__in=SCHOOL_STAFF_ROLES).order_by("role", "id"),
        to_attr="staff_roles",
    )
    return qs.prefetch_related(roles).order_by("sort_key", "id")


# --- for other parts of the platform (R15: library access explanations) ---------------------------------


def person_access_groups(*, person: Person, organisation: Organisation) -> QuerySet[AccessGroup]:
    """The access groups a person is in now as an employee of `organisation` (a system read: no actor)."""
    return (
        AccessGroup.objects.filter(
            members__person=person, members__organisation=organisation, members__removed_at__isnull=True
        )
        .select_related("system")
        .order_by("system__name", "name")
    )


def is_in_access_group(*, person: Person, organisation: Organisation, code: str = UB_TSOK_GROUP_CODE) -> bool:
    """R15 step 3: is the person in the group (by default «Педагоги. Доступ к УБ ЦОК») of that school? One query."""
    return AccessGroupMember.objects.filter(
        group__code=code, person=person, organisation=organisation, removed_at__isnull=True
    ).exists()
