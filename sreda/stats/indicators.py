"""The indicators of R31–R34 for organisations on a report date, from an imported platform snapshot when
there is one, otherwise from the activity rollups and ОО-1 totals. The dashboards and exports read
only this module.

CONTRACT (being built in issue 4): the dataclasses and function signatures below are what the table,
the CLI, the API and the dashboards use.

Decisions (documented here because the rules leave them open):
- Sources. An organisation with a StatsSnapshot for exactly the report date takes K, L, M, X, U, V and the
  registrations O, Q from it (`source="import"`). Otherwise (`source="events"`): K and L from ОО-1 of the
  school year containing the date, M = L, X/U/V from the rollups (`rollups.active_counts`), registrations
  = persons with an account and an active membership of that group in the organisation on the date.
- Preschools (R32 «excluding preschools for students»): the students figure has total None (share and
  meets None) and does not enter `meets_all`. Parents STAY counted: M is the number of children
  (1 child = 1 parent, R31), and a kindergarten's parents are exactly the people it talks to. So a
  preschool meets all when teachers ≥ 75% and parents ≥ 30%.
- Self-diagnosis 8.5 (R34), the highest level that the known figures confirm:
  0 — not registered: no platform snapshot on the date, no messenger id, and nobody registered (N = 0);
  1 — registered (a snapshot row, a messenger id, or at least one registered person); «structure
      created» is not in the export, so registration stands for it;
  2 — O ≥ 95% of K and Q ≥ 95% of L (preschools: teachers only); needs K (and L) known and > 0;
  3 — level 2 and every teacher registered and active in the week (O ≥ K and X ≥ K): membership of
      professional communities is not known to Sreda, weekly activity of all teachers stands for it.
"""
from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.core.cache import cache
from django.db import transaction
from django.db.models import Case, CharField, Count, QuerySet, Value, When

from sreda.core.active_role import ActiveRole
from sreda.core.permissions import Action, organisations_in_scope, require
from sreda.orgs.models import Organisation, OrganisationStatistics, OrganisationType, SchoolYear
from sreda.people.models import Membership
from sreda.stats import rollups
from sreda.stats.models import ROLE_GROUP, RoadmapStage, StatsSnapshot

# R32: the weekly targets.
TARGETS = {"teachers": 0.75, "students": 0.30, "parents": 0.30}
GROUPS = ("teachers", "students", "parents")
SOURCE_IMPORT = "import"
SOURCE_EVENTS = "events"
SELF_DIAGNOSIS_REGISTERED_SHARE = 0.95  # R34 level 2
TREND_CACHE_SECONDS = 120  # how long a drawn weekly trend is reused (see weekly_trend)
_VERSION_KEY = "stats:version"


def stats_changed() -> None:
    """Events were ingested, an export imported or the rollups rebuilt: drawn trends are stale. Runs after
    the commit, so a trend computed meanwhile cannot be cached under the new version."""
    def bump():
        try:
            cache.incr(_VERSION_KEY)
        except ValueError:  # not set yet (or evicted)
            cache.set(_VERSION_KEY, 2, None)
    transaction.on_commit(bump)


@dataclass(frozen=True)
class GroupFigure:
    """One population of one school: total (K, L or M), active in the 7 days before the date (X, U, V),
    share = active / total as a fraction 0–1, unrounded; a total of 0 or unknown gives share and meets None."""

    total: int | None
    active: int | None
    share: float | None
    meets: bool | None


@dataclass(frozen=True)
class OrgIndicators:
    organisation: Organisation
    on: date
    source: str  # "import" | "events"
    teachers: GroupFigure
    students: GroupFigure  # preschools: students are excluded (total None)
    parents: GroupFigure
    meets_all: bool | None
    self_diagnosis_8_5: int | None  # R34: 0–3

    def figure(self, group: str) -> GroupFigure:
        return getattr(self, group)

    @property
    def below_target(self) -> bool:
        """Some applicable weekly target is known to be missed (the «ниже цели» filter)."""
        return any(self.figure(g).meets is False for g in GROUPS)


@dataclass(frozen=True)
class MunicipalitySummary:
    name: str
    organisations: int
    meeting_all: int
    share: float | None


