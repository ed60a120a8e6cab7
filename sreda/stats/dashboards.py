"""Selectors of the dashboards (issue 4 item 5): region → municipality → school drill-down.

Every number comes from sreda.stats.indicators (the contract); this module only groups, orders and adds
what a methodologist needs beside the numbers: the director's contact to call, and the trend charts.
Queries are bounded: the indicators are computed for all schools of the page at once, and the directors
of all listed schools are read in one query.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.http import Http404
from django.utils import timezone

from sreda.core.active_role import ActiveRole
from sreda.core.permissions import Action, can, require
from sreda.orgs.models import Municipality, Organisation
from sreda.people.models import Membership, Person
from sreda.people.roles import Role
from sreda.stats import charts, indicators
from sreda.stats.indicators import GROUPS, TARGETS, MunicipalitySummary, OrgIndicators, TrendPoint
from sreda.stats.public_links import municipality_in_scope

DEFAULT_WEEKS = 12
MAX_WEEKS = 52

GROUP_LABELS = {"teachers": "Педагоги", "students": "Обучающиеся", "parents": "Родители"}
GROUP_TITLES = {
    "teachers": "Активные педагоги, доля от K (цель 75 %)",
    "students": "Активные обучающиеся, доля от L (цель 30 %)",
    "parents": "Активные родители, доля от M (цель 30 %)",
}

# R19: the library indicators (sreda.library.indicators) beside the messenger ones, for the 30 days before the
# report date (days on−30 … on−1, as the weekly figures take the 7 days before it).
LIBRARY_WINDOW_DAYS = 30
LIBRARY_NO_DATA = "нет данных"


@dataclass(frozen=True)
class LibraryIndicator:
    label: str
    target: float
    share: float | None = None
    status: str = LIBRARY_NO_DATA
    active: int | None = None
    total: int | None = None
    meets: bool | None = None

    @property
    def share_text(self) -> str:
        return charts.format_share(self.share)


def library_window(on: date) -> tuple[date, date]:
    return on - timedelta(days=LIBRARY_WINDOW_DAYS), on - timedelta(days=1)


def library_indicators(organisations: list[Organisation] | None = None, on: date | None = None) -> list[LibraryIndicator]:
    """R19 of the given schools together (one school: its own figures) for the 30 days before `on`: three
    queries whatever the number of schools."""
    from sreda.library import indicators as lib

    if not organisations or on is None:
        return [LibraryIndicator(label=lib.LABELS[g], target=lib.TARGETS[g]) for g in lib.GROUPS]
    date_from, date_to = library_window(on)
    rows = lib.library_figures(organisations, date_from, date_to)
    result = []
    for group in lib.GROUPS:
        active = sum(r.figure(group).active or 0 for r in rows if r.figure(group).total)
        total = sum(r.figure(group).total or 0 for r in rows)
        share = active / total if total else None
        meets = None if share is None else share >= lib.TARGETS[group]
        if len(rows) > 1:
            known = [r for r in rows if r.figure(group).meets is not None]
            status = (f"школ, выполняющих цель: {sum(1 for r in known if r.figure(group).meets)} из {len(known)}"
                      if known else LIBRARY_NO_DATA)
        else:
            status = LIBRARY_NO_DATA if meets is None else ("выполнена" if meets else "не выполнена")
        result.append(LibraryIndicator(label=lib.LABELS[group], target=lib.TARGETS[group], share=share,
                                       status=status, active=active if total else None, total=total or None,
                                       meets=meets))
    return result


NOT_FOUND = "Муниципалитет не найден или недоступен в текущей роли."
ORG_NOT_FOUND = "Организация не найдена или недоступна в текущей роли."


@dataclass(frozen=True)
class Contact:
    """The director of a school: whom the methodologist calls."""

    name: str
    email: str
    phone: str


@dataclass
class SchoolRow:
    indicators: OrgIndicators
    contact: Contact | None = None

    @property
    def organisation(self) -> Organisation:
        return self.indicators.organisation

    @property
    def below_target(self) -> bool:
        return self.indicators.below_target

    def bars(self) -> list[dict]:
        """Per group: the figure and its small SVG bar (the excluded students of a preschool are None)."""
        result = []
        for group in GROUPS:
            figure = self.indicators.figure(group)
            result.append({"group": group, "label": GROUP_LABELS[group], "figure": figure,
                           "share_text": charts.format_share(figure.share),
                           "bar": charts.share_bar(figure.share, target=TARGETS[group], label=GROUP_LABELS[group])})
        return result


@dataclass
class MunicipalityRow:
    municipality: Municipality
    summary: MunicipalitySummary
    below: int  # schools with some weekly target known to be missed

    @property
    def share_text(self) -> str:
        return charts.format_share(self.summary.share)


@dataclass
class RegionDashboard:
    on: date
    municipalities: list[MunicipalityRow]
    organisations: int
    meeting_all: int
    below: int
    chart: str = ""
    library: list[LibraryIndicator] = field(default_factory=library_indicators)

    @property
    def share_text(self) -> str:
        return charts.format_share(self.meeting_all / self.organisations if self.organisations else None)


@dataclass
class MunicipalityDashboard:
    on: date
    municipality: Municipality
    summary: MunicipalitySummary | None
    schools: list[SchoolRow]  # below target first, then the rest
    below: int
    chart: str = ""
    library: list[LibraryIndicator] = field(default_factory=library_indicators)

    @property
    def share_text(self) -> str:
        return charts.format_share(self.summary.share if self.summary else None)


@dataclass
class SchoolDashboard:
    on: date
    row: SchoolRow
    trend: list[TrendPoint]
    charts: list[dict]  # {"group", "title", "svg"}
    library: list[LibraryIndicator] = field(default_factory=library_indicators)


def today() -> date:
    return timezone.localdate()


def clamp_weeks(weeks: int | None) -> int:
    if weeks is None:
        return DEFAULT_WEEKS
    return max(1, min(MAX_WEEKS, int(weeks)))


# --- access ------------------------------------------------------------------------------------------


def access_municipality(*, actor: ActiveRole, municipality_id: int) -> Municipality:
    """The municipality if the active role may see its statistics; one «not found» for missing and foreign."""
    require(actor, Action.VIEW_STATS)
    municipality = Municipality.objects.select_related("region").filter(pk=municipality_id).first()
    if municipality is None or not municipality_in_scope(actor, municipality):
        raise Http404(NOT_FOUND)
    return municipality


def access_school(*, actor: ActiveRole, organisation_id: int) -> Organisation:
    require(actor, Action.VIEW_STATS)
    organisation = Organisation.objects.select_related("municipality__region").filter(pk=organisation_id).first()
    if organisation is None or not can(actor, Action.VIEW_STATS, organisation):
        raise Http404(ORG_NOT_FOUND)
    return organisation


# --- pieces ------------------------------------------------------------------------------------------


def directors_of(organisation_ids: list[int]) -> dict[int, Contact]:
    """Today's director of each school (the earliest appointed, if several) — whom to call now, whatever
    the report date — in one query for all."""
    if not organisation_ids:
        return {}
    rows = (
        Membership.objects.active().filter(role=Role.DIRECTOR, organisation_id__in=organisation_ids)
        .select_related("person").order_by("organisation_id", "start_date", "id")
    )
    result: dict[int, Contact] = {}
    for membership in rows:
        if membership.organisation_id in result:
            continue
        person: Person = membership.person
        result[membership.organisation_id] = Contact(name=person.full_name, email=person.email or "",
                                                     phone=person.phone or "")
    return result


def below_target_first(rows: list[SchoolRow]) -> list[SchoolRow]:
    """The schools below target first (the weakest teachers' share first), then the rest in name order."""
    def key(row: SchoolRow):
        share = row.indicators.teachers.share
        return (0 if row.below_target else 1,
                (share if share is not None else 2.0) if row.below_target else 0.0,
                row.organisation.short_name.casefold(), row.organisation.pk)

    return sorted(rows, key=key)


def trend_chart(points: list[TrendPoint], *, title: str, groups=GROUPS) -> str:
    """One SVG of the given groups' weekly shares with their targets (75 % / 30 %) dashed."""
    series = [charts.Series(GROUP_LABELS[g], [getattr(p, g) for p in points]) for g in groups]
    target_values = sorted({TARGETS[g] for g in groups}, reverse=True)
    targets = [charts.Target(t, f"цель {charts.format_share(t)}") for t in target_values]
    return charts.line_chart(dates=[p.on for p in points], series=series, targets=targets, title=title)


def _summary_of(rows: list[OrgIndicators]) -> MunicipalitySummary | None:
    summaries = indicators.municipality_summaries(rows)
    return summaries[0] if summaries else None


# --- pages -------------------------------------------------------------------------------------------


def region_dashboard(*, actor: ActiveRole, on: date, weeks: int = DEFAULT_WEEKS,
                     with_chart: bool = True) -> RegionDashboard:
    """Every municipality in the actor's scope with the district indicator (share of schools meeting all
    three weekly targets), the municipalities with most schools below target first."""
    require(actor, Action.VIEW_STATS)
    rows = indicators.organisation_indicators(actor=actor, on=on)
    by_municipality: dict[int, list[OrgIndicators]] = defaultdict(list)
    for row in rows:
        by_municipality[row.organisation.municipality_id].append(row)
    municipalities = {m.pk: m for m in Municipality.objects.select_related("region").filter(pk__in=by_municipality)}
    result = []
    for municipality_id, group in by_municipality.items():
        summary = _summary_of(group)
        result.append(MunicipalityRow(municipality=municipalities[municipality_id], summary=summary,
                                      below=sum(1 for r in group if r.below_target)))
    result.sort(key=lambda m: (-m.below, m.summary.share if m.summary.share is not None else 2.0,
                               m.municipality.region.name, m.municipality.name))
    dashboard = RegionDashboard(
        on=on, municipalities=result,
        organisations=sum(m.summary.organisations for m in result),
        meeting_all=sum(m.summary.meeting_all for m in result),
        below=sum(m.below for m in result),
        library=library_indicators([r.organisation for r in rows], on),
    )
    if with_chart:
        points = indicators.weekly_trend(actor=actor, organisations=Organisation.objects.all(), end=on, weeks=weeks)
        dashboard.chart = trend_chart(points, title="Активность по неделям: все школы в области роли")
    return dashboard


def municipality_dashboard(*, actor: ActiveRole, municipality: Municipality, on: date, weeks: int = DEFAULT_WEEKS,
                           with_contacts: bool = True, with_chart: bool = True) -> MunicipalityDashboard:
    """The schools of a municipality, below target first, with their director's contact (unless the page
    is public: `with_contacts=False` reads no person at all)."""
    if not municipality_in_scope(actor, municipality):
        raise Http404(NOT_FOUND)
    schools = Organisation.objects.filter(municipality=municipality)
    rows = indicators.organisation_indicators(actor=actor, on=on, organisations=schools)
    contacts = directors_of([r.organisation.pk for r in rows]) if with_contacts else {}
    school_rows = below_target_first([SchoolRow(indicators=r, contact=contacts.get(r.organisation.pk)) for r in rows])
    dashboard = MunicipalityDashboard(
        on=on, municipality=municipality, summary=_summary_of(rows), schools=school_rows,
        below=sum(1 for r in school_rows if r.below_target),
        library=library_indicators([r.organisation for r in rows], on),
    )
    if with_chart:
        points = indicators.weekly_trend(actor=actor, organisations=schools, end=on, weeks=weeks)
        dashboard.chart = trend_chart(points, title=f"Активность по неделям: {municipality.name}")
    return dashboard


def school_dashboard(*, actor: ActiveRole, organisation: Organisation, on: date,
                     weeks: int = DEFAULT_WEEKS) -> SchoolDashboard:
    """One school: its figures on the date, its director, and a trend chart per indicator."""
    one = Organisation.objects.filter(pk=organisation.pk)
    rows = indicators.organisation_indicators(actor=actor, on=on, organisations=one)
    if not rows:
        raise Http404(ORG_NOT_FOUND)
    contact = directors_of([organisation.pk]).get(organisation.pk)
    points = indicators.weekly_trend(actor=actor, organisations=one, end=on, weeks=weeks)
    excluded = {"students"} if indicators.is_preschool(organisation) else set()  # R32: preschools
    chart_list = [
        {"group": g, "title": GROUP_TITLES[g],
         "svg": trend_chart(points, title=f"{GROUP_TITLES[g]}: {organisation.short_name}", groups=(g,))}
        for g in GROUPS if g not in excluded
    ]
    return SchoolDashboard(on=on, row=SchoolRow(indicators=rows[0], contact=contact), trend=points, charts=chart_list,
                           library=library_indicators([rows[0].organisation], on))


@dataclass(frozen=True)
class MonthlyAndRoadmap:
    """R32's monthly criterion for the last complete month and the region's roadmap stages (R33)."""

    month: date
    monthly: indicators.MonthlyShare
    monthly_text: str
    stages: list[indicators.RoadmapStageStatus]

    @property
    def unknown(self) -> int:
        """Organisations whose monthly criterion cannot be computed (no ОО-1 totals)."""
        return self.monthly.organisations - self.monthly.known


def monthly_and_roadmap(*, actor: ActiveRole, municipality: Municipality, on: date) -> MonthlyAndRoadmap:
    """The month before the report date's month is the last complete one: its share of organisations
    «using the service» (Р-240), and the roadmap stages with the region's current figures."""
    if not municipality_in_scope(actor, municipality):
        raise Http404(NOT_FOUND)
    month = (on.replace(day=1) - timedelta(days=1)).replace(day=1)
    rows = indicators.monthly_criterion(actor=actor, month=month,
                                        organisations=Organisation.objects.filter(municipality=municipality))
    _, total = indicators.monthly_shares(rows)
    return MonthlyAndRoadmap(
        month=month, monthly=total, monthly_text=charts.format_share(total.share),
        stages=indicators.roadmap_status(actor=actor, region_id=municipality.region_id, on=on),
    )
