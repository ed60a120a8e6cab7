"""R15 for one person: each condition failing alone (its code, message and who fixes it), several at once in
R15 order, the course condition (6), roles that are not a teacher's, and the live re-check of the entrance."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from sreda.access.models import AccessGroupMember
from sreda.access.tests.factories import ub_tsok_group
from sreda.core.testing import act_as, active_role_of, make_class, make_membership, make_organisation, make_person, make_user
from sreda.library import access as acc
from sreda.library.access import library_access_for
from sreda.library.models import Course, LibraryVisit, ScheduleLesson
from sreda.orgs.models import ReportingPeriod, SchoolClass, SchoolYear, Subject
from sreda.people.models import Confirmation
from sreda.people.roles import Role

pytestmark = pytest.mark.django_db


# --- builders (the report, API and browser tests use them too) ---------------------------------------------

def current_period(today: date | None = None) -> ReportingPeriod:
    """A school year and a common reporting period around today (R14)."""
    today = today or timezone.localdate()
    start_year = today.year if today.month >= 9 else today.year - 1
    year, _ = SchoolYear.objects.get_or_create(
        title=f"{start_year}/{start_year + 1}",
        defaults={"start": date(start_year, 9, 1), "end": date(start_year + 1, 8, 31)})
    period, _ = ReportingPeriod.objects.get_or_create(
        school_year=year, organisation=None, title="Текущий период",
        defaults={"start": today - timedelta(days=30), "end": today + timedelta(days=30)})
    return period


def subject(name: str = "Математика", supported: bool = True) -> Subject:
    found, _ = Subject.objects.get_or_create(name=name, defaults={"supported": supported})
    return found


def add_lesson(*, teacher, organisation, published: bool = True, day: date | None = None,
               subject_name: str = "Математика", school_class=None) -> ScheduleLesson:
    current_period()
    if school_class is None:
        year = current_period().school_year
        school_class = (SchoolClass.objects.filter(organisation=organisation, school_year=year).first()
                        or make_class(organisation=organisation, school_year=year))
    return ScheduleLesson.objects.create(
        organisation=organisation, day=day or timezone.localdate(), school_class=school_class,
        subject=subject(subject_name), teacher=teacher, published_at=timezone.now() if published else None)


def add_to_group(person, organisation) -> None:
    AccessGroupMember.objects.create(group=ub_tsok_group(), organisation=organisation, person=person)


def teacher(organisation=None, *, role: str = Role.TEACHER, confirmed: bool = True, in_group: bool = True,
            lessons: str | None = "published", username: str | None = None, **person_fields):
    """A signed-up school employee (a ready teacher by default): (user, membership). `lessons`: "published",
    "draft" or None; `person_fields`: surname, name… of the person."""
    organisation = organisation or make_organisation()
    person_fields.setdefault("account_confirmed", True)  # R15.1: Госуслуги/ЕСИА status
    user = make_user(person=make_person(**person_fields), **({"username": username} if username else {}))
    membership = make_membership(person=user.person, role=role, organisation=organisation,
                                 confirmation=Confirmation.CONFIRMED if confirmed else Confirmation.PENDING)
    if in_group:
        add_to_group(user.person, organisation)
    if lessons:
        add_lesson(teacher=user.person, organisation=organisation, published=lessons == "published")
    return user, membership


def student(school):
    user = make_user(person=make_person(account_confirmed=True))
    return user, make_membership(person=user.person, role=Role.STUDENT, organisation=school,
                                 school_class=make_class(organisation=school))


def check(user, membership=None, course=None):
    return library_access_for(user.person, active_role_of(user, membership), course)


# --- each condition alone --------------------------------------------------------------------------------

def test_r15_a_ready_teacher_is_let_in():
    user, membership = teacher()
    result = check(user, membership)
    assert result.allowed and result.reasons == ()
    assert result.organisation == membership.organisation


def test_r15_1_unconfirmed_role_alone_names_the_director():
    user, membership = teacher(confirmed=False)
    result = check(user, membership)
    assert result.codes == [acc.ACCOUNT_NOT_CONFIRMED]
    reason = result.reasons[0]
    assert "ещё не подтверждена" in reason.message and membership.organisation.short_name in reason.message
    assert reason.fixed_by == acc.BY_DIRECTOR


def test_r15_1_rejected_teacher_role_is_neither_confirmed_nor_a_teacher():
    user, membership = teacher()
    membership.confirmation = Confirmation.REJECTED
    membership.save()
    assert check(user, membership).codes == [acc.ACCOUNT_NOT_CONFIRMED, acc.NOT_A_TEACHER]


def test_r15_2_private_person_alone_is_told_to_switch_role_themself():
    user, _membership = teacher()
    result = check(user, None)  # signed in as «Частное лицо»
    assert result.codes == [acc.PRIVATE_PERSON_ROLE]
    assert "частное лицо" in result.reasons[0].message and "Смените роль" in result.reasons[0].message
    assert result.reasons[0].fixed_by == acc.BY_YOURSELF
    assert result.organisation is not None  # the teacher's school, so the rest is checked there too


def test_r15_1_an_unconfirmed_account_alone_is_for_the_person_to_confirm():
    """The seed: «убедитесь, что ваша учетная запись от Госуслуг имеет подтвержденный статус»."""
    user, membership = teacher(account_confirmed=False)
    result = check(user, membership)
    assert result.codes == [acc.ACCOUNT_NOT_CONFIRMED]
    assert result.reasons[0].fixed_by == acc.BY_YOURSELF
    assert "Госуслуги" in result.reasons[0].message


def test_r15_1_account_and_role_both_unconfirmed_give_two_reasons_each_with_who_fixes_it():
    user, membership = teacher(account_confirmed=False, confirmed=False)
    result = check(user, membership)
    assert result.codes == [acc.ACCOUNT_NOT_CONFIRMED, acc.ACCOUNT_NOT_CONFIRMED]
    assert [r.fixed_by for r in result.reasons] == [acc.BY_YOURSELF, acc.BY_DIRECTOR]


def test_r15_2_student_role_is_named_in_the_reason():
    school = make_organisation()
    user, membership = student(school)
    result = check(user, membership)
    assert result.codes[0] == acc.PRIVATE_PERSON_ROLE
    assert "«Обучающийся — " in result.reasons[0].message


def test_r15_3_not_in_the_access_group_alone_names_the_administrator():
    user, membership = teacher(in_group=False)
    result = check(user, membership)
    assert result.codes == [acc.NOT_IN_ACCESS_GROUP]
    assert "«Педагоги. Доступ к УБ ЦОК»" in result.reasons[0].message
    assert result.reasons[0].fixed_by == acc.BY_ADMINISTRATOR


def test_r15_3_a_removed_member_is_out_again():
    user, membership = teacher()
    AccessGroupMember.objects.filter(person=user.person).update(removed_at=timezone.now())
    assert check(user, membership).codes == [acc.NOT_IN_ACCESS_GROUP]


def test_r15_4_staff_who_is_not_a_teacher_alone_is_sent_to_the_director():
    user, membership = teacher(role=Role.STAFF)
    result = check(user, membership)
    assert result.codes == [acc.NOT_A_TEACHER]
    assert "не числитесь учителем" in result.reasons[0].message
    assert result.reasons[0].fixed_by == acc.BY_DIRECTOR


def test_r15_4_administrator_who_also_teaches_is_told_to_switch_role():
    user, admin = teacher(role=Role.ADMINISTRATOR)
    make_membership(person=user.person, role=Role.TEACHER, organisation=admin.organisation,
                    confirmation=Confirmation.CONFIRMED)
    result = check(user, admin)
    assert result.codes == [acc.NOT_A_TEACHER]
    assert "Смените роль на «Учитель»" in result.reasons[0].message
    assert result.reasons[0].fixed_by == acc.BY_YOURSELF


def test_r15_4_administrator_who_does_not_teach_is_told_both_steps():
    user, admin = teacher(role=Role.ADMINISTRATOR)
    result = check(user, admin)
    assert result.codes == [acc.NOT_A_TEACHER]
    assert "«Администратор ОО»" in result.reasons[0].message and "смените роль" in result.reasons[0].message
    assert result.reasons[0].fixed_by == acc.BY_DIRECTOR


def test_r15_5_no_lesson_alone_asks_for_the_schedule():
    user, membership = teacher(lessons=None)
    result = check(user, membership)
    assert result.codes == [acc.NO_LESSONS_IN_SCHEDULE]
    assert "не добавлено расписание" in result.reasons[0].message
    assert result.reasons[0].fixed_by == acc.BY_ADMINISTRATOR


def test_r15_5_unpublished_lessons_point_to_the_publication_task():
    user, membership = teacher(lessons="draft")
    result = check(user, membership)
    assert result.codes == [acc.NO_LESSONS_IN_SCHEDULE]
    assert "«Выгрузка МояШкола»" in result.reasons[0].message


def test_r15_5_a_lesson_outside_every_reporting_period_does_not_count():
    user, membership = teacher(lessons=None)
    period = current_period()
    add_lesson(teacher=user.person, organisation=membership.organisation, day=period.end + timedelta(days=1))
    assert check(user, membership).codes == [acc.NO_LESSONS_IN_SCHEDULE]


def test_r15_5_a_lesson_at_another_school_does_not_count():
    user, membership = teacher(lessons=None)
    add_lesson(teacher=user.person, organisation=make_organisation())
    assert check(user, membership).codes == [acc.NO_LESSONS_IN_SCHEDULE]


# --- the course (condition 6) --------------------------------------------------------------------------------

def course_of(name: str, supported: bool = True) -> Course:
    return Course.objects.create(title=f"{name}, 7 класс", subject=subject(name, supported), grade=7)


def test_r15_6_subject_off_the_supported_list_is_for_the_operator():
    user, membership = teacher()
    result = check(user, membership, course_of("Основы безопасности жизнедеятельности", supported=False))
    assert result.codes == [acc.SUBJECT_NOT_SUPPORTED]
    assert "нет в списке предметов библиотеки" in result.reasons[0].message
    assert result.reasons[0].fixed_by == acc.BY_OPERATOR


def test_r15_6_supported_subject_they_do_not_teach_is_for_the_administrator():
    user, membership = teacher()  # teaches Математика by the schedule
    result = check(user, membership, course_of("Физика"))
    assert result.codes == [acc.SUBJECT_NOT_SUPPORTED]
    assert "не ведёте «Физика»" in result.reasons[0].message
    assert result.reasons[0].fixed_by == acc.BY_ADMINISTRATOR


def test_r15_6_subject_taught_by_schedule_or_by_role_opens_the_course():
    user, membership = teacher()
    assert check(user, membership, course_of("Математика")).allowed  # from the schedule
    membership.subjects.add(subject("Химия"))
    assert check(user, membership, course_of("Химия")).allowed  # from the role's subjects


# --- several at once ----------------------------------------------------------------------------------------

def test_r15_several_reasons_come_in_r15_order():
    user, membership = teacher(confirmed=False, in_group=False, lessons="draft")
    result = check(user, membership, course_of("Физика"))
    assert result.codes == [acc.ACCOUNT_NOT_CONFIRMED, acc.NOT_IN_ACCESS_GROUP, acc.NO_LESSONS_IN_SCHEDULE,
                            acc.SUBJECT_NOT_SUPPORTED]


def test_r15_a_private_person_with_no_school_hears_every_reason_without_a_school_name():
    user = make_user()  # a new account, not yet confirmed through Госуслуги
    result = check(user, None)
    assert result.codes == [acc.ACCOUNT_NOT_CONFIRMED, acc.PRIVATE_PERSON_ROLE, acc.NOT_IN_ACCESS_GROUP,
                            acc.NOT_A_TEACHER, acc.NO_LESSONS_IN_SCHEDULE]
    assert all("«»" not in r.message and "None" not in r.message for r in result.reasons)


def test_r15_decide_is_pure_and_ordered_for_every_combination():
    """Every combination of the five facts: the reasons are exactly the failing ones, in R15 order."""
    import itertools

    school = make_organisation()
    for confirmed, school_role, in_group, is_teacher, lessons in itertools.product((True, False), repeat=5):
        facts = acc.Facts(active_is_school_role=school_role, active_role=Role.TEACHER if school_role else None,
                          organisation=school, membership_confirmed=confirmed, is_teacher_there=is_teacher,
                          in_access_group=in_group, published_lessons_in_period=int(lessons), draft_lessons=0)
        expected = [code for code, ok in zip(acc.CODES, (confirmed, school_role, in_group, is_teacher, lessons))
                    if not ok]
        assert acc.decide(facts).codes == expected


# --- the entrance page: live re-check, visits, other roles ---------------------------------------------------

def test_r15_entrance_rechecks_on_every_request_and_records_one_visit_a_day(client):
    user, membership = teacher(in_group=False)
    act_as(client, user, membership)
    refused = client.get("/library/").content.decode()
    assert "У вас нет доступа к платформе" in refused and "Кто исправит" in refused
    assert "«Педагоги. Доступ к УБ ЦОК»" in refused and "обновите страницу" in refused
    assert not LibraryVisit.objects.exists()

    add_to_group(user.person, membership.organisation)  # the administrator fixes it
    allowed = client.get("/library/").content.decode()
    assert "У вас нет доступа к платформе" not in allowed and "Доступ открыт" in allowed
    client.get("/library/")
    visit = LibraryVisit.objects.get()  # R19: one row however many times a day
    assert (visit.person, visit.organisation) == (user.person, membership.organisation)

    AccessGroupMember.objects.filter(person=user.person).update(removed_at=timezone.now())
    assert "У вас нет доступа к платформе" in client.get("/library/").content.decode()  # never cached


def test_r15_entrance_for_a_student_shows_their_lessons_not_a_refusal(client):
    school = make_organisation()
    user, membership = student(school)
    act_as(client, user, membership)
    page = client.get("/library/").content.decode()
    assert "У вас нет доступа к платформе" not in page and "Назначенные уроки" in page


def test_r15_entrance_for_an_administrator_links_the_school_report(client):
    user, admin = teacher(role=Role.ADMINISTRATOR)
    act_as(client, user, admin)
    page = client.get("/library/").content.decode()
    assert "У вас нет доступа к платформе" in page  # they are not a teacher themself
    assert "/library/access/" in page


def test_r15_entrance_needs_sign_in(client):
    response = client.get("/library/")
    assert response.status_code == 302 and "/accounts/login" in response["Location"]


def test_r15_one_teacher_is_checked_in_three_queries_six_with_a_course():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    user, membership = teacher()
    active = active_role_of(user, membership)
    physics = course_of("Физика")
    with CaptureQueriesContext(connection) as plain:
        library_access_for(user.person, active)
    with CaptureQueriesContext(connection) as with_course:
        library_access_for(user.person, active, physics)
    assert (len(plain), len(with_course)) == (3, 6)