@dataclass(frozen=True)
class TrendPoint:
    """One week of a trend chart: the report date and each group's share (None when unknown)."""

    on: date
    teachers: float | None
    students: float | None
    parents: float | None


@dataclass(frozen=True)
class OrgMonthly:
    """R32's monthly criterion for one organisation: «uses the service» in the month when ≥75% of its
    teachers and ≥30% of its students (not for preschools) and parents were active in that month."""

    organisation: Organisation
    month: date  # first day of the month
    teachers: GroupFigure
    students: GroupFigure
    parents: GroupFigure
    uses_service: bool | None


@dataclass(frozen=True)
class MonthlyShare:
    """The district/region indicator of R32: the share of organisations using the service in the month.
    `share` counts only organisations whose criterion is known (not None) in the denominator."""

    name: str
    organisations: int
    known: int
    using: int
    share: float | None


@dataclass(frozen=True)
class RoadmapStageStatus:
    """A roadmap stage (R33) with the region's current figure for its group (active / total over the
    region's organisations in scope on the date) and whether it meets the stage's target."""

    stage: RoadmapStage
    current: float | None
    meets: bool | None
    overdue: bool


# --- arithmetic (R32) --------------------------------------------------------------------------------


def group_figure(total: int | None, active: int | None, target: float) -> GroupFigure:
    """share = active / total, unrounded; total 0 or unknown (or active unknown) → share and meets None.
    Exactly the target meets it."""
    if not total or active is None:
        return GroupFigure(total=total, active=active, share=None, meets=None)
    share = active / total
    return GroupFigure(total=total, active=active, share=share, meets=share >= target)


EXCLUDED = GroupFigure(total=None, active=None, share=None, meets=None)


def all_met(figures: list[GroupFigure]) -> bool | None:
    """True when every applicable figure meets; False as soon as one is known not to; None if unknown."""
    values = [f.meets for f in figures]
    if any(v is False for v in values):
        return False
    if any(v is None for v in values):
        return None
    return True


def is_preschool(organisation: Organisation) -> bool:
    return organisation.kind == OrganisationType.PRESCHOOL


def _applicable(organisation: Organisation, teachers, students, parents) -> list[GroupFigure]:
    return [teachers, parents] if is_preschool(organisation) else [teachers, students, parents]


# --- sources ---------------------------------------------------------------------------------------


def school_year_for(on: date) -> SchoolYear | None:
    return SchoolYear.objects.filter(start__lte=on, end__gte=on).order_by("-start").first()


def oo1_totals(*, on: date, organisation_ids: list[int]) -> dict[int, OrganisationStatistics]:
    """ОО-1 totals of the school year containing `on`, per organisation (one query, plus the year)."""
    year = school_year_for(on)
    if year is None or not organisation_ids:
        return {}
    rows = OrganisationStatistics.objects.filter(school_year=year, organisation_id__in=organisation_ids)
    return {row.organisation_id: row for row in rows}


def snapshots_on(*, on: date, organisation_ids: list[int]) -> dict[int, StatsSnapshot]:
    if not organisation_ids:
        return {}
    rows = StatsSnapshot.objects.filter(report_date=on, organisation_id__in=organisation_ids)
    return {row.organisation_id: row for row in rows}


def registration_counts(*, on: date, organisation_ids: list[int]) -> dict[int, dict[str, int]]:
    """R31 N, O, Q, S computed: distinct persons with an account (User) and an active membership on `on`
    in the organisation, per group («teachers» = Учитель and Сотрудник), plus "all" (every role, N).
    Two grouped queries. Organisations with nobody registered are absent."""
    if not organisation_ids:
        return {}
    base = (Membership.objects.active(on)
            .filter(organisation_id__in=organisation_ids, person__user__isnull=False))
    group_case = Case(*[When(role=role, then=Value(str(group))) for role, group in ROLE_GROUP.items()],
                      default=Value(""), output_field=CharField())
    result: dict[int, dict[str, int]] = {}
    rows = (base.filter(role__in=list(ROLE_GROUP)).annotate(group=group_case)
            .values("organisation_id", "group").order_by()
            .annotate(n=Count("person_id", distinct=True)).values_list("organisation_id", "group", "n"))
    for organisation_id, group, n in rows:
        result.setdefault(organisation_id, {"all": 0, **{g: 0 for g in GROUPS}})[group] = n
    for organisation_id, n in (base.values("organisation_id").order_by()
                               .annotate(n=Count("person_id", distinct=True)).values_list("organisation_id", "n")):
        result.setdefault(organisation_id, {"all": 0, **{g: 0 for g in GROUPS}})["all"] = n
    return result


