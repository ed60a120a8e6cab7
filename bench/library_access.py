"""R15 at the size of a big school (part «access» of `python -m bench library`): one school of 200 teachers
with every condition failing for some of them, 10 lessons a teacher in the schedule, a subject or two each.

    measure() -> [{"title", "size", "seconds", "target", "ok"}]

Runs inside a migrated empty database with Django set up; builds its data with bulk inserts (not timed) and
prints nothing. Times are medians of repeated runs.
"""
from __future__ import annotations

import random
from datetime import date, timedelta

from bench.common import median_seconds

TEACHERS = 200
LESSONS_PER_TEACHER = 10
ONE_TARGET, REPORT_TARGET = 0.005, 0.200


def build_school(teachers: int = TEACHERS, seed: int = 15):
    """A school with `teachers` teachers (mixed conditions) and its schedule; returns (organisation, a ready
    teacher's person and membership)."""
    from django.utils import timezone

    from sreda.access.models import AccessGroup, AccessGroupMember, System
    from sreda.access.selectors import UB_TSOK_GROUP_CODE
    from sreda.core.identifiers import make_org_inn
    from sreda.library.models import ScheduleLesson
    from sreda.orgs.models import Municipality, Organisation, Region, ReportingPeriod, SchoolClass, SchoolYear, Subject
    from sreda.people.models import Confirmation, Membership, Person, person_sort_key
    from sreda.people.roles import Role

    rng = random.Random(seed)
    today = timezone.localdate()
    region, _ = Region.objects.get_or_create(name="Курская область", defaults={"code": "46"})
    municipality, _ = Municipality.objects.get_or_create(region=region, name="г. Курск")
    school = Organisation.objects.create(municipality=municipality, short_name="МБОУ СОШ № 200",
                                         full_name="Муниципальное бюджетное общеобразовательное учреждение "
                                                   "«Средняя общеобразовательная школа № 200»",
                                         inn=make_org_inn(rng, "46"))
    start_year = today.year if today.month >= 9 else today.year - 1
    year, _ = SchoolYear.objects.get_or_create(title=f"{start_year}/{start_year + 1}", defaults={
        "start": date(start_year, 9, 1), "end": date(start_year + 1, 8, 31)})
    ReportingPeriod.objects.create(school_year=year, title="Текущая четверть", start=today - timedelta(days=40),
                                   end=today + timedelta(days=40))
    SchoolClass.objects.bulk_create([SchoolClass(organisation=school, school_year=year, grade=g, letter=letter)
                                     for g in range(1, 12) for letter in "АБВ"])
    classes = list(SchoolClass.objects.filter(organisation=school))
    subjects = list(Subject.objects.all()) or [Subject.objects.create(name="Математика", supported=True)]
    group = AccessGroup.objects.filter(code=UB_TSOK_GROUP_CODE).first()
    if group is None:
        system = System.objects.create(name="Госуслуги Моя школа", owner_name="Минцифры России", code="bench-system")
        group = AccessGroup.objects.create(system=system, name="Педагоги. Доступ к УБ ЦОК", code=UB_TSOK_GROUP_CODE)

    Person.objects.bulk_create([
        Person(surname=f"Учителева{i:04d}", name="Анна", patronymic="Ивановна", account_confirmed=i % 10 != 9,
               sort_key=person_sort_key(f"Учителева{i:04d}", "Анна", "Ивановна")) for i in range(teachers)
    ], batch_size=500)
    people = list(Person.objects.filter(surname__startswith="Учителева").order_by("pk").values_list("pk", flat=True))
    ready = people[0]  # every condition holds for the first one
    mix = {pk: (pk == ready or rng.random() > 0.2, pk == ready or rng.random() > 0.25,
                "published" if pk == ready else rng.choice(["published", "published", "draft", None]))
           for pk in people}
    Membership.objects.bulk_create([
        Membership(person_id=pk, organisation=school, role=Role.TEACHER,
                   confirmation=Confirmation.CONFIRMED if confirmed else Confirmation.PENDING)
        for pk, (confirmed, _g, _l) in mix.items()
    ], batch_size=500)
    links = Membership.subjects.through
    links.objects.bulk_create([links(membership_id=m, subject_id=rng.choice(subjects).pk)
                               for m in Membership.objects.filter(organisation=school).values_list("pk", flat=True)])
    AccessGroupMember.objects.bulk_create([AccessGroupMember(group=group, organisation=school, person_id=pk)
                                           for pk, (_c, in_group, _l) in mix.items() if in_group])
    now = timezone.now()
    ScheduleLesson.objects.bulk_create([
        ScheduleLesson(organisation=school, day=today - timedelta(days=n), number=n % 7 + 1,
                       school_class=rng.choice(classes), subject=rng.choice(subjects), teacher_id=pk,
                       published_at=now if lessons == "published" else None)
        for pk, (_c, _g, lessons) in mix.items() if lessons for n in range(LESSONS_PER_TEACHER)
    ], batch_size=1000)
    return school, Person.objects.get(pk=ready), Membership.objects.select_related("organisation").get(person_id=ready)


def measure() -> list[dict]:
    from sreda.core.active_role import for_membership
    from sreda.library.access import library_access_for
    from sreda.library.access_report import access_report

    school, person, membership = build_school()
    active = for_membership(membership)
    assert library_access_for(person, active).allowed, "the ready teacher must be let in"
    one = median_seconds(lambda: library_access_for(person, active), repeat=200)
    rows = access_report(school)
    assert len(rows) == TEACHERS
    report = median_seconds(lambda: access_report(school), repeat=21)
    return [
        {"title": "R15: доступ одного учителя (library_access_for)", "size": 1, "seconds": one,
         "target": "< 5 мс", "ok": one < ONE_TARGET},
        {"title": f"R15: отчёт школы о доступе, {TEACHERS} учителей (access_report)", "size": TEACHERS,
         "seconds": report, "target": "< 200 мс", "ok": report < REPORT_TARGET},
    ]
