"""Reads of regions, municipalities, organisations and classes, scoped by the active role."""
from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from sreda.core.active_role import ActiveRole
from sreda.core.permissions import Action, can, organisations_in_scope
from sreda.core.text import fold
from sreda.orgs.models import Municipality, Organisation, Region, SchoolClass
from sreda.people.models import Membership
from sreda.people.roles import Role


def organisation_search(*, actor: ActiveRole, query: str = "", municipality_id: int | None = None,
                        region_id: int | None = None, kind: str | None = None) -> QuerySet[Organisation]:
    """R5: anyone finds a school by full legal name, short name or INN (case- and «ё»-insensitive)."""
    qs = Organisation.objects.filter(is_active=True).select_related("municipality__region")
    for word in fold(query).split():
        qs = qs.filter(search_text__contains=word)
    if municipality_id:
        qs = qs.filter(municipality_id=municipality_id)
    if region_id:
        qs = qs.filter(municipality__region_id=region_id)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("short_name", "id")


def organisation_list(*, actor: ActiveRole, query: str = "") -> QuerySet[Organisation]:
    """Organisations inside the active role's scope (for management pages)."""
    qs = organisations_in_scope(actor).select_related("municipality__region")
    for word in fold(query).split():
        qs = qs.filter(search_text__contains=word)
    return qs.order_by("short_name", "id")


def access_organisation(*, actor: ActiveRole, organisation_id: int, action: Action = Action.VIEW_ORGANISATION) -> Organisation:
    """The organisation if the active role may do `action` to it; one «not found» for missing and forbidden."""
    organisation = Organisation.objects.select_related("municipality__region").filter(pk=organisation_id).first()
    if organisation is None or not can(actor, action, organisation):
        raise Http404("Организация не найдена или недоступна в текущей роли.")
    return organisation


def region_list(*, actor: ActiveRole) -> QuerySet[Region]:
    qs = Region.objects.all()
    if actor.is_platform_operator:
        return qs
    if actor.region_id:
        return qs.filter(pk=actor.region_id)
    return qs.none()


def municipality_list(*, actor: ActiveRole, region_id: int | None = None) -> QuerySet[Municipality]:
    qs = Municipality.objects.select_related("region")
    if not actor.is_platform_operator:
        if actor.region_id:
            qs = qs.filter(region_id=actor.region_id)
        elif actor.municipality_id:
            qs = qs.filter(pk=actor.municipality_id)
        else:
            return qs.none()
    if region_id:
        qs = qs.filter(region_id=region_id)
    return qs.order_by("name")


def class_list(*, actor: ActiveRole, organisation: Organisation, school_year_id: int | None = None) -> QuerySet[SchoolClass]:
    """The organisation's classes with their number of current students, class teacher preloaded."""
    if not can(actor, Action.VIEW_ROSTER, organisation):
        return SchoolClass.objects.none()
    qs = SchoolClass.objects.filter(organisation=organisation).select_related("class_teacher", "school_year")
    if school_year_id:
        qs = qs.filter(school_year_id=school_year_id)
    active_students = Q(memberships__role=Role.STUDENT, memberships__end_date__isnull=True)
    return qs.annotate(student_count=Count("memberships", filter=active_students)).order_by("grade", "letter")


def access_class(*, actor: ActiveRole, class_id: int) -> SchoolClass:
    school_class = SchoolClass.objects.select_related("organisation__municipality__region", "class_teacher", "school_year").filter(pk=class_id).first()
    if school_class is None or not can(actor, Action.VIEW_ROSTER, school_class.organisation):
        raise Http404("Класс не найден или недоступен в текущей роли.")
    return school_class


def class_members(*, actor: ActiveRole, school_class: SchoolClass) -> QuerySet[Membership]:
    """Current students of a class, ordered by ФИО."""
    if not can(actor, Action.VIEW_ROSTER, school_class.organisation):
        return Membership.objects.none()
    return (
        Membership.objects.filter(school_class=school_class, role=Role.STUDENT, end_date__isnull=True)
        .select_related("person")
        .order_by("person__sort_key", "person_id")
    )
