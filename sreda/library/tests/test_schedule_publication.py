"""R14 «Выгрузка МояШкола»: success (progress 100, lessons published, in batches), each failure with its
message and whom to contact, warnings for lessons left out; and R15 condition 5 follows the publication."""
from datetime import timedelta

import pytest
from django.utils import timezone

from sreda.core import active_role as ar
from sreda.core.testing import make_person
from sreda.library.access import NO_LESSONS_IN_SCHEDULE, library_access_for
from sreda.library.models import ScheduleLesson, TaskStatus
from sreda.library.publication import NO_LESSONS, NO_PERIODS, NOTHING_FITS, publication_start, publication_warnings
from sreda.library.tests.test_schedule_support import add_lesson, build_school
from sreda.people.models import Membership
from sreda.people.roles import Role

pytestmark = pytest.mark.django_db


def start(school):
    return publication_start(actor=ar.for_membership(school.admin_membership, user=school.admin),
                             organisation=school.organisation)


def test_r14_publication_publishes_every_lesson_and_reaches_100_percent():
    school = build_school()
    for number in range(1, 8):
        add_lesson(school, number=number)
    row = start(school)
    assert (row.status, row.progress, row.lessons) == (TaskStatus.DONE, 100, 7)
    assert "Выгружено 7 уроков" in row.message and row.contact == ""
    assert not ScheduleLesson.objects.filter(published_at__isnull=True).exists()


def test_r14_publication_in_small_batches_reports_the_same_result():
    from sreda.library.models import SchedulePublication
    from sreda.library.publication import publication_run

    school = build_school()
    for number in range(1, 6):
        add_lesson(school, number=number)
    row = SchedulePublication.objects.create(organisation=school.organisation)
    row = publication_run(publication_id=row.pk, batch_size=2)
    assert (row.status, row.progress, row.lessons) == (TaskStatus.DONE, 100, 5)


def test_r14_no_reporting_period_fails_with_message_and_the_school_administrator_as_contact():
    school = build_school(with_period=False)
    school.admin.person.email = "admin@school7.ru"
    school.admin.person.save()
    add_lesson(school)
    row = start(school)
    assert row.status == TaskStatus.FAILED and row.message == NO_PERIODS
    assert row.contact.startswith("Администратор школы ") and "admin@school7.ru" in row.contact
    assert ScheduleLesson.objects.get().published_at is None


def test_r14_no_lessons_fails_with_message_and_contact():
    school = build_school()
    row = start(school)
    assert row.status == TaskStatus.FAILED and row.message == NO_LESSONS
    assert school.admin.person.full_name in row.contact


def test_r14_without_any_school_leader_the_contact_is_the_operator_support_address(settings):
    settings.DEFAULT_FROM_EMAIL = "Поддержка Среды <support@sreda.example>"
    school = build_school()
    Membership.objects.filter(pk=school.admin_membership.pk).update(end_date=timezone.localdate() - timedelta(days=1))
    operator = ar.ActiveRole(user=None, key=ar.PLATFORM_OPERATOR)
    row = publication_start(actor=operator, organisation=school.organisation)
    assert row.status == TaskStatus.FAILED and "support@sreda.example" in row.contact


def test_r14_lessons_outside_periods_or_with_a_non_teacher_are_warnings_and_stay_unpublished():
    school = build_school()
    good = add_lesson(school)
    outside = add_lesson(school, day=school.period.end + timedelta(days=1), number=2)
    stranger = make_person(surname="Чужаков", name="Олег", patronymic="")
    foreign = add_lesson(school, teacher=stranger, number=3)
    row = start(school)
    assert row.status == TaskStatus.DONE and row.lessons == 1
    assert "Не выгружено 2 урока" in row.message and row.contact
    for lesson in (good, outside, foreign):
        lesson.refresh_from_db()
    assert good.published_at and outside.published_at is None and foreign.published_at is None
    reasons = {w.lesson.pk: w.reason for w in publication_warnings(school.organisation)}
    assert reasons == {outside.pk: "дата вне отчётных периодов учебного года",
                       foreign.pk: "Чужаков Олег не числится учителем школы"}


def test_r14_nothing_publishable_is_a_failure_that_says_what_to_fix():
    school = build_school()
    add_lesson(school, day=school.period.end + timedelta(days=2))
    row = start(school)
    assert row.status == TaskStatus.FAILED and row.message == NOTHING_FITS


def test_r15_condition_5_follows_publication_and_an_edit_unpublishes():
    from sreda.library.schedule import lesson_save

    school = build_school()
    teacher_membership = Membership.objects.get(person=school.petrova, role=Role.TEACHER)
    teacher_role = ar.ActiveRole(user=None, key=f"m:{teacher_membership.pk}", membership=teacher_membership)
    lesson = add_lesson(school)
    assert NO_LESSONS_IN_SCHEDULE in library_access_for(school.petrova, teacher_role).codes
    start(school)
    assert NO_LESSONS_IN_SCHEDULE not in library_access_for(school.petrova, teacher_role).codes
    lesson_save(actor=ar.for_membership(school.admin_membership, user=school.admin), organisation=school.organisation,
                lesson=lesson, day=lesson.day, number=5, school_class=lesson.school_class, subject=lesson.subject,
                teacher=lesson.teacher)
    lesson.refresh_from_db()
    assert lesson.published_at is None and lesson.number == 5
    assert NO_LESSONS_IN_SCHEDULE in library_access_for(school.petrova, teacher_role).codes