def self_diagnosis_8_5(*, organisation: Organisation, registered: bool, teachers_total: int | None,
                       students_total: int | None, teachers_registered: int | None,
                       students_registered: int | None, teachers_active: int | None) -> int:
    """R34 criterion 8.5, 0–3, the highest level the known figures confirm (see the module docstring)."""
    if not registered:
        return 0
    if not teachers_total or teachers_registered is None:
        return 1
    need = SELF_DIAGNOSIS_REGISTERED_SHARE
    if teachers_registered / teachers_total < need:
        return 1
    if not is_preschool(organisation):
        if not students_total or students_registered is None or students_registered / students_total < need:
            return 1
    if teachers_registered >= teachers_total and teachers_active is not None and teachers_active >= teachers_total:
        return 3
    return 2


def scoped_organisations(*, actor: ActiveRole,
                         organisations: QuerySet[Organisation] | None = None) -> QuerySet[Organisation]:
    """VIEW_STATS and the actor's scope (R1): `organisations` narrowed to what the actor may see."""
    require(actor, Action.VIEW_STATS)
    scope = organisations_in_scope(actor)
    qs = scope if organisations is None else organisations.filter(pk__in=scope.values("pk"))
    return qs.select_related("municipality__region")


@dataclass
class Sources:
    """Everything the indicators and the A–Y table read for a set of organisations on a date: a fixed
    number of queries, whatever the number of organisations (no N+1)."""

    on: date
    snapshots: dict[int, StatsSnapshot]
    totals: dict[int, OrganisationStatistics]
    active: dict[int, dict[str, int]]
    registrations: dict[int, dict[str, int]]
    calls: dict[int, int] = field(default_factory=dict)  # R31 Y, read with the registrations

    def registrations_of(self, organisation_id: int) -> dict[str, int]:
        return self.registrations.get(organisation_id) or {"all": 0, **{g: 0 for g in GROUPS}}


def load_sources(organisations: list[Organisation], on: date, *, with_registrations: bool = True,
                 active: dict[int, dict[str, int]] | None = None) -> Sources:
    """`with_registrations=False` skips the registration counts (the costliest query): the shares do not
    need them, only self-diagnosis 8.5 and the A–Y columns N–T do. `active` passes counts already read
    (the weekly trend reads all weeks in one query)."""
    ids = [o.pk for o in organisations]
    snapshots = snapshots_on(on=on, organisation_ids=ids)
    missing = [pk for pk in ids if pk not in snapshots]
    if active is None:
        active = rollups.active_counts(on=on, organisation_ids=missing) if missing else {}
    return Sources(
        on=on, snapshots=snapshots,
        totals=oo1_totals(on=on, organisation_ids=missing),
        active=active,
        registrations=registration_counts(on=on, organisation_ids=missing) if with_registrations else {},
        calls=rollups.call_counts(on=on, organisation_ids=missing) if with_registrations and missing else {},
    )


def indicators_of(org: Organisation, sources: Sources) -> OrgIndicators:
    snap = sources.snapshots.get(org.pk)
    if snap is not None:
        source = SOURCE_IMPORT
        k, l, m = snap.teachers_total, snap.students_total, snap.parents_total
        x, u, v = snap.teachers_active, snap.students_active, snap.parents_active
        o_reg, q_reg = snap.teachers_registered, snap.students_registered
        registered = True  # the platform exported a row for it
    else:
        source = SOURCE_EVENTS
        oo1 = sources.totals.get(org.pk)
        k = oo1.teachers_total if oo1 else None
        l = oo1.students_total if oo1 else None
        m = l  # R31: 1 child = 1 parent
        counts = rollups.counts_for(sources.active, org.pk)
        x, u, v = counts["teachers"], counts["students"], counts["parents"]
        regs = sources.registrations_of(org.pk)
        o_reg, q_reg = regs["teachers"], regs["students"]
        registered = bool(org.messenger_org_id) or regs["all"] > 0
    teachers = group_figure(k, x, TARGETS["teachers"])
    students = EXCLUDED if is_preschool(org) else group_figure(l, u, TARGETS["students"])
    parents = group_figure(m, v, TARGETS["parents"])
    return OrgIndicators(
        organisation=org, on=sources.on, source=source, teachers=teachers, students=students, parents=parents,
        meets_all=all_met(_applicable(org, teachers, students, parents)),
        self_diagnosis_8_5=self_diagnosis_8_5(
            organisation=org, registered=registered, teachers_total=k, students_total=l,
            teachers_registered=o_reg, students_registered=q_reg, teachers_active=x),
    )


