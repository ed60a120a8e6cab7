"""The per-organisation statistics table, columns A–Y of R31, for a report date.

An organisation with an imported snapshot for the date shows the platform's row as it was exported
(blank text cells filled from Sreda's own card). Otherwise the row is computed:
  A the date; B short name; C type; D municipality; E region; F region code; G empty («не заполняется»);
  H the organisation's messenger id; I organisation.is_active; J = K + L + M; K, L from ОО-1 of the school
  year of the date, M = L; N, O, Q, S = persons with an account and an active membership of that group in
  the organisation (N: any role); P, R, T (linked to the e-journal) are not known to Sreda → empty;
  U, V, X from the activity rollups (7 days before the date); W the INN; Y teachers with a call in those 7 days (call events).
The column letters, model fields and Russian titles are those of the importer (stats/imports.py), so an
export of this table imports back unchanged.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Max, QuerySet
from django.utils import timezone

from sreda.core.active_role import ActiveRole
from sreda.orgs.models import Organisation
from sreda.stats import indicators as ind
from sreda.stats.imports import COLUMNS, LETTERS, TITLE_OF
from sreda.stats.models import StatsSnapshot

FIELD_OF_LETTER = {letter: field for letter, field, _title, _kind in COLUMNS}
TEXT_LETTERS = {letter for letter, _f, _t, kind in COLUMNS if kind in ("text", "code", "inn")}
# The three shares R32 judges, shown beside the table (X/K, U/L, V/M).
SHARE_KEYS = ("teachers", "students", "parents")
SHARE_TITLES = {"teachers": "Доля активных учителей (X/K)", "students": "Доля активных учеников (U/L)",
                "parents": "Доля активных родителей (V/M)"}
SORT_KEYS = (*LETTERS, *(f"share_{g}" for g in SHARE_KEYS))


@dataclass(frozen=True)
class TableRow:
    organisation: Organisation
    source: str  # "import" | "events"
    values: dict[str, object]  # letter → value (None = empty cell)
    indicators: ind.OrgIndicators

    def __getitem__(self, letter: str):
        return self.values[letter]

    @property
    def cells(self) -> list[object]:
        return [self.values[letter] for letter in LETTERS]

    def share(self, group: str) -> ind.GroupFigure:
        return self.indicators.figure(group)


def _sum(*numbers: int | None) -> int | None:
    return None if any(n is None for n in numbers) else sum(numbers)


def row_of(org: Organisation, sources: ind.Sources) -> TableRow:
    on = sources.on
    indicators = ind.indicators_of(org, sources)
    snap = sources.snapshots.get(org.pk)
    card = {
        "B": org.short_name, "C": org.get_kind_display(), "D": org.municipality.name,
        "E": org.municipality.region.name, "F": org.municipality.region.code, "G": "",
        "H": org.messenger_org_id, "W": org.inn,
    }
    if snap is not None:
        values = {letter: getattr(snap, FIELD_OF_LETTER[letter]) for letter in LETTERS}
        for letter, value in card.items():
            if letter != "G" and not values[letter]:
                values[letter] = value
        values["A"] = on
    else:
        oo1 = sources.totals.get(org.pk)
        k = oo1.teachers_total if oo1 else None
        l = oo1.students_total if oo1 else None
        regs = sources.registrations_of(org.pk)
        active = ind.rollups.counts_for(sources.active, org.pk)
        values = {
            "A": on, **card, "I": org.is_active,
            "J": _sum(k, l, l), "K": k, "L": l, "M": l,
            "N": regs["all"], "O": regs["teachers"], "P": None, "Q": regs["students"], "R": None,
            "S": regs["parents"], "T": None,
            "U": active["students"], "V": active["parents"], "X": active["teachers"],
            "Y": sources.calls.get(org.pk, 0),
        }
    return TableRow(organisation=org, source=indicators.source,
                    values={letter: values[letter] for letter in LETTERS}, indicators=indicators)


def latest_report_date(*, actor: ActiveRole) -> date:
    """The page's default date: the latest imported report date in the actor's scope, else today."""
    orgs = ind.scoped_organisations(actor=actor)
    latest = StatsSnapshot.objects.filter(organisation__in=orgs.values("pk")).aggregate(d=Max("report_date"))["d"]
    return latest or timezone.localdate()


def _sort_value(row: TableRow, key: str):
    if key.startswith("share_"):
        value = row.share(key[6:]).share
    else:
        value = row.values[key]
    if value is None or value == "":
        return (1, "")  # empty cells last, whatever the direction
    if isinstance(value, str):
        return (0, value.lower())
    return (0, value)


def sort_rows(rows: list[TableRow], sort: str | None) -> list[TableRow]:
    """Sort by a column letter or share key; «-K» descends. Empty cells go last both ways."""
    if not sort:
        return rows
    descending = sort.startswith("-")
    key = sort.lstrip("-")
    if key not in SORT_KEYS:
        return rows
    present = [r for r in rows if _sort_value(r, key)[0] == 0]
    empty = [r for r in rows if _sort_value(r, key)[0] == 1]
    present.sort(key=lambda r: _sort_value(r, key), reverse=descending)
    return present + empty


def statistics_table(*, actor: ActiveRole, on: date, organisations: QuerySet[Organisation] | None = None,
                     municipality_id: int | None = None, kind: str | None = None, below_target: bool = False,
                     sort: str | None = None) -> list[TableRow]:
    """The A–Y rows of the organisations in the actor's scope (VIEW_STATS) on `on`, filtered and sorted.
    A fixed number of queries whatever the number of rows."""
    qs = ind.scoped_organisations(actor=actor, organisations=organisations)
    if municipality_id:
        qs = qs.filter(municipality_id=municipality_id)
    if kind:
        qs = qs.filter(kind=kind)
    orgs = list(qs.order_by("municipality__name", "short_name", "pk"))
    sources = ind.load_sources(orgs, on)
    rows = [row_of(org, sources) for org in orgs]
    if below_target:
        rows = [r for r in rows if r.indicators.below_target]
    return sort_rows(rows, sort)


def header() -> list[str]:
    """The Russian titles of columns A–Y, as the seed names them."""
    return [TITLE_OF[letter] for letter in LETTERS]
