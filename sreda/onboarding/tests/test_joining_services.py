"""Join requests (R20) and a parent's two requests (R22): sending, matching, approving, rejecting."""
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from sreda.core.testing import (
    active_role_of,
    make_class,
    make_membership,
    make_organisation,
    make_person,
    make_user,
)
from sreda.onboarding import joining
from sreda.onboarding.joining_match import MatchKind, match_requests
from sreda.onboarding.models import JoinKind, JoinRequest, JoinStatus
from sreda.onboarding.tests.test_joining_builders import (
    BORN,
    make_requester,
    make_school,
    parent_with_child,
    private,
    roster_student,
    student_request,
)
from sreda.people.models import Guardianship, Membership, MembershipOrigin, Person, User
from sreda.people.roles import Role

pytestmark = pytest.mark.django_db


def test_a_private_person_sends_a_request_for_the_exact_class_and_sees_it():
    """R20: role and the exact class; the request appears in «Мои заявки» as «На рассмотрении»."""
    school = make_school()
    user = make_requester(surname="Орлов0")
    req = student_request(school, user)
    assert req.status == JoinStatus.PENDING and req.school_class == school.class_5a
    assert list(joining.own_requests(actor=private(user))) == [req]
    assert req.events.get().kind == "sent"


def test_a_student_request_without_a_class_is_refused_and_nothing_is_saved():
    """R20: «5А», never «5» — a class is required for a student."""
    school = make_school()
    user = make_requester()
    with pytest.raises(ValidationError) as exc:
        student_request(school, user, school_class=None) if False else joining.join_request_send(
            actor=private(user), organisation=school.organisation, role=Role.STUDENT, school_class=None,
            surname="Новиков", name="Пётр", birth_date=BORN)
    assert "«5А»" in str(exc.value)
    assert not JoinRequest.objects.exists()


def test_a_class_of_another_school_is_refused():
    school = make_school()
    other = make_class(organisation=make_organisation(), grade=5, letter="А")
    with pytest.raises(ValidationError, match="не из выбранной школы"):
        student_request(school, make_requester(), school_class=other)
    assert not JoinRequest.objects.exists()


def test_only_a_private_person_may_send_a_request():
    """R1/R20: an employee role must switch to «Частное лицо»."""
    school = make_school()
    with pytest.raises(PermissionDenied, match="частное лицо"):
        joining.join_request_send(actor=school.admin_role, organisation=school.organisation, role=Role.STUDENT,
                                  school_class=school.class_5a, surname="А", name="Б", birth_date=BORN)


def test_a_second_identical_request_is_not_a_second_request():
    school = make_school()
    user = make_requester()
    student_request(school, user)
    with pytest.raises(ValidationError, match="уже подана"):
        student_request(school, user)
    assert JoinRequest.objects.count() == 1


def test_the_match_is_field_by_field_against_the_class_roster_only():
    """R20: exact, partial with the differing field and the roster's value, none; another class's roster
    does not count."""
    school = make_school()
    roster_student(school.class_5b, surname="Белов", name="Иван", patronymic="Сергеевич", birth_date=date(2013, 1, 1))
    exact = student_request(school, make_requester(surname="Орлов1"))
    wrong_birth = student_request(school, make_requester(surname="Орлов2", birth_date=date(2014, 4, 1)))
    other_class = student_request(school, make_requester(surname="Белов", name="Иван", patronymic="Сергеевич",
                                                          birth_date=date(2013, 1, 1)))
    matches = match_requests([exact, wrong_birth, other_class])
    assert matches[exact.pk].kind == MatchKind.EXACT and matches[exact.pk].entry.surname == "Орлов1"
    partial = matches[wrong_birth.pk]
    assert partial.kind == MatchKind.PARTIAL
    [birth] = [c for c in partial.checks if not c.ok]
    assert (birth.label, birth.typed, birth.roster) == ("Дата рождения", "01.04.2014", "08.03.2014")
    assert matches[other_class.pk].kind == MatchKind.NONE


def test_matching_ignores_case_and_yo():
    school = make_school(students=0)
    roster_student(school.class_5a, surname="Ёлкин", name="Пётр")
    req = student_request(school, make_requester(surname="елкин", name="ПЕТР"))
    assert match_requests([req])[req.pk].kind == MatchKind.EXACT


