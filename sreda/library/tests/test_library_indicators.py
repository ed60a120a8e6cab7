"""R19: the library indicators of a school for a period, computed by hand on small schools.

Teachers count when they entered the library (LibraryVisit) AND assigned a lesson in the period; students
when they opened an assigned lesson in the period. Targets: ≥ 60 % and ≥ 30 %; exactly the target meets it."""
from __future__ import annotations

from datetime import date, datetime, timezone as dt_timezone
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sreda.core.active_role import system_operator
from sreda.core.testing import make_class, make_membership, make_municipality, make_organisation, make_person
from sreda.library.indicators import library_figures, library_indicators, municipality_summaries, summarise
from sreda.library.models import Assignment, AssignmentView, CatalogueItem, Course, LibraryVisit
from sreda.orgs.models import OrganisationType, Subject
from sreda.people.roles import Role

pytestmark = pytest.mark.django_db

FROM, TO = date(2025, 11, 1), date(2025, 11, 30)
MSK = ZoneInfo("Europe/Moscow")


def noon(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12, 0, tzinfo=MSK)


@pytest.fixture
def item():
    subject, _ = Subject.objects.get_or_create(name="Математика", defaults={"supported": True})
    course = Course.objects.create(title="Математика 5", subject=subject, grade=5)
    return CatalogueItem.objects.create(course=course, title="Дроби", grade=5, subject=subject)


class School:
    """A school with `teachers` teachers and `students` students (class 5А), memberships since August."""

    def __init__(self, item, *, teachers: int, students: int, kind=OrganisationType.GENERAL, municipality=None):
        self.item = item
        self.org = make_organisation(kind=kind, municipality=municipality or make_municipality())
        self.klass = make_class(organisation=self.org)
        since = {"start_date": date(2025, 8, 1)}
        self.teachers = [make_membership(person=make_person(), role=Role.TEACHER, organisation=self.org, **since).person
                         for _ in range(teachers)]
        self.students = [make_membership(person=make_person(), role=Role.STUDENT, organisation=self.org,
                                         school_class=self.klass, **since).person for _ in range(students)]

    def active_teacher(self, person, day=date(2025, 11, 10), visit_day=None):
        LibraryVisit.objects.create(person=person, organisation=self.org, day=visit_day or day)
        return Assignment.objects.create(item=self.item, organisation=self.org, school_class=self.klass,
                                         teacher=person, kind="homework", day=day, created_at=noon(day))

    def opened(self, student, assignment, day=date(2025, 11, 12)):
        AssignmentView.objects.create(assignment=assignment, student=student, organisation=self.org,
                                      opened_at=noon(day))

    def figures(self, date_from=FROM, date_to=TO):
        return library_indicators(actor=system_operator(), date_from=date_from, date_to=date_to,
                                  organisations=type(self.org).objects.filter(pk=self.org.pk))[0]


def test_r19_exactly_60_and_30_percent_meet_the_targets(item):
    """R19: 3 of 5 teachers (60 %) and 3 of 10 students (30 %) — exactly the targets — meet both."""
    school = School(item, teachers=5, students=10)
    assignment = None
    for teacher in school.teachers[:3]:
        assignment = school.active_teacher(teacher)
    for student in school.students[:3]:
        school.opened(student, assignment)
    school.opened(school.students[0], assignment, day=date(2025, 11, 20))  # a second opening counts once
    row = school.figures()
    assert (row.teachers.total, row.teachers.active, row.teachers.share, row.teachers.meets) == (5, 3, 0.6, True)
    assert (row.students.total, row.students.active, row.students.share, row.students.meets) == (10, 3, 0.3, True)
    assert row.meets_all is True


def test_r19_one_short_of_the_target_is_below_it(item):
    """R19: 2 of 5 teachers (40 %) miss the 60 % target; 2 of 10 students (20 %) miss 30 %."""
    school = School(item, teachers=5, students=10)
    assignment = school.active_teacher(school.teachers[0])
    school.active_teacher(school.teachers[1])
    for student in school.students[:2]:
        school.opened(student, assignment)
    row = school.figures()
    assert (row.teachers.active, row.teachers.meets) == (2, False)
    assert (row.students.active, row.students.meets) == (2, False)
    assert row.meets_all is False and row.below_target


