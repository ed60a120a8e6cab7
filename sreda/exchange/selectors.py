"""Reads of the exchange journal (issue #10, item 3): a school's runs, one run, and the health of every school
in the active role's scope — its last run of each kind, its last successful run, and two flags: «ошибка» (the
last run of some kind failed or had errors) and «нет обмена более суток» (no run in 24 hours, or never)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import BooleanField, Case, Exists, OuterRef, Q, QuerySet, Subquery, Value, When
from django.utils import timezone

from sreda.core.active_role import ActiveRole
from sreda.core.permissions import Action, can, organisations_in_scope, require
from sreda.core.text import fold
from sreda.exchange.models import PROBLEM_STATUSES, ExchangeRun, ExchangeState, RunKind, RunStatus
from sreda.orgs.models import Organisation

SILENT_AFTER = timedelta(hours=24)


def runs_for(*, actor: ActiveRole, organisation: Organisation, kind: str = "", status: str = "") -> QuerySet[ExchangeRun]:
    """The school's runs, newest first, optionally of one kind and one outcome (without the error lists)."""
    require(actor, Action.VIEW_EXCHANGE_HEALTH, organisation)
    qs = (ExchangeRun.objects.filter(organisation=organisation).defer("errors", "warnings")
          .select_related("created_by__person"))
    if kind in RunKind.values:
        qs = qs.filter(kind=kind)
    if status in RunStatus.values:
        qs = qs.filter(status=status)
    return qs.order_by("-started_at", "-id")


def access_run(*, actor: ActiveRole, run_id: int, organisation: Organisation | None = None) -> ExchangeRun | None:
    """One run, if the active role may see its school's journal; one «not found» for missing and forbidden."""
    qs = ExchangeRun.objects.select_related("organisation__municipality__region", "created_by__person")
    if organisation is not None:
        qs = qs.filter(organisation=organisation)
    run = qs.filter(pk=run_id).first()
    if run is None or not can(actor, Action.VIEW_EXCHANGE_HEALTH, run.organisation):
        return None
    return run


# --- the district: health of the schools in scope ----------------------------------------------------------

@dataclass(frozen=True)
class KindCell:
    kind: str
    label: str
    status: str | None  # None — never ran
    status_label: str
    finished_at: datetime | None
    run_id: int | None

    @property
    def problem(self) -> bool:
        return self.status in PROBLEM_STATUSES


@dataclass(frozen=True)
class HealthRow:
    organisation: Organisation
    failed: bool
    silent: bool
    last_at: datetime | None
    last_success_at: datetime | None
    last_success_run_id: int | None
    cells: tuple[KindCell, ...]

    @property
    def problem(self) -> bool:
        return self.failed or self.silent


def health_schools(*, actor: ActiveRole, problems_only: bool = False, query: str = "",
                   municipality_id: int | None = None, now: datetime | None = None) -> QuerySet[Organisation]:
    """The active schools in the role's scope with their flags, schools with problems first (failed, then
    silent), then by name. Two subqueries per school over ExchangeState (a row per school and kind)."""
    require(actor, Action.VIEW_EXCHANGE_HEALTH)
    now = now or timezone.now()
    states = ExchangeState.objects.filter(organisation=OuterRef("pk"))
    qs = organisations_in_scope(actor).filter(is_active=True).select_related("municipality")
    if municipality_id:
        qs = qs.filter(municipality_id=municipality_id)
    for word in fold(query).split():
        qs = qs.filter(search_text__contains=word)
    qs = qs.annotate(
        failed=Exists(states.filter(last_status__in=PROBLEM_STATUSES)),
        last_at=Subquery(states.order_by("-last_finished_at").values("last_finished_at")[:1]),
        last_success_at=Subquery(states.filter(last_success_at__isnull=False).order_by("-last_success_at")
                                 .values("last_success_at")[:1]),
        last_success_run_id=Subquery(states.filter(last_success_at__isnull=False).order_by("-last_success_at")
                                     .values("last_success_run_id")[:1]),
    ).annotate(silent=Case(When(Q(last_at__isnull=True) | Q(last_at__lt=now - SILENT_AFTER), then=Value(True)),
                           default=Value(False), output_field=BooleanField()))
    if problems_only:
        qs = qs.filter(Q(failed=True) | Q(silent=True))
    return qs.order_by("-failed", "-silent", "short_name", "pk")


def health_rows(schools) -> list[HealthRow]:
    """The page's schools (from `health_schools`) with their last run of each kind: one query for all of them."""
    schools = list(schools)
    by_school: dict[int, dict[str, ExchangeState]] = {}
    for state in ExchangeState.objects.filter(organisation_id__in=[s.pk for s in schools]):
        by_school.setdefault(state.organisation_id, {})[state.kind] = state
    rows = []
    for school in schools:
        states = by_school.get(school.pk, {})
        cells = []
        for kind, label in RunKind.choices:
            state = states.get(kind)
            cells.append(KindCell(kind, label, state.last_status if state else None,
                                  RunStatus(state.last_status).label if state else "не было",
                                  state.last_finished_at if state else None, state.last_run_id if state else None))
        rows.append(HealthRow(school, school.failed, school.silent, school.last_at, school.last_success_at,
                              school.last_success_run_id, tuple(cells)))
    return rows
