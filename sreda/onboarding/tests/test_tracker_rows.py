"""The onboarding tracker's rows (R23): what each column means for a student and a parent, who is on the list,
and what «не подключён» counts."""
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from sreda.chats.models import ChatKind
from sreda.core.models import AuditEntry
from sreda.core.testing import make_person, make_user
from sreda.onboarding import tracker
from sreda.onboarding.models import JoinRequest, OnboardingDeadline
from sreda.onboarding.tests.test_tracker_builders import (
    add_student,
    class_chat,
    consent,
    in_chat,
    make_tracker_school,
    register,
)
from sreda.people.models import Confirmation, Membership
from sreda.people.roles import Role

pytestmark = pytest.mark.django_db


def rows_of(school):
    return {r.person_id: r for r in tracker.class_rows(actor=school.teacher_role, organisation=school.organisation,
                                                       school_class=school.school_class)}


def test_r23_a_roster_student_and_parent_start_in_the_school_but_unregistered_unconfirmed_and_without_chat():
    school = make_tracker_school(students=1)
    child, parent = school.students[0], school.parents[0]

    rows = rows_of(school)

    assert (rows[child.pk].role_label, rows[parent.pk].role_label) == ("Обучающийся", "Законный представитель")
    assert rows[parent.pk].children == [child.full_name]
    for row in rows.values():
        assert (row.registered, row.joined, row.confirmed, row.in_chats) == (False, True, False, None)
        assert not row.connected
    assert rows[child.pk].missing == ["не зарегистрирован", "не подтверждён"]
    assert tracker.yes_no(rows[child.pk].in_chats) == "нет чата"


def test_r23_each_step_shows_registered_confirmed_and_in_the_class_chats():
    school = make_tracker_school(students=2)
    child, parent = school.students[0], school.parents[0]
    students_chat, parents_chat = class_chat(school, ChatKind.STUDENTS), class_chat(school, ChatKind.PARENTS)

    register(child)
    register(parent)
    consent(school, child, parent)  # R21: the parent confirmed the child
    in_chat(students_chat, child)
    in_chat(parents_chat, parent, by_account=True)  # the mirror knows only the messenger id

    rows = rows_of(school)
    assert (rows[child.pk].registered, rows[child.pk].confirmed, rows[child.pk].in_chats) == (True, True, True)
    assert (rows[parent.pk].registered, rows[parent.pk].confirmed, rows[parent.pk].in_chats) == (True, True, True)
    assert rows[child.pk].connected and rows[parent.pk].connected
    other = school.students[1]
    assert rows[other.pk].in_chats is False and rows[other.pk].missing == [
        "не зарегистрирован", "не подтверждён", "не в чате класса"]
    counts = tracker.counts_of(list(rows.values()))
    assert (counts.students, counts.parents, counts.registered, counts.confirmed, counts.in_chats) == (2, 2, 2, 2, 2)
    assert (counts.connected, counts.missing, counts.percent) == (2, 2, 50)


def test_r23_a_student_in_the_parents_chat_does_not_count_and_another_class_chat_does_not_count():
    school = make_tracker_school(students=1)
    child = school.students[0]
    parents_chat = class_chat(school, ChatKind.PARENTS)
    class_chat(school, ChatKind.STUDENTS)
    in_chat(parents_chat, child)

    assert rows_of(school)[child.pk].in_chats is False


def test_r23_a_consent_in_another_school_does_not_confirm():
    school = make_tracker_school(students=1)
    elsewhere = make_tracker_school(students=0, short_name="МБОУ СОШ № 9")
    child, parent = school.students[0], school.parents[0]
    consent(elsewhere, child, parent)

    assert rows_of(school)[child.pk].confirmed is False


def test_r23_an_ended_or_rejected_membership_takes_the_student_off_the_list():
    school = make_tracker_school(students=2)
    gone, rejected = school.students
    Membership.objects.filter(person=gone, role=Role.STUDENT).update(end_date=date(2020, 1, 1))
    Membership.objects.filter(person=rejected, role=Role.STUDENT).update(confirmation=Confirmation.REJECTED)

    assert set(rows_of(school)) == set()