def _indicators_for(organisations: list[Organisation], on: date) -> list[OrgIndicators]:
    sources = load_sources(organisations, on)
    return [indicators_of(org, sources) for org in organisations]


def organisation_indicators(*, actor: ActiveRole, on: date,
                            organisations: QuerySet[Organisation] | None = None) -> list[OrgIndicators]:
    """R31–R34 for every organisation in `organisations` (default: all in the actor's scope) on `on`."""
    orgs = list(scoped_organisations(actor=actor, organisations=organisations)
                .order_by("municipality__name", "short_name", "pk"))
    return _indicators_for(orgs, on)


def municipality_summaries(rows: list[OrgIndicators]) -> list[MunicipalitySummary]:
    """The district indicator: the share of organisations meeting all three weekly targets."""
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for row in rows:
        entry = counts[row.organisation.municipality.name]
        entry[0] += 1
        entry[1] += 1 if row.meets_all else 0
    return [MunicipalitySummary(name=name, organisations=n, meeting_all=meeting, share=meeting / n if n else None)
            for name, (n, meeting) in sorted(counts.items())]


def combined_shares(rows: list[OrgIndicators]) -> dict[str, float | None]:
    """The organisations taken together: Σ active / Σ total per group over the rows where both are known
    (preschools' students are excluded because their students figure has no total)."""
    result: dict[str, float | None] = {}
    for group in GROUPS:
        active = total = 0
        for row in rows:
            fig = row.figure(group)
            if fig.total and fig.active is not None:
                active += fig.active
                total += fig.total
        result[group] = active / total if total else None
    return result


def weekly_trend(*, actor: ActiveRole, organisations: QuerySet[Organisation], end: date,
                 weeks: int = 12) -> list[TrendPoint]:
    """The weekly shares of the organisations taken together, for `weeks` report dates ending at `end`."""
    orgs = list(scoped_organisations(actor=actor, organisations=organisations))
    ids = [o.pk for o in orgs]
    # The trend is drawn on every dashboard request but moves only with late events and imports: it is kept
    # for TREND_CACHE_SECONDS, and ingest and import bump the version in its key (in the shared Redis cache
    # that reaches every server process; without Redis each process keeps its own copy). The key holds the
    # organisations themselves (after the scope check above), so one scope never reads another's.
    version = cache.get(_VERSION_KEY, 1)
    key = "stats:trend:" + hashlib.sha1(f"{version}:{end}:{weeks}:{sorted(ids)}".encode()).hexdigest()
    points = cache.get(key)
    if points is None:
        points = _weekly_trend(orgs, end=end, weeks=weeks)
        cache.set(key, points, TREND_CACHE_SECONDS)
    return points


