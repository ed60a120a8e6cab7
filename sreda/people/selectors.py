"""Reads of people and memberships, scoped by the active role; personal data masked unless allowed."""
from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from django.http import Http404

from sreda.core.active_role import ActiveRole
from sreda.core.permissions import Action, can, organisations_in_scope
from sreda.core.text import fold
from sreda.orgs.models import Organisation, Subject
from sreda.people.models import Guardianship, Membership, Person


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


def person_memberships(*, person: Person) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(person=person)
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