def test_r20_r23_a_pending_join_request_lists_the_student_as_registered_but_not_in_the_school():
    school = make_tracker_school(students=0)
    user = make_user(person=make_person(surname="Новиков", name="Илья", patronymic=""))
    JoinRequest.objects.create(organisation=school.organisation, role=Role.STUDENT, school_class=school.school_class,
                               requester=user, subject=user.person, surname="Новиков", name="Илья")

    row = rows_of(school)[user.person.pk]

    assert (row.registered, row.joined, row.requested) == (True, False, True)
    assert row.missing == ["не в школе", "не подтверждён"]


def test_r21_r23_a_parent_by_class_membership_without_guardianship_is_listed():
    school = make_tracker_school(students=0)
    parent = make_person(surname="Егорова", name="Анна", patronymic="")
    Membership.objects.create(person=parent, role=Role.PARENT, organisation=school.organisation,
                              school_class=school.school_class)

    row = rows_of(school)[parent.pk]

    assert (row.role, row.joined, row.children) == ("parent", True, [])


def test_r23_a_parent_without_a_parent_role_in_the_school_is_not_in_the_school():
    school = make_tracker_school(students=0)
    _child, parent = add_student(school.school_class, surname="Белов")
    Membership.objects.filter(person=parent).delete()

    assert rows_of(school)[parent.pk].joined is False


def test_r23_students_come_first_then_parents_each_by_surname_and_filters_work():
    school = make_tracker_school(students=0)
    add_student(school.school_class, surname="Яковлев", parent_surname="Ёлкина")
    add_student(school.school_class, surname="Абрамов", parent_surname="Жукова")
    rows = tracker.class_rows(actor=school.teacher_role, organisation=school.organisation,
                              school_class=school.school_class)

    assert [r.full_name for r in rows] == ["Абрамов Пётр", "Яковлев Пётр", "Ёлкина Ольга", "Жукова Ольга"]
    assert [r.full_name for r in tracker.filter_rows(rows, query="елкина")] == ["Ёлкина Ольга"]
    assert [r.role for r in tracker.filter_rows(rows, role="parent")] == ["parent", "parent"]
    assert len(tracker.filter_rows(rows, only_missing=True)) == 4  # nobody is registered yet


def test_r23_a_teacher_sees_only_the_class_they_lead():
    school = make_tracker_school(students=1)
    other = make_tracker_school(students=1, short_name="МБОУ СОШ № 8")
    from sreda.core.testing import make_class
    second = make_class(organisation=school.organisation, grade=6, letter="Б")

    assert [c.pk for c in tracker.visible_classes(actor=school.teacher_role, organisation=school.organisation)] == [
        school.school_class.pk]
    with pytest.raises(Http404):
        tracker.access_class(actor=school.teacher_role, organisation=school.organisation, class_id=second.pk)
    with pytest.raises(Http404):
        tracker.access_class(actor=school.admin_role, organisation=school.organisation,
                             class_id=other.school_class.pk)
    assert {c.pk for c in tracker.visible_classes(actor=school.admin_role, organisation=school.organisation)} == {
        school.school_class.pk, second.pk}


def test_r23_the_administrator_sets_the_deadline_the_teacher_cannot_and_bad_input_changes_nothing():
    school = make_tracker_school(students=0)

    row = tracker.deadline_set(actor=school.admin_role, organisation=school.organisation, deadline=date(2024, 4, 30),
                               order_title="  Приказ № 192   от 25.04.2024 ")

    assert (row.deadline, row.order_title, row.updated_by) == (date(2024, 4, 30), "Приказ № 192 от 25.04.2024",
                                                               school.admin)
    assert AuditEntry.objects.filter(action="onboarding.deadline_set").count() == 1
    assert tracker.is_overdue(row, school.organisation, today=date(2024, 5, 1))
    assert not tracker.is_overdue(row, school.organisation, today=date(2024, 4, 30))
    with pytest.raises(PermissionDenied):
        tracker.deadline_set(actor=school.teacher_role, organisation=school.organisation, deadline=date(2030, 1, 1))
    with pytest.raises(ValidationError):
        tracker.deadline_set(actor=school.admin_role, organisation=school.organisation, deadline=None)
    assert OnboardingDeadline.objects.get().deadline == date(2024, 4, 30)
