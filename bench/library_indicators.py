"""R19 at the size of a region (part «indicators» of `python -m bench library`): 1,000 schools in 20
districts (two time zones), each with 20 teachers and 120 students; over the month some teachers entered the
library and assigned lessons, and some students opened them.

    measure() -> [{"title", "size", "seconds", "target", "ok"}]

Runs inside a migrated empty database with Django set up; builds its data with bulk inserts (not timed) and
prints nothing. The time is the median of 3 runs of `library_indicators` for every school (as the operator).
"""
from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bench.common import median_seconds

SCHOOLS = 1000
DISTRICTS = 20
TEACHERS = 20
STUDENTS = 120
TARGET = 1.0
DATE_FROM, DATE_TO = date(2025, 11, 1), date(2025, 11, 30)


def build(schools: int = SCHOOLS, seed: int = 19) -> None:
    """The region, bulk: schools, one class each, teachers and students with memberships, assignments,
    openings and library visits in November 2025."""
    from sreda.core.identifiers import make_org_inn
    from sreda.library.models import Assignment, AssignmentView, CatalogueItem, Course, LibraryVisit
    from sreda.orgs.models import Municipality, Organisation, Region, SchoolClass, SchoolYear, Subject
    from sreda.people.models import Membership, Person, person_sort_key
    from sreda.people.roles import Role

    rng = random.Random(seed)
    regions = [Region.objects.create(name="Бенч-область", code="46", timezone="Europe/Moscow"),
               Region.objects.create(name="Бенч-край", code="24", timezone="Asia/Krasnoyarsk")]
    districts = Municipality.objects.bulk_create([
        Municipality(region=regions[i % 2], name=f"Район {i:02d}") for i in range(DISTRICTS)])
    inns = set()
    while len(inns) < schools:
        inns.add(make_org_inn(rng, "46"))
    Organisation.objects.bulk_create([
        Organisation(municipality=districts[i % DISTRICTS], short_name=f"МБОУ СОШ № {i}", inn=inn,
                     full_name=f"Муниципальное бюджетное общеобразовательное учреждение «СОШ № {i}»")
        for i, inn in enumerate(sorted(inns))], batch_size=500)
    orgs = list(Organisation.objects.order_by("pk"))
    zone_of = {d.pk: ZoneInfo(d.region.timezone) for d in districts}
    year = SchoolYear.objects.create(title="2025/2026", start=date(2025, 9, 1), end=date(2026, 8, 31))
    SchoolClass.objects.bulk_create([SchoolClass(organisation=o, school_year=year, grade=5, letter="А") for o in orgs],
                                    batch_size=500)
    class_of = dict(SchoolClass.objects.values_list("organisation_id", "pk"))
    subject, _ = Subject.objects.get_or_create(name="Математика", defaults={"supported": True})
    course = Course.objects.create(title="Математика 5", subject=subject, grade=5)
    item = CatalogueItem.objects.create(course=course, title="Дроби", grade=5, subject=subject)

    per_school = TEACHERS + STUDENTS
    Person.objects.bulk_create([
        Person(surname=f"Бенч{n:07d}", name="Анна", patronymic="", sort_key=person_sort_key(f"Бенч{n:07d}", "Анна", ""))
        for n in range(len(orgs) * per_school)], batch_size=2000)
    people = list(Person.objects.filter(surname__startswith="Бенч").order_by("pk").values_list("pk", flat=True))
    since = date(2025, 8, 1)
    members, assignments, visits = [], [], []
    teachers_of: dict[int, list[int]] = {}
    students_of: dict[int, list[int]] = {}
    for index, org in enumerate(orgs):
        chunk = people[index * per_school:(index + 1) * per_school]
        teachers_of[org.pk], students_of[org.pk] = chunk[:TEACHERS], chunk[TEACHERS:]
        members += [Membership(person_id=p, organisation=org, role=Role.TEACHER, start_date=since)
                    for p in chunk[:TEACHERS]]
        members += [Membership(person_id=p, organisation=org, role=Role.STUDENT, school_class_id=class_of[org.pk],
                               start_date=since) for p in chunk[TEACHERS:]]
        level = rng.uniform(0.3, 0.9)  # each school its own adoption: some above the targets, some below
        zone = zone_of[org.municipality_id]  # assigned in the school's working hours, local time
        for teacher in chunk[:TEACHERS]:
            if rng.random() < level:
                day = DATE_FROM + timedelta(days=rng.randrange(30))
                visits.append(LibraryVisit(person_id=teacher, organisation=org, day=day))
                for _ in range(rng.randint(1, 3)):
                    assignments.append(Assignment(
                        item=item, organisation=org, school_class_id=class_of[org.pk], teacher_id=teacher,
                        kind="homework", day=day, created_at=datetime.combine(day, datetime.min.time(), zone)
                        + timedelta(hours=rng.randint(8, 20))))
    Membership.objects.bulk_create(members, batch_size=2000)
    LibraryVisit.objects.bulk_create(visits, batch_size=2000)
    Assignment.objects.bulk_create(assignments, batch_size=2000)
    by_org: dict[int, list[int]] = {}
    for pk, org_id in Assignment.objects.values_list("pk", "organisation_id"):
        by_org.setdefault(org_id, []).append(pk)
    views = []
    for org in orgs:
        if org.pk not in by_org:
            continue
        level = rng.uniform(0.1, 0.6)
        for student in students_of[org.pk]:
            if rng.random() < level:
                for _ in range(rng.randint(1, 2)):
                    views.append(AssignmentView(
                        assignment_id=rng.choice(by_org[org.pk]), student_id=student, organisation=org,
                        opened_at=datetime(2025, 11, rng.randint(1, 30), rng.randint(8, 21), tzinfo=ZoneInfo("UTC"))))
    AssignmentView.objects.bulk_create(views, batch_size=2000)
    from django.db import connection

    if connection.vendor == "postgresql":
        # A live PostgreSQL has table statistics (autovacuum gathers them); rows bulk-inserted a moment ago do
        # not yet. SQLite keeps none unless told, as in production: it is measured without.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def measure() -> list[dict]:
    from sreda.core.active_role import system_operator
    from sreda.library.indicators import library_indicators

    build()
    actor = system_operator()
    rows: list = []

    def run():
        rows[:] = library_indicators(actor=actor, date_from=DATE_FROM, date_to=DATE_TO)

    seconds = median_seconds(run)
    assert len(rows) == SCHOOLS and any(r.meets_all for r in rows) and any(r.meets_all is False for r in rows)
    return [{"title": f"R19: показатели {SCHOOLS:,} школ за месяц".replace(",", " "), "size": SCHOOLS,
             "seconds": seconds, "target": "< 1 с", "ok": seconds < TARGET}]
