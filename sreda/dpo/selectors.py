"""Reads of «Организация ДПО» (R36–R38): who the active role is to an application, the lists of the
teacher, the director and the centre, the card. Every list is one query for its rows (plus the count)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from sreda.core.active_role import ActiveRole
from sreda.core.permissions import Action, can
from sreda.core.text import fold
from sreda.dpo.models import Application, Comment, DpoOrganisation, Event, Group, GroupStatus, Notice, Program
from sreda.dpo.statuses import ACTIVE_STATUSES, APPLICANT, CENTRE, DIRECTOR, Status

NOT_FOUND = "Заявка не найдена или недоступна в текущей роли."
GROUP_NOT_FOUND = "Группа не найдена или недоступна в текущей роли."
PROGRAM_NOT_FOUND = "Программа не найдена или недоступна в текущей роли."


def person_of(actor: ActiveRole | None):
    """The person behind the active role (a token of a person's membership has no session user)."""
    if actor is None:
        return None
    membership = actor.membership
    if membership is not None and membership.person_id:
        return membership.person
    return actor.person


def actor_kinds(actor: ActiveRole | None, application: Application) -> set[str]:
    """Who the active role is to this application (R1: the active role only): applicant, director, centre."""
    kinds: set[str] = set()
    if actor is None:
        return kinds
    organisation = application.organisation
    person = person_of(actor)
    if (person is not None and person.pk == application.applicant_id
            and can(actor, Action.APPLY_DPO, organisation)):
        kinds.add(APPLICANT)
    if can(actor, Action.APPROVE_DPO, organisation):
        kinds.add(DIRECTOR)
    if can(actor, Action.MANAGE_DPO, organisation):
        kinds.add(CENTRE)
    return kinds


def _card_query() -> QuerySet[Application]:
    return Application.objects.select_related(
        "group__program__organisation", "applicant", "membership", "organisation__municipality__region")


def access_application(*, actor: ActiveRole, application_id: int | None) -> Application:
    """The application if the active role is its applicant, its school's director or the region's centre;
    one «not found» for missing and forbidden."""
    application = _card_query().filter(pk=application_id).first() if application_id else None
    if application is None or not actor_kinds(actor, application):
        raise Http404(NOT_FOUND)
    return application


# --- lists -------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ApplicationFilters:
    query: str = ""
    status: str = ""
    program_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    organisation_id: int | None = None


def _list_query() -> QuerySet[Application]:
    return (Application.objects.select_related("group__program", "applicant", "organisation")
            .only("id", "status", "created_at", "status_changed_at", "organisation_id", "group_id", "applicant_id",
                  "group__name", "group__starts_on", "group__ends_on", "group__program_id", "group__program__name",
                  "applicant__surname", "applicant__name", "applicant__patronymic",
                  "organisation__short_name"))


def _filtered(qs: QuerySet[Application], filters: ApplicationFilters) -> QuerySet[Application]:
    query = (filters.query or "").strip()
    if query:
        digits = query.lstrip("№").strip()
        if digits.isdigit():
            qs = qs.filter(pk=int(digits))
        else:
            qs = qs.filter(search_text__contains=fold(query))
    if filters.status in Status.values:
        qs = qs.filter(status=filters.status)
    if filters.program_id:
        qs = qs.filter(group__program_id=filters.program_id)
    tz = timezone.get_current_timezone()
    if filters.date_from:
        qs = qs.filter(created_at__gte=datetime.combine(filters.date_from, time.min, tzinfo=tz))
    if filters.date_to:
        qs = qs.filter(created_at__lt=datetime.combine(filters.date_to, time.max, tzinfo=tz))
    if filters.organisation_id:
        qs = qs.filter(organisation_id=filters.organisation_id)
    return qs


def director_applications(*, actor: ActiveRole, organisation, filters: ApplicationFilters) -> QuerySet[Application]:
    """«Заявки» of the director's school (R38), newest first."""
    if not can(actor, Action.APPROVE_DPO, organisation):
        return Application.objects.none()
    return _filtered(_list_query().filter(organisation=organisation), filters).order_by("-id")


def centre_applications(*, actor: ActiveRole, filters: ApplicationFilters) -> QuerySet[Application]:
    """The centre's queue across the schools of its region (R37); the status filter defaults to the caller."""
    if not can(actor, Action.MANAGE_DPO):
        return Application.objects.none()
    qs = _list_query()
    if not actor.is_platform_operator:
        qs = qs.filter(organisation__municipality__region_id=actor.region_id)
    return _filtered(qs, filters).order_by("-id")


def centre_schools(*, actor: ActiveRole) -> QuerySet:
    """The schools whose applications the centre sees: the choices of the page's school filter."""
    from sreda.orgs.models import Organisation

    if not can(actor, Action.MANAGE_DPO):
        return Organisation.objects.none()
    applied = Application.objects.all()
    if not actor.is_platform_operator:
        applied = applied.filter(organisation__municipality__region_id=actor.region_id)
    return Organisation.objects.filter(pk__in=applied.values("organisation_id")).order_by("short_name")


def my_applications(*, actor: ActiveRole, status: str | None = None) -> QuerySet[Application]:
    """«Моё обучение»: the person's applications (only those in `status`, if given) with comments and history
    (three queries in all)."""
    person = person_of(actor)
    if person is None:
        return Application.objects.none()
    mine = Application.objects.filter(applicant=person)
    if status:
        mine = mine.filter(status=status)
    return (mine
            .select_related("group__program__organisation", "organisation")
            .prefetch_related(Prefetch("comments", queryset=Comment.objects.order_by("created_at", "id")),
                              Prefetch("events", queryset=Event.objects.order_by("at", "id")))
            .order_by("-id"))


def application_comments(*, application: Application) -> QuerySet[Comment]:
    return application.comments.order_by("created_at", "id")


def application_events(*, application: Application) -> QuerySet[Event]:
    return application.events.order_by("at", "id")


# --- groups and programs -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class GroupFilters:
    query: str = ""
    program_id: int | None = None
    study_form: str = ""
    date_from: date | None = None
    date_to: date | None = None


def _region_of(actor: ActiveRole) -> int | None:
    organisation = actor.organisation if actor is not None else None
    if organisation is not None:
        return organisation.municipality.region_id
    return actor.region_id if actor is not None else None


def open_groups(*, actor: ActiveRole, filters: GroupFilters) -> QuerySet[Group]:
    """Groups a teacher may apply to: open, not yet over, of DPO organisations of the teacher's region (or
    of no region); with the number of people already included."""
    today = timezone.localdate()
    qs = (Group.objects.filter(status=GroupStatus.OPEN, ends_on__gte=today)
          .select_related("program__organisation")
          .annotate(included=Count("applications", filter=Q(applications__status=Status.INCLUDED))))
    region_id = _region_of(actor)
    if region_id:
        qs = qs.filter(Q(program__organisation__region__isnull=True) | Q(program__organisation__region_id=region_id))
    query = (filters.query or "").strip()
    if query:
        qs = qs.filter(search_text__contains=fold(query))
    if filters.program_id:
        qs = qs.filter(program_id=filters.program_id)
    if filters.study_form:
        qs = qs.filter(program__study_form=filters.study_form)
    if filters.date_from:
        qs = qs.filter(starts_on__gte=filters.date_from)
    if filters.date_to:
        qs = qs.filter(starts_on__lte=filters.date_to)
    return qs.order_by("starts_on", "name", "id")


def applied_group_ids(*, actor: ActiveRole, group_ids) -> dict[int, Application]:
    """The actor's live applications in these groups, by group id (one query)."""
    person = person_of(actor)
    if person is None:
        return {}
    rows = Application.objects.filter(applicant=person, group_id__in=list(group_ids), status__in=ACTIVE_STATUSES)
    return {a.group_id: a for a in rows}


def access_group(*, actor: ActiveRole, group_id: int | None, for_centre: bool = False) -> Group:
    group = (Group.objects.select_related("program__organisation").filter(pk=group_id).first()
             if group_id else None)
    if group is None:
        raise Http404(GROUP_NOT_FOUND)
    if for_centre and not dpo_organisation_in_scope(actor, group.program.organisation):
        raise Http404(GROUP_NOT_FOUND)
    return group


def dpo_organisation_in_scope(actor: ActiveRole, organisation: DpoOrganisation) -> bool:
    """The centre manages the DPO organisations of its region (the platform operator: all)."""
    if not can(actor, Action.MANAGE_DPO):
        return False
    if actor.is_platform_operator:
        return True
    return organisation.region_id in (None, actor.region_id)


def centre_dpo_organisations(*, actor: ActiveRole) -> QuerySet[DpoOrganisation]:
    if not can(actor, Action.MANAGE_DPO):
        return DpoOrganisation.objects.none()
    qs = DpoOrganisation.objects.all()
    if not actor.is_platform_operator:
        qs = qs.filter(Q(region__isnull=True) | Q(region_id=actor.region_id))
    return qs.order_by("short_name", "id")


def centre_programs(*, actor: ActiveRole, query: str = "") -> QuerySet[Program]:
    qs = (Program.objects.filter(organisation__in=centre_dpo_organisations(actor=actor))
          .select_related("organisation").annotate(group_count=Count("groups")))
    if query.strip():
        qs = qs.filter(search_text__contains=fold(query))
    return qs.order_by("name", "id")


def access_program(*, actor: ActiveRole, program_id: int | None) -> Program:
    program = Program.objects.select_related("organisation").filter(pk=program_id).first() if program_id else None
    if program is None or not dpo_organisation_in_scope(actor, program.organisation):
        raise Http404(PROGRAM_NOT_FOUND)
    return program


def program_groups(*, program: Program) -> QuerySet[Group]:
    return (program.groups.annotate(
        included=Count("applications", filter=Q(applications__status=Status.INCLUDED)),
        waiting=Count("applications", filter=Q(applications__status=Status.APPROVED)))
        .order_by("starts_on", "name", "id"))


def programs_for_filter(*, actor: ActiveRole) -> QuerySet[Program]:
    """Programs for a filter's drop-down: those of the actor's region (or of no region)."""
    qs = Program.objects.only("id", "name")
    region_id = _region_of(actor)
    if region_id and not (actor is not None and actor.is_platform_operator):
        qs = qs.filter(Q(organisation__region__isnull=True) | Q(organisation__region_id=region_id))
    return qs.order_by("name", "id")


def included_count(*, group: Group) -> int:
    return group.applications.filter(status=Status.INCLUDED).count()


# --- notices -----------------------------------------------------------------------------------------------

def unread_notices(*, actor: ActiveRole) -> QuerySet[Notice]:
    person = person_of(actor)
    if person is None:
        return Notice.objects.none()
    return Notice.objects.filter(person=person, read_at__isnull=True).order_by("-created_at", "-id")


def recent_notices(*, actor: ActiveRole, limit: int = 10) -> list[Notice]:
    person = person_of(actor)
    if person is None:
        return []
    return list(Notice.objects.filter(person=person).order_by("-created_at", "-id")[:limit])
