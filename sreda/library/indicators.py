"""The library indicators of R19 per school for a period [date_from, date_to] (seed 002: «60 % педагогов
должны войти и назначить хотя бы 1 урок, а 30 % обучающихся его посмотреть»).

- teachers_total   = persons with an active «Учитель» membership at the school on date_to;
- teachers_active  = those of them with a LibraryVisit at the school in the period (entered the library
                     with access) AND at least one Assignment created there in the period; target ≥ 60 %;
- students_total   = persons with an active «Обучающийся» membership at the school on date_to;
- students_viewing = those of them who opened an assigned lesson of the school in the period; target ≥ 30 %.
A total of 0 gives share and meets None. Preschools: students are not counted (as R32 does).
Days are the school's local days: a visit's `day` is already local; the moments of assignments and openings
are compared with the period's bounds in the region's time zone.

Three queries for any number of schools (teachers; students; openings), plus the schools themselves.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Count, Exists, ExpressionWrapper, F, IntegerField, OuterRef, Q, QuerySet

from sreda.core.active_role import ActiveRole
from sreda.library.models import Assignment, AssignmentView, LibraryVisit
from sreda.orgs.models import Organisation
from sreda.people.confirmation import region_zone
from sreda.people.models import Membership
from sreda.people.roles import Role
from sreda.stats.indicators import EXCLUDED, GroupFigure, all_met, group_figure, is_preschool, scoped_organisations

TARGETS = {"teachers": 0.60, "students": 0.30}
GROUPS = ("teachers", "students")
LABELS = {
    "teachers": "Педагоги вошли в библиотеку и назначили хотя бы один урок",
    "students": "Обучающиеся просмотрели назначенный урок",
}
MAX_DAYS = 400  # a period longer than a school year is a typing mistake


@dataclass(frozen=True)
class OrgLibraryIndicators:
    organisation: Organisation
    date_from: date
    date_to: date
    teachers: GroupFigure
    students: GroupFigure  # preschools: EXCLUDED (total None)
    meets_all: bool | None

    def figure(self, group: str) -> GroupFigure:
        return getattr(self, group)

    @property
    def below_target(self) -> bool:
        return any(self.figure(g).meets is False for g in GROUPS)


@dataclass(frozen=True)
class LibrarySummary:
    """Schools of a municipality (or the whole scope) together: how many meet both targets among those
    whose figures are known, and the summed shares (Σ active / Σ total)."""

    name: str
    organisations: int
    known: int
    meeting_all: int
    share: float | None  # meeting_all / known
    teachers_share: float | None
    students_share: float | None


def period_check(date_from: date, date_to: date) -> str | None:
    """A Russian message when the period is not usable, else None."""
    if date_from > date_to:
        return f"Начало периода ({date_from:%d.%m.%Y}) позже его конца ({date_to:%d.%m.%Y})."
    if (date_to - date_from).days > MAX_DAYS:
        return f"Период длиннее {MAX_DAYS} дней: выберите не больше учебного года."
    return None


def default_period(today: date) -> tuple[date, date]:
    """The current month up to today."""
    return today.replace(day=1), today


def _moment_in_period(field: str, zones: dict[str, list[int]], date_from: date, date_to: date) -> Q:
    """`field` (a UTC moment) within the local days of the period, in the time zone of the row's school
    (`zones`: time zone → school ids). One condition per time zone present (Russia has 11), never per school."""
    condition = Q(pk__in=[])
    for zone, ids in sorted(zones.items()):
        tz = ZoneInfo(zone)
        start = datetime.combine(date_from, time.min, tzinfo=tz)
        end = datetime.combine(date_to + timedelta(days=1), time.min, tzinfo=tz)
        condition |= Q(organisation_id__in=ids, **{f"{field}__gte": start, f"{field}__lt": end})
    return condition


def _counts(rows) -> dict[int, tuple[int, int]]:
    return {org_id: (total, active) for org_id, total, active in rows}


def library_figures(organisations: list[Organisation], date_from: date,
                    date_to: date) -> list[OrgLibraryIndicators]:
    """R19 for the given schools (already scoped, region loaded), in their order. Three queries."""
    ids = [o.pk for o in organisations]
    if not ids:
        return []
    zones: dict[str, list[int]] = defaultdict(list)
    for org in organisations:
        zones[region_zone(org)].append(org.pk)
    members = Membership.objects.active(date_to).filter(organisation_id__in=ids)
    # Teachers are few: each is probed for a visit and an assignment of theirs in the period.
    visited = LibraryVisit.objects.filter(person=OuterRef("person_id"), organisation=OuterRef("organisation_id"),
                                          day__gte=date_from, day__lte=date_to)
    assigned = Assignment.objects.filter(_moment_in_period("created_at", zones, date_from, date_to),
                                         teacher=OuterRef("person_id"), organisation=OuterRef("organisation_id"))
    teachers = _counts(
        members.filter(role=Role.TEACHER).annotate(visited=Exists(visited), assigned=Exists(assigned))
        .values("organisation_id").order_by()
        .annotate(total=Count("person_id", distinct=True),
                  active=Count("person_id", distinct=True, filter=Q(visited=True, assigned=True)))
        .values_list("organisation_id", "total", "active"))
    # Students are many, openings in a period fewer: count the openings' students who are students of the
    # school on date_to, rather than probing every student.
    student_totals = dict(members.filter(role=Role.STUDENT).values("organisation_id").order_by()
                          .annotate(n=Count("person_id", distinct=True)).values_list("organisation_id", "n"))
    # The school is compared as `organisation_id + 0`: without table statistics SQLite would probe the
    # (organisation, role) index — every student of the school per opening — instead of the person's few
    # memberships (1.4 s instead of 0.13 s for 1,000 schools). PostgreSQL plans either form alike.
    is_student = (Membership.objects.active(date_to).filter(role=Role.STUDENT, person=OuterRef("student_id"))
                  .annotate(school=ExpressionWrapper(F("organisation_id") + 0, output_field=IntegerField()))
                  .filter(school=OuterRef("organisation_id")))
    viewing = dict(AssignmentView.objects.filter(_moment_in_period("opened_at", zones, date_from, date_to))
                   .filter(Exists(is_student)).values("organisation_id").order_by()
                   .annotate(n=Count("student_id", distinct=True)).values_list("organisation_id", "n"))
    students = {org_id: (total, viewing.get(org_id, 0)) for org_id, total in student_totals.items()}
    result = []
    for org in organisations:
        t_total, t_active = teachers.get(org.pk, (0, 0))
        s_total, s_active = students.get(org.pk, (0, 0))
        teacher_fig = group_figure(t_total, t_active, TARGETS["teachers"])
        student_fig = EXCLUDED if is_preschool(org) else group_figure(s_total, s_active, TARGETS["students"])
        applicable = [teacher_fig] if is_preschool(org) else [teacher_fig, student_fig]
        result.append(OrgLibraryIndicators(organisation=org, date_from=date_from, date_to=date_to,
                                           teachers=teacher_fig, students=student_fig,
                                           meets_all=all_met(applicable)))
    return result


def library_indicators(*, actor: ActiveRole, date_from: date, date_to: date,
                       organisations: QuerySet[Organisation] | None = None) -> list[OrgLibraryIndicators]:
    """R19 for every school in `organisations` (default: all in the actor's scope; VIEW_STATS), ordered by
    municipality and name."""
    orgs = list(scoped_organisations(actor=actor, organisations=organisations)
                .order_by("municipality__name", "short_name", "pk"))
    return library_figures(orgs, date_from, date_to)


def summarise(name: str, rows: list[OrgLibraryIndicators]) -> LibrarySummary:
    known = [r for r in rows if r.meets_all is not None]
    meeting = sum(1 for r in known if r.meets_all)
    shares = {}
    for group in GROUPS:
        active = total = 0
        for row in rows:
            fig = row.figure(group)
            if fig.total:
                active += fig.active or 0
                total += fig.total
        shares[group] = active / total if total else None
    return LibrarySummary(name=name, organisations=len(rows), known=len(known), meeting_all=meeting,
                          share=meeting / len(known) if known else None,
                          teachers_share=shares["teachers"], students_share=shares["students"])


def municipality_summaries(rows: list[OrgLibraryIndicators]) -> list[LibrarySummary]:
    """Per municipality, by name."""
    groups: dict[str, list[OrgLibraryIndicators]] = defaultdict(list)
    for row in rows:
        groups[row.organisation.municipality.name].append(row)
    return [summarise(name, items) for name, items in sorted(groups.items())]


def below_target_first(rows: list[OrgLibraryIndicators]) -> list[OrgLibraryIndicators]:
    """The schools below target first (the weakest teachers' share first), then the rest by name."""
    def key(row: OrgLibraryIndicators):
        share = row.teachers.share
        return (0 if row.below_target else 1,
                (share if share is not None else 2.0) if row.below_target else 0.0,
                row.organisation.short_name.casefold(), row.organisation.pk)

    return sorted(rows, key=key)


# --- the shapes of the API, the CLI and the exports ---------------------------------------------------------


def figure_json(fig: GroupFigure) -> dict:
    return {"total": fig.total, "active": fig.active, "share": fig.share, "meets": fig.meets}


def indicators_json(*, date_from: date, date_to: date, rows: list[OrgLibraryIndicators]) -> dict:
    """Shares are fractions 0–1, unrounded; unknown → null."""
    return {
        "from": date_from.isoformat(),
        "to": date_to.isoformat(),
        "organisations": [
            {"org_id": r.organisation.pk, "inn": r.organisation.inn, "short_name": r.organisation.short_name,
             "municipality": r.organisation.municipality.name, "teachers": figure_json(r.teachers),
             "students": figure_json(r.students), "meets_all": r.meets_all}
            for r in rows
        ],
        "municipalities": [
            {"name": s.name, "organisations": s.organisations, "known": s.known, "meeting_all": s.meeting_all,
             "share": s.share, "teachers_share": s.teachers_share, "students_share": s.students_share}
            for s in municipality_summaries(rows)
        ],
    }


HEADER = [
    "ID организации в Среде", "ИНН", "Краткое название", "МО", "Начало периода", "Конец периода",
    "Учителей всего", "Вошли и назначили урок", "Доля учителей", "Учителя: цель 60% выполнена",
    "Обучающихся всего", "Просмотрели урок", "Доля обучающихся", "Обучающиеся: цель 30% выполнена",
    "Обе цели выполнены", "Руководитель", "Телефон", "E-mail",
]


def table_rows(rows: list[OrgLibraryIndicators], contacts: dict | None = None) -> list[list]:
    contacts = contacts or {}
    result = []
    for r in rows:
        contact = contacts.get(r.organisation.pk)
        cells = [r.organisation.pk, r.organisation.inn, r.organisation.short_name, r.organisation.municipality.name,
                 r.date_from, r.date_to]
        for group in GROUPS:
            fig = r.figure(group)
            cells += [fig.total, fig.active, fig.share, fig.meets]
        cells += [r.meets_all, contact.name if contact else "", contact.phone if contact else "",
                  contact.email if contact else ""]
        result.append(cells)
    return result


def indicators_csv(rows: list[OrgLibraryIndicators], contacts: dict | None = None) -> bytes:
    from sreda.stats.exports import csv_bytes

    return csv_bytes(HEADER, table_rows(rows, contacts))


def indicators_xlsx(rows: list[OrgLibraryIndicators], contacts: dict | None = None) -> bytes:
    from sreda.stats.exports import workbook

    return workbook("Библиотека R19", HEADER, table_rows(rows, contacts))


def filename(date_from: date, date_to: date, ext: str) -> str:
    return f"biblioteka-r19-{date_from.isoformat()}-{date_to.isoformat()}.{ext}"
