"""Selectors over the activity rollups (R30–R32): who was active in the 7 local days before a report
date, and in a calendar month, per organisation and role group. Each answer is ONE grouped query over
ActiveDay / ActiveMonth (indexes `active_day_window`, `active_month_org`); the raw events are never
scanned here.

Result shape: {organisation_id: {"teachers": n, "students": n, "parents": n}} — every group key is
present (0 when nobody was active) for every organisation that had any activity; organisations with no
activity at all are absent (callers use `.get(org_id, EMPTY)` or `counts_for`).
"""
from __future__ import annotations

from datetime import date, timedelta

from django.db import connection
from django.db.models import Count

from sreda.stats.models import CALLS_GROUP, ActiveDay, ActiveMonth, RoleGroup

WINDOW_DAYS = 7  # R31: «active» = wrote during the 7 days before the report date
GROUPS: tuple[str, ...] = tuple(RoleGroup.values)  # ("teachers", "students", "parents")


def window(on: date) -> tuple[date, date]:
    """The local days counted for report date `on`: from on−7 to on−1 inclusive (`on` itself is not)."""
    return on - timedelta(days=WINDOW_DAYS), on - timedelta(days=1)


def month_start(day: date) -> date:
    return day.replace(day=1)


def empty_counts() -> dict[str, int]:
    return {group: 0 for group in GROUPS}


def counts_for(result: dict[int, dict[str, int]], organisation_id: int) -> dict[str, int]:
    """One organisation's counts from a result of `active_counts` / `active_month_counts` (zeros if absent)."""
    return result.get(organisation_id) or empty_counts()


def _collect(rows) -> dict[int, dict[str, int]]:
    result: dict[int, dict[str, int]] = {}
    for organisation_id, group, n in rows:
        result.setdefault(organisation_id, empty_counts())[group] = n
    return result


def active_counts(*, on: date, organisation_ids: list[int] | None = None) -> dict[int, dict[str, int]]:
    """Distinct persons active (R30) per organisation and group in the 7 local days before `on`
    (days on−7 … on−1). One query."""
    first, last = window(on)
    rows = ActiveDay.objects.filter(day__gte=first, day__lte=last, group__in=GROUPS)
    if organisation_ids is not None:
        rows = rows.filter(organisation_id__in=list(organisation_ids))
    rows = (rows.values("organisation_id", "group").order_by()
            .annotate(n=Count("person_id", distinct=True))
            .values_list("organisation_id", "group", "n"))
    return _collect(rows)


def call_counts(*, on: date, organisation_ids: list[int] | None = None) -> dict[int, int]:
    """R31 column Y: distinct teachers with at least one call in the 7 local days before `on`, per
    organisation (absent: none). One query."""
    first, last = window(on)
    rows = ActiveDay.objects.filter(day__gte=first, day__lte=last, group=CALLS_GROUP)
    if organisation_ids is not None:
        rows = rows.filter(organisation_id__in=list(organisation_ids))
    return dict(rows.values("organisation_id").order_by().annotate(n=Count("person_id", distinct=True))
                .values_list("organisation_id", "n"))


def active_month_counts(*, month: date, organisation_ids: list[int] | None = None) -> dict[int, dict[str, int]]:
    """Distinct persons active (R30) per organisation and group in the calendar month containing `month`
    (any day of it may be given). One query."""
    rows = ActiveMonth.objects.filter(month=month_start(month))
    if organisation_ids is not None:
        rows = rows.filter(organisation_id__in=list(organisation_ids))
    rows = (rows.values("organisation_id", "group").order_by()
            .annotate(n=Count("person_id"))  # (organisation, group, person, month) is unique
            .values_list("organisation_id", "group", "n"))
    return _collect(rows)


def active_counts_weekly(*, ends: list[date], organisation_ids: list[int] | None = None
                         ) -> dict[date, dict[int, dict[str, int]]]:
    """`active_counts` for several report dates at once — the weekly trend — in ONE query. The dates
    must be at least 7 days apart, so their windows do not overlap and each active day falls into one
    window (a CASE over the windows picks it)."""
    ends = sorted(set(ends))
    if any(later - earlier < timedelta(days=WINDOW_DAYS) for earlier, later in zip(ends, ends[1:])):
        raise ValueError("Report dates of a weekly series must be at least 7 days apart.")
    if not ends:
        return {}
    # Plain SQL: a page draws this trend on every request, and compiling a twelve-branch CASE through the
    # ORM cost more than running the query.
    qn = connection.ops.quote_name
    cases, params = [], []
    for on in ends:
        first, last = window(on)
        cases.append(f"WHEN {qn('day')} >= %s AND {qn('day')} <= %s THEN %s")
        params += [first, last, on]
    where = f"{qn('day')} >= %s AND {qn('day')} <= %s AND {qn('group')} IN (%s, %s, %s)"
    params += [window(ends[0])[0], window(ends[-1])[1], *GROUPS]
    if organisation_ids is not None:
        organisation_ids = list(organisation_ids)
        if not organisation_ids:
            return {on: {} for on in ends}
        where += f" AND {qn('organisation_id')} IN ({', '.join(['%s'] * len(organisation_ids))})"
        params += organisation_ids
    sql = (f"SELECT report_date, organisation_id, grp, COUNT(DISTINCT person_id) FROM ("
           f"SELECT CASE {' '.join(cases)} END AS report_date, {qn('organisation_id')} AS organisation_id, "
           f"{qn('group')} AS grp, {qn('person_id')} AS person_id FROM {qn(ActiveDay._meta.db_table)} "
           f"WHERE {where}) AS windows WHERE report_date IS NOT NULL GROUP BY report_date, organisation_id, grp")
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    result: dict[date, dict[int, dict[str, int]]] = {on: {} for on in ends}
    for on, organisation_id, group, n in rows:
        if isinstance(on, str):  # SQLite hands back the CASE's date as text
            on = date.fromisoformat(on)
        result[on].setdefault(organisation_id, empty_counts())[group] = n
    return result
