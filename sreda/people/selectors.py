"""Reads of people and memberships, scoped by the active role; personal data masked unless allowed."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Prefetch, QuerySet
from django.http import Http404
from django.utils import timezone

from sreda.core.active_role import ActiveRole
from sreda.core.permissions import Action, can, organisations_in_scope
from sreda.core.text import fold
from sreda.orgs.models import Organisation, SchoolClass, Subject
from sreda.people.models import Guardianship, Membership, Person
from sreda.people.roles import Role


def organisation_memberships(*, actor: ActiveRole, organisation: Organisation, role: str | None = None,
                             query: str = "", school_class_id: int | None = None,
                             include_ended: bool = False) -> QuerySet[Membership]:
    """People of an organisation with their roles, classes and subjects; one query plus two prefetches."""
    if not can(actor, Action.VIEW_ROSTER, organisation):
        return Membership.objects.none()
    qs = Membership.objects.filter(organisation=organisation)
    if not include_ended:
        qs = qs.filter(end_date__isnull=True)
    if role:
        qs = qs.filter(role=role)
    if school_class_id:
        qs = qs.filter(school_class_id=school_class_id)
    for word in fold(query).split():
        qs = qs.filter(person__sort_key__contains=word)
    return (
        qs.select_related("person", "school_class")
        .prefetch_related(Prefetch("subjects", queryset=Subject.objects.order_by("name")))
        .order_by("person__sort_key", "person_id", "role")
    )


def access_person(*, actor: ActiveRole, person_id: int) -> Person:
    """A person the active role may see: one with a membership in an organisation of the role's scope,
    or the actor themself."""
    person = Person.objects.filter(pk=person_id).first()
    if person is None:
        raise Http404("Человек не найден или недоступен в текущей роли.")
    if actor.person is not None and actor.person.pk == person.pk:
        return person
    if actor.is_platform_operator:
        return person
    in_scope = Membership.objects.filter(person=person, organisation__in=organisations_in_scope(actor)).exists()
    if not (can(actor, Action.VIEW_ROSTER) and in_scope):
        raise Http404("Человек не найден или недоступен в текущей роли.")
    return person


def person_memberships(*, actor: ActiveRole, person: Person) -> QuerySet[Membership]:
    """A person's roles as the active role may see them: all to the person and the platform operator,
    otherwise only those in organisations of the role's scope — a school does not learn where else the
    person is."""
    qs = Membership.objects.filter(person=person)
    is_self = actor.person is not None and actor.person.pk == person.pk
    if not (is_self or actor.is_platform_operator):
        qs = qs.filter(organisation__in=organisations_in_scope(actor))
    return (
        qs
        .select_related("organisation", "municipality", "region", "school_class")
        .prefetch_related("subjects")
        .order_by("end_date", "id")
    )


def guardians_of(*, child: Person) -> QuerySet[Person]:
    return Person.objects.filter(children_links__child=child).order_by("sort_key")


def children_of(*, parent: Person) -> QuerySet[Person]:
    return Person.objects.filter(parent_links__parent=parent).order_by("sort_key")


def guardianships_in(*, organisation: Organisation) -> QuerySet[Guardianship]:
    return Guardianship.objects.filter(child__memberships__organisation=organisation).select_related("parent", "child").distinct()


# --- R2: why a role is missing from the choices


@dataclass(frozen=True)
class OrganisationRoles:
    """What the organisation's records say about a person: roles held, roles ended, who can add one."""

    organisation: Organisation
    held: list[str]
    ended: list[tuple[str, date]]
    administrators: list[str]


def role_explanations(*, person: Person | None) -> list[OrganisationRoles]:
    """R2: for each organisation where the person has (or had) a membership, the roles it records and
    the names of its «Администратор ОО», who can add a missing role. Two queries."""
    if person is None:
        return []
    memberships = list(
        Membership.objects.filter(person=person, organisation__isnull=False)
        .select_related("organisation", "school_class")
        .order_by("organisation__short_name", "organisation_id", "role", "id")
    )
    if not memberships:
        return []
    org_ids = {m.organisation_id for m in memberships}
    admins: dict[int, list[str]] = {}
    for admin in (
        Membership.objects.active()
        .filter(organisation_id__in=org_ids, role=Role.ADMINISTRATOR)
        .select_related("person")
        .order_by("person__sort_key", "id")
    ):
        admins.setdefault(admin.organisation_id, []).append(admin.person.full_name)
    today = timezone.localdate()
    by_org: dict[int, dict] = {}
    for m in memberships:
        entry = by_org.setdefault(m.organisation_id, {"organisation": m.organisation, "held": [], "ended": []})
        label = m.get_role_display() + (f" ({m.school_class.title})" if m.school_class_id else "")
        if m.end_date is not None and m.end_date <= today:
            entry["ended"].append((label, m.end_date))
        elif m.start_date <= today:
            entry["held"].append(label)
    return [
        OrganisationRoles(administrators=admins.get(org_id, []), **entry) for org_id, entry in by_org.items()
    ]


ROLE_PLURAL = {
    Role.DIRECTOR: "Руководители ОО",
    Role.ADMINISTRATOR: "Администраторы ОО",
    Role.TEACHER: "Учителя",
    Role.STAFF: "Сотрудники",
    Role.STUDENT: "Обучающиеся",
    Role.PARENT: "Законные представители",
}


def membership_counts(*, actor: ActiveRole, organisation: Organisation) -> dict[str, int]:
    """Current people of an organisation by role («Учителя»: 25), for the dashboard; one query."""
    if not can(actor, Action.VIEW_ROSTER, organisation):
        return {}
    rows = (
        Membership.objects.active()
        .filter(organisation=organisation)
        .values("role")
        .annotate(n=Count("person_id", distinct=True))
        .order_by("role")
    )
    counts = {row["role"]: row["n"] for row in rows}
    return {ROLE_PLURAL.get(value, label): counts[value] for value, label in Role.choices if value in counts}


def class_students_with_parents(*, actor: ActiveRole, school_class: SchoolClass) -> QuerySet[Membership]:
    """Current students of a class with their legal representatives preloaded (three queries in all)."""
    if not can(actor, Action.VIEW_ROSTER, school_class.organisation):
        return Membership.objects.none()
    parents = Prefetch(
        "person__parent_links",
        queryset=Guardianship.objects.select_related("parent").order_by("parent__sort_key", "parent_id"),
    )
    return (
        Membership.objects.filter(school_class=school_class, role=Role.STUDENT, end_date__isnull=True)
        .select_related("person")
        .prefetch_related(parents)
        .order_by("person__sort_key", "person_id")
    )


def membership_list(*, actor: ActiveRole, role: str | None = None, include_ended: bool = False) -> QuerySet[Membership]:
    """Memberships across every organisation of the active role's scope (all of them, district and
    regional roles too, for the platform operator), by id so that paging is stable while rows are added."""
    if not can(actor, Action.VIEW_ROSTER):
        return Membership.objects.none()
    if actor.is_platform_operator:
        qs = Membership.objects.all()
    else:
        qs = Membership.objects.filter(organisation__in=organisations_in_scope(actor))
    if not include_ended:
        qs = qs.filter(end_date__isnull=True)
    if role:
        qs = qs.filter(role=role)
    return (
        qs.select_related("person", "school_class")
        .prefetch_related(Prefetch("subjects", queryset=Subject.objects.order_by("name")))
        .order_by("id")
    )