def test_approving_an_exact_match_links_the_account_to_the_roster_entry_without_duplicates():
    """R20: the requester's account now acts on the roster person, in that class; their own person is gone."""
    school = make_school()
    user = make_requester(surname="Орлов0")
    own_person_id = user.person_id
    req = student_request(school, user)
    decided = joining.join_request_approve(actor=school.admin_role, request=req)
    user.refresh_from_db()
    roster = school.roster[0]
    assert user.person_id == roster.pk
    assert not Person.objects.filter(pk=own_person_id).exists()
    req.refresh_from_db()
    assert req.status == JoinStatus.APPROVED and req.roster_person == roster
    assert req.membership.school_class == school.class_5a and req.membership.person == roster
    assert Person.objects.filter(surname="Орлов0").count() == 1
    roster.refresh_from_db()
    assert roster.account_confirmed  # copied from the account's own person
    assert "связана с записью контингента" in decided.linked


def test_approving_without_a_roster_entry_adds_the_person_to_the_class():
    school = make_school(students=0)
    user = make_requester()
    req = student_request(school, user)
    joining.join_request_approve(actor=school.admin_role, request=req)
    membership = Membership.objects.get(person=user.person, role=Role.STUDENT)
    assert membership.school_class == school.class_5a and membership.origin == MembershipOrigin.JOIN_REQUEST


def test_a_partial_match_needs_an_explicit_choice_from_the_same_class():
    """R20: approval never attaches to another class: a roster person of 5Б cannot be chosen for 5А."""
    school = make_school()
    elsewhere = roster_student(school.class_5b, surname="Орлов1")
    req = student_request(school, make_requester(surname="Орлов1", birth_date=date(2014, 1, 1)))
    with pytest.raises(ValidationError, match="выберите запись"):
        joining.join_request_approve(actor=school.admin_role, request=req)
    with pytest.raises(ValidationError, match="никогда|только к классу"):
        joining.join_request_approve(actor=school.admin_role, request=req, roster_person_id=elsewhere.pk)
    req.refresh_from_db()
    assert req.status == JoinStatus.PENDING
    joining.join_request_approve(actor=school.admin_role, request=req, roster_person_id=school.roster[1].pk)
    req.refresh_from_db()
    assert req.membership.school_class == school.class_5a


def test_a_roster_entry_of_another_account_is_never_taken_over():
    school = make_school()
    make_user(person=school.roster[0])
    req = student_request(school, make_requester(surname="Орлов0"))
    assert match_requests([req])[req.pk].taken
    with pytest.raises(ValidationError, match="другой учётной записью"):
        joining.join_request_approve(actor=school.admin_role, request=req)
    req.refresh_from_db()
    assert req.status == JoinStatus.PENDING


def test_a_decided_request_is_not_decided_twice():
    school = make_school()
    req = student_request(school, make_requester(surname="Орлов0"))
    joining.join_request_approve(actor=school.admin_role, request=req)
    with pytest.raises(ValidationError, match="уже одобрена"):
        joining.join_request_approve(actor=school.admin_role, request=req)
    with pytest.raises(ValidationError, match="уже одобрена"):
        joining.join_request_reject(actor=school.admin_role, request=req, reason="Нет")
    assert Membership.objects.filter(person=school.roster[0], role=Role.STUDENT).count() == 1


def test_reject_needs_a_reason_that_the_requester_sees():
    school = make_school()
    user = make_requester()
    req = student_request(school, user)
    with pytest.raises(ValidationError, match="причину"):
        joining.join_request_reject(actor=school.admin_role, request=req, reason="  ")
    joining.join_request_reject(actor=school.admin_role, request=req, reason="Нет такого ученика в 5А")
    [mine] = joining.own_requests(actor=private(user))
    assert mine.status == JoinStatus.REJECTED and mine.reject_reason == "Нет такого ученика в 5А"


def test_the_teacher_of_the_school_may_not_review_requests():
    school = make_school()
    req = student_request(school, make_requester())
    with pytest.raises(PermissionDenied):
        joining.join_request_approve(actor=school.teacher_role, request=req)


