"""The indicators of R31–R34 for organisations on a report date, from an imported platform snapshot when
there is one, otherwise from the activity rollups and ОО-1 totals. The dashboards and exports read
only this module.

CONTRACT (being built in issue 4): the dataclasses and function signatures below are what the table,
the CLI, the API and the dashboards use.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import QuerySet

from sreda.core.active_role import ActiveRole
from sreda.orgs.models import Organisation

# R32: the weekly targets.
TARGETS = {"teachers": 0.75, "students": 0.30, "parents": 0.30}


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


def organisation_indicators(*, actor: ActiveRole, on: date,
                            organisations: QuerySet[Organisation] | None = None) -> list[OrgIndicators]:
    """R31–R34 for every organisation in `organisations` (default: all in the actor's scope) on `on`."""
    raise NotImplementedError


def municipality_summaries(rows: list[OrgIndicators]) -> list[MunicipalitySummary]:
    """The district indicator: the share of organisations meeting all three weekly targets."""
    raise NotImplementedError


def weekly_trend(*, actor: ActiveRole, organisations: QuerySet[Organisation], end: date,
                 weeks: int = 12) -> list[TrendPoint]:
    """The weekly shares of the organisations taken together, for `weeks` report dates ending at `end`."""
    raise NotImplementedError