def _weekly_trend(orgs: list[Organisation], *, end: date, weeks: int) -> list[TrendPoint]:
    ids = [o.pk for o in orgs]
    dates = [end - timedelta(days=7 * i) for i in range(weeks - 1, -1, -1)]
    # A fixed handful of queries for all the weeks: the active counts, the snapshots, the school years and
    # their ОО-1 totals — not three queries a week. Shares only, so no registration counts.
    weekly = rollups.active_counts_weekly(ends=dates, organisation_ids=ids)
    snapshots: dict[date, dict[int, StatsSnapshot]] = {on: {} for on in dates}
    for snap in StatsSnapshot.objects.filter(report_date__in=dates, organisation_id__in=ids):
        snapshots[snap.report_date][snap.organisation_id] = snap
    years = list(SchoolYear.objects.filter(start__lte=dates[-1], end__gte=dates[0]).order_by("-start"))
    totals_by_year: dict[int, dict[int, OrganisationStatistics]] = {year.pk: {} for year in years}
    for row in OrganisationStatistics.objects.filter(school_year__in=years, organisation_id__in=ids):
        totals_by_year[row.school_year_id][row.organisation_id] = row
    points = []
    for on in dates:
        year = next((y for y in years if y.start <= on <= y.end), None)  # as school_year_for(): latest start
        sources = Sources(on=on, snapshots=snapshots[on], active=weekly[on], registrations={},
                          totals=totals_by_year.get(year.pk, {}) if year else {})
        shares = combined_shares([indicators_of(org, sources) for org in orgs])
        points.append(TrendPoint(on=on, **shares))
    return points


# --- the monthly criterion of R32 ----------------------------------------------------------------------


def monthly_criterion(*, actor: ActiveRole, month: date,
                      organisations: QuerySet[Organisation] | None = None) -> list[OrgMonthly]:
    """R32 (Р-240 of 06.10.2025) per organisation for the calendar month containing `month`: active persons
    from the monthly rollup against the ОО-1 totals of the school year of the month's first day."""
    first = rollups.month_start(month)
    orgs = list(scoped_organisations(actor=actor, organisations=organisations)
                .order_by("municipality__name", "short_name", "pk"))
    ids = [o.pk for o in orgs]
    totals = oo1_totals(on=first, organisation_ids=ids)
    active = rollups.active_month_counts(month=first, organisation_ids=ids) if ids else {}
    rows = []
    for org in orgs:
        oo1 = totals.get(org.pk)
        k = oo1.teachers_total if oo1 else None
        l = oo1.students_total if oo1 else None
        counts = rollups.counts_for(active, org.pk)
        teachers = group_figure(k, counts["teachers"], TARGETS["teachers"])
        students = EXCLUDED if is_preschool(org) else group_figure(l, counts["students"], TARGETS["students"])
        parents = group_figure(l, counts["parents"], TARGETS["parents"])
        rows.append(OrgMonthly(organisation=org, month=first, teachers=teachers, students=students, parents=parents,
                               uses_service=all_met(_applicable(org, teachers, students, parents))))
    return rows


def monthly_shares(rows: list[OrgMonthly]) -> tuple[list[MonthlyShare], MonthlyShare]:
    """Per municipality and in total (the region of the rows): the share of organisations using the
    service among those whose criterion is known."""
    groups: dict[str, list[OrgMonthly]] = defaultdict(list)
    for row in rows:
        groups[row.organisation.municipality.name].append(row)

    def share(name: str, items: list[OrgMonthly]) -> MonthlyShare:
        known = [r for r in items if r.uses_service is not None]
        using = sum(1 for r in known if r.uses_service)
        return MonthlyShare(name=name, organisations=len(items), known=len(known), using=using,
                            share=using / len(known) if known else None)

    return [share(name, items) for name, items in sorted(groups.items())], share("Всего", rows)


# --- roadmap (R33) ---------------------------------------------------------------------------------------


def roadmap_status(*, actor: ActiveRole, region_id: int, on: date) -> list[RoadmapStageStatus]:
    """The region's roadmap stages (data, R33) with the current combined share of the stage's group over
    the region's organisations in the actor's scope on `on`, and whether it meets the stage's target.
    A stage without a numeric target or group (e.g. «the 2024/25 maximum») has meets None."""
    require(actor, Action.VIEW_STATS)
    stages = list(RoadmapStage.objects.filter(region_id=region_id).order_by("due_date", "number"))
    if not stages:
        return []
    rows = organisation_indicators(actor=actor, on=on,
                                   organisations=Organisation.objects.filter(municipality__region_id=region_id))
    shares = combined_shares(rows)
    result = []
    for stage in stages:
        current = shares.get(stage.group) if stage.group else None
        meets = None
        if current is not None and stage.target_share is not None:
            meets = Decimal(str(current)) >= stage.target_share
        result.append(RoadmapStageStatus(stage=stage, current=current, meets=meets,
                                         overdue=on > stage.due_date and meets is not True))
    return result
