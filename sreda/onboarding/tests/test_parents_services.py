"""Parent confirmation by link or QR code (R21): issue, open, correct, consent; corrections accepted."""
from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from sreda.core.testing import active_role_of, make_member
from sreda.onboarding import parents
from sreda.onboarding.models import (
    ChildDataCorrection,
    CorrectionStatus,
    ParentConsent,
    ParentInvitation,
    ParentInvitationStatus,
)
from sreda.onboarding.qr import qr_png, qr_svg
from sreda.onboarding.tests.test_joining_builders import (
    joined_student,
    make_requester,
    make_school,
)
from sreda.people.models import Guardianship, Membership, MembershipOrigin, Person
from sreda.people.roles import Role

pytestmark = pytest.mark.django_db


def confirm(user, issued, **changes):
    data = parents.child_data(issued.invitation.student)
    data = parents.ChildData(**{**data.__dict__, **changes})
    return parents.parent_confirm(actor=active_role_of(user), token=issued.token, data=data, consent=True)


def test_the_class_teacher_issues_a_link_for_a_joined_student_of_their_class_only():
    """R21: the class teacher for their class; another teacher, or a student who has not joined, no."""
    school = make_school()
    student = joined_student(school)
    issued = parents.parent_invitation_issue(actor=school.teacher_role, student=student.person,
                                             school_class=school.class_5a)
    assert issued.link.endswith(f"/onboarding/parents/invite/{issued.token}/")
    assert issued.invitation.token_hash != issued.token  # only the hash is kept
    other, other_m = make_member(role=Role.TEACHER, organisation=school.organisation)
    with pytest.raises(PermissionDenied, match="классный руководитель"):
        parents.parent_invitation_issue(actor=active_role_of(other, other_m), student=student.person,
                                        school_class=school.class_5a)
    with pytest.raises(ValidationError, match="ещё не вступил"):
        parents.parent_invitation_issue(actor=school.admin_role, student=school.roster[1], school_class=school.class_5a)


def test_the_parent_confirms_with_a_correction_and_becomes_a_member_of_the_class():
    """R21: consent, confirmed child, parent membership of that school and class, guardianship; the
    correction waits for the administrator as a diff."""
    school = make_school()
    student = joined_student(school)
    issued = parents.parent_invitation_issue(actor=school.admin_role, student=student.person,
                                             school_class=school.class_5a)
    parent = make_requester(surname="Орлова", name="Анна", patronymic="Ивановна")
    done = confirm(parent, issued, name="Павел", birth_date=date(2014, 3, 9))
    assert ParentConsent.objects.get(child=student.person).parent == parent.person
    assert Guardianship.objects.filter(parent=parent.person, child=student.person).exists()
    membership = Membership.objects.get(person=parent.person, role=Role.PARENT)
    assert (membership.organisation, membership.school_class, membership.origin) == (
        school.organisation, school.class_5a, MembershipOrigin.INVITATION)
    assert done.correction.changes == {"name": {"old": "Пётр", "new": "Павел"},
                                       "birth_date": {"old": "2014-03-08", "new": "2014-03-09"}}
    student.person.refresh_from_db()
    assert student.person.name == "Пётр"  # nothing changes before the administrator accepts
    parents.correction_accept(actor=school.admin_role, correction=done.correction)
    student.person.refresh_from_db()
    assert (student.person.name, student.person.birth_date) == ("Павел", date(2014, 3, 9))


def test_consent_is_required_and_nothing_changes_without_it():
    school = make_school()
    student = joined_student(school)
    issued = parents.parent_invitation_issue(actor=school.admin_role, student=student.person,
                                             school_class=school.class_5a)
    parent = make_requester(surname="Орлова")
    with pytest.raises(ValidationError, match="Я даю согласие на использование платформы моим ребёнком"):
        parents.parent_confirm(actor=active_role_of(parent), token=issued.token,
                               data=parents.child_data(student.person), consent=False)
    assert not ParentConsent.objects.exists()
    issued.invitation.refresh_from_db()
    assert issued.invitation.status == ParentInvitationStatus.PENDING


def test_a_link_works_once_and_says_who_issues_a_new_one():
    """R21: used, tampered, expired, revoked — each says so and who can issue a new link."""
    school = make_school()
    student = joined_student(school)
    issued = parents.parent_invitation_issue(actor=school.admin_role, student=student.person,
                                             school_class=school.class_5a)
    confirm(make_requester(surname="Орлова"), issued)
    with pytest.raises(parents.LinkRefused) as used:
        confirm(make_requester(surname="Чужой"), issued)
    assert used.value.problem.code == "used" and "Смирнова Мария Ивановна" in used.value.problem.message
    tampered = issued.token[:-1] + ("A" if issued.token[-1] != "A" else "B")
    assert parents.link_problem(parents.invitation_for_token(tampered)).code == "invalid"
    second = parents.parent_invitation_issue(actor=school.admin_role, student=student.person,
                                             school_class=school.class_5a)
    ParentInvitation.objects.filter(pk=second.invitation.pk).update(expires_at=timezone.now() - timedelta(days=1))
    problem = parents.link_problem(parents.invitation_for_token(second.token))
    assert problem.code == "expired" and "Соколов Пётр Андреевич" in problem.message


def test_a_new_link_for_the_same_child_revokes_the_old_one():
    school = make_school()
    student = joined_student(school)
    first = parents.parent_invitation_issue(actor=school.admin_role, student=student.person, school_class=school.class_5a)
    parents.parent_invitation_issue(actor=school.admin_role, student=student.person, school_class=school.class_5a)
    assert parents.link_problem(parents.invitation_for_token(first.token)).code == "revoked"


def test_the_link_is_only_for_that_child_the_child_cannot_use_it_themselves():
    school = make_school()
    student = joined_student(school)
    issued = parents.parent_invitation_issue(actor=school.admin_role, student=student.person,
                                             school_class=school.class_5a)
    with pytest.raises(parents.LinkRefused) as refused:
        confirm(student, issued)
    assert refused.value.problem.code == "self"
    assert not ParentConsent.objects.exists()


def test_the_class_sheet_issues_one_link_per_joined_unconfirmed_student():
    school = make_school(students=3)
    joined_student(school, surname="Орлов0")
    joined_student(school, surname="Орлов1")
    issued = parents.parent_invitations_issue_for_class(actor=school.admin_role, school_class=school.class_5a)
    assert sorted(i.invitation.student.surname for i in issued) == ["Орлов0", "Орлов1"]


def test_a_rejected_correction_needs_a_reason_and_leaves_the_child_unchanged():
    school = make_school()
    student = joined_student(school)
    issued = parents.parent_invitation_issue(actor=school.admin_role, student=student.person,
                                             school_class=school.class_5a)
    done = confirm(make_requester(surname="Орлова"), issued, surname="Орлова")
    with pytest.raises(ValidationError):
        parents.correction_reject(actor=school.admin_role, correction=done.correction, reason="")
    parents.correction_reject(actor=school.admin_role, correction=done.correction, reason="По документам — Орлов0")
    assert ChildDataCorrection.objects.get().status == CorrectionStatus.REJECTED
    assert Person.objects.get(pk=student.person_id).surname == "Орлов0"
    with pytest.raises(PermissionDenied):
        parents.correction_accept(actor=school.teacher_role, correction=done.correction)


def test_qr_codes_are_png_and_svg():
    assert qr_png("https://sreda.example/onboarding/parents/invite/x/").startswith(b"\x89PNG")
    assert "<svg" in qr_svg("https://sreda.example/onboarding/parents/invite/x/", inline=True)