def test_r19_a_teacher_needs_both_a_visit_and_an_assignment_in_the_period(item):
    """R19 «вошли и назначили»: a visit alone, an assignment alone, or either outside the period do not count."""
    school = School(item, teachers=5, students=1)
    a, b, c, d, e = school.teachers
    LibraryVisit.objects.create(person=a, organisation=school.org, day=date(2025, 11, 3))  # visit only
    Assignment.objects.create(item=item, organisation=school.org, school_class=school.klass, teacher=b,
                              kind="classwork", day=date(2025, 11, 3), created_at=noon(date(2025, 11, 3)))  # no visit
    school.active_teacher(c, day=date(2025, 10, 31))  # both, but in October
    school.active_teacher(d)  # counts
    school.active_teacher(e, visit_day=date(2025, 10, 20))  # assignment in the period, visit before it
    row = school.figures()
    assert (row.teachers.total, row.teachers.active) == (5, 1)


def test_r19_period_bounds_are_the_schools_local_days(item):
    """DOMAIN: days are local. An assignment at 23:30 Moscow time on 30.11 is in November although it is
    20:30 UTC; one at 00:10 Moscow time on 01.12 (21:10 UTC on 30.11) is not."""
    school = School(item, teachers=2, students=0)
    first, second = school.teachers
    LibraryVisit.objects.create(person=first, organisation=school.org, day=date(2025, 11, 30))
    LibraryVisit.objects.create(person=second, organisation=school.org, day=date(2025, 11, 30))
    Assignment.objects.create(item=item, organisation=school.org, school_class=school.klass, teacher=first,
                              kind="homework", day=date(2025, 12, 1),
                              created_at=datetime(2025, 11, 30, 20, 30, tzinfo=dt_timezone.utc))
    Assignment.objects.create(item=item, organisation=school.org, school_class=school.klass, teacher=second,
                              kind="homework", day=date(2025, 12, 1),
                              created_at=datetime(2025, 11, 30, 21, 10, tzinfo=dt_timezone.utc))
    assert school.figures().teachers.active == 1


def test_r19_totals_of_zero_give_no_share(item):
    """R19: a school with no teachers and no students has share and meets None, and no verdict."""
    school = School(item, teachers=0, students=0)
    row = school.figures()
    assert (row.teachers.total, row.teachers.share, row.teachers.meets) == (0, None, None)
    assert (row.students.total, row.students.share, row.students.meets) == (0, None, None)
    assert row.meets_all is None and not row.below_target


def test_r19_totals_are_the_roles_active_at_the_end_of_the_period(item):
    """R19: a teacher who left before date_to and a student who joined after it are not counted."""
    school = School(item, teachers=2, students=2)
    make_membership(person=make_person(), role=Role.TEACHER, organisation=school.org,
                    start_date=date(2025, 8, 1), end_date=date(2025, 11, 15))
    make_membership(person=make_person(), role=Role.STUDENT, organisation=school.org, school_class=school.klass,
                    start_date=date(2025, 12, 5))
    row = school.figures()
    assert (row.teachers.total, row.students.total) == (2, 2)


def test_r19_preschool_counts_teachers_only(item):
    """R19 (as R32): a preschool's students are not counted; teachers alone decide."""
    school = School(item, teachers=5, students=10, kind=OrganisationType.PRESCHOOL)
    for teacher in school.teachers[:3]:
        school.active_teacher(teacher)
    row = school.figures()
    assert row.students.total is None and row.students.meets is None
    assert row.teachers.meets is True and row.meets_all is True


def test_r19_municipality_counts_schools_meeting_both_among_known_and_sums_shares(item):
    """R19 per municipality: schools meeting both / schools with known figures; shares summed over schools."""
    place = make_municipality(name="Тестовый район")
    good = School(item, teachers=5, students=10, municipality=place)
    for teacher in good.teachers[:3]:
        assignment = good.active_teacher(teacher)
    for student in good.students[:3]:
        good.opened(student, assignment)
    School(item, teachers=5, students=10, municipality=place)  # nothing: below
    School(item, teachers=0, students=0, municipality=place)  # unknown
    rows = library_indicators(actor=system_operator(), date_from=FROM, date_to=TO,
                              organisations=type(good.org).objects.filter(municipality=place))
    [summary] = municipality_summaries(rows)
    assert (summary.organisations, summary.known, summary.meeting_all, summary.share) == (3, 2, 1, 0.5)
    assert summary.teachers_share == 3 / 10 and summary.students_share == 3 / 20
    assert summarise("Всего", rows).meeting_all == 1


def test_r19_query_count_does_not_grow_with_schools(item):
    """The indicators of many schools take a fixed number of queries (no N+1)."""
    schools = [School(item, teachers=2, students=2) for _ in range(2)]

    def count() -> int:
        orgs = list(type(schools[0].org).objects.select_related("municipality__region"))
        with CaptureQueriesContext(connection) as queries:
            library_figures(orgs, FROM, TO)
        return len(queries)

    few = count()
    for _ in range(5):
        school = School(item, teachers=3, students=3)
        school.opened(school.students[0], school.active_teacher(school.teachers[0]))
    assert count() == few == 3