def test_bulk_approve_takes_only_exact_matches():
    """R20: «Одобрить все точные совпадения»."""
    school = make_school()
    exact = [student_request(school, make_requester(surname=f"Орлов{i}")) for i in range(2)]
    partial = student_request(school, make_requester(surname="Орлов2", birth_date=date(2013, 1, 1)))
    result = joining.join_requests_approve_matching(actor=school.admin_role, organisation=school.organisation)
    assert sorted(result.approved) == sorted(r.pk for r in exact)
    partial.refresh_from_db()
    assert partial.status == JoinStatus.PENDING
    assert "Одобрено 2 заявки" in result.message


def test_a_teacher_request_matches_the_staff_roster():
    school = make_school()
    staff = make_person(surname="Павлова", name="Анна", patronymic="Сергеевна", birth_date=date(1980, 2, 2))
    make_membership(person=staff, role=Role.TEACHER, organisation=school.organisation)
    user = make_requester(surname="Павлова", name="Анна", patronymic="Сергеевна", birth_date=date(1980, 2, 2))
    req = joining.join_request_send(actor=private(user), organisation=school.organisation, role=Role.TEACHER,
                                    school_class=None, surname="Павлова", name="Анна", patronymic="Сергеевна",
                                    birth_date=date(1980, 2, 2))
    assert match_requests([req])[req.pk].kind == MatchKind.EXACT
    joining.join_request_approve(actor=school.admin_role, request=req)
    user.refresh_from_db()
    assert user.person == staff


# --- R22 ------------------------------------------------------------------------------------------------

def test_a_parent_request_for_a_child_is_two_linked_requests_each_approved_separately():
    """R22: «Прикрепить законного представителя» and «Зарегистрировать и прикрепить обучающегося»."""
    school = make_school()
    child = make_requester(surname="Орлов0")
    parent = parent_with_child(child)
    rep, stu = joining.join_request_send_for_child(actor=private(parent), organisation=school.organisation,
                                                   school_class=school.class_5a, child=child.person)
    assert (rep.kind, rep.role, stu.kind, stu.role) == (JoinKind.REPRESENTATIVE, "parent", JoinKind.CHILD, "student")
    assert rep.pair == stu and stu.pair == rep
    assert set(joining.own_requests(actor=private(parent))) == {rep, stu}
    joining.join_request_approve(actor=school.admin_role, request=stu)
    child.refresh_from_db()
    assert child.person == school.roster[0]
    rep.refresh_from_db()
    assert rep.status == JoinStatus.PENDING  # each is approved on its own
    joining.join_request_approve(actor=school.admin_role, request=rep)
    assert Membership.objects.filter(person=parent.person, role=Role.PARENT, school_class=school.class_5a).exists()
    # The guardianship followed the child to the roster entry.
    assert Guardianship.objects.filter(parent=parent.person, child=school.roster[0]).exists()


def test_a_child_not_linked_or_without_an_account_is_explained_first():
    """R22: the child must be attached to the parent and have an own account."""
    school = make_school()
    parent = make_requester(surname="Новикова", name="Ольга")
    stranger = make_requester(surname="Орлов0")
    with pytest.raises(ValidationError) as exc:
        joining.join_request_send_for_child(actor=private(parent), organisation=school.organisation,
                                            school_class=school.class_5a, child=stranger.person)
    assert "не прикреплён" in str(exc.value)
    no_account = make_person(surname="Орлов1", name="Пётр", birth_date=BORN)
    Guardianship.objects.create(parent=parent.person, child=no_account)
    with pytest.raises(ValidationError) as exc:
        joining.join_request_send_for_child(actor=private(parent), organisation=school.organisation,
                                            school_class=school.class_5a, child=no_account)
    assert "нет своей учётной записи" in str(exc.value)
    assert not JoinRequest.objects.exists()


def test_attention_counts_pending_requests_for_the_administrator():
    school = make_school()
    student_request(school, make_requester())
    [item] = joining.attention(school.admin_role)
    assert item.text == "1 заявка на вступление ждёт решения."
    assert joining.attention(school.teacher_role) == []


def test_the_requester_may_cancel_a_pending_request():
    school = make_school()
    user = make_requester()
    req = student_request(school, user)
    joining.join_request_cancel(actor=private(user), request=req)
    req.refresh_from_db()
    assert req.status == JoinStatus.CANCELLED
    assert User.objects.get(pk=user.pk).person is not None
    assert active_role_of(user).is_private
