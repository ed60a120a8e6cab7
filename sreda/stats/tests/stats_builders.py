"""Builders for the indicator and table tests: ОО-1 totals, rollup rows and snapshot rows on the real
database. Rollup rows (ActiveDay / ActiveMonth) are written directly: the ingest that produces them is
tested by its own module; here the arithmetic on top of them is under test."""
from __future__ import annotations

from datetime import date, timedelta

from sreda.core.testing import make_school_year
from sreda.orgs.models import OrganisationStatistics
from sreda.people.models import Person
from sreda.stats.models import ActiveDay, ActiveMonth, StatsSnapshot


def make_oo1(organisation, *, teachers: int, students: int, year: str = "2025/2026") -> OrganisationStatistics:
    return OrganisationStatistics.objects.create(
        organisation=organisation, school_year=make_school_year(year), teachers_total=teachers, students_total=students)


def make_people(n: int) -> list[Person]:
    return Person.objects.bulk_create([Person(surname=f"Активный{i}", name="Тест") for i in range(n)])


def make_active(organisation, group: str, n: int, *, on: date, days_before: int = 1) -> list[Person]:
    """`n` distinct persons active in `group` on the day `days_before` days before report date `on`."""
    people = make_people(n)
    ActiveDay.objects.bulk_create([
        ActiveDay(organisation=organisation, group=group, person=p, day=on - timedelta(days=days_before)) for p in people
    ])
    return people


def make_active_month(organisation, group: str, n: int, *, month: date) -> None:
    ActiveMonth.objects.bulk_create([
        ActiveMonth(organisation=organisation, group=group, person=p, month=month.replace(day=1)) for p in make_people(n)
    ])


def make_snapshot(organisation, *, on: date, **figures) -> StatsSnapshot:
    defaults = {"short_name": organisation.short_name, "inn": organisation.inn}
    defaults.update(figures)
    return StatsSnapshot.objects.create(organisation=organisation, report_date=on, **defaults)
