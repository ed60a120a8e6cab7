"""Concurrent decisions end in exactly one effect (R20: one approval; R21: a parent link works once).

The calls run in threads released together (core.testing.run_at_once), each with its own database
connection; the services lock the row (SELECT … FOR UPDATE) and re-check it. PostgreSQL only: SQLite's test
database cannot hold two overlapping write transactions from threads.
"""
import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from sreda.core.testing import active_role_of, make_member, run_at_once
from sreda.onboarding import joining, parents
from sreda.onboarding.models import (
    JoinRequestEvent,
    JoinStatus,
    ParentConsent,
    ParentInvitationStatus,
)
from sreda.onboarding.tests.test_joining_builders import (
    joined_student,
    make_requester,
    make_school,
    student_request,
)
from sreda.people.models import Membership
from sreda.people.roles import Role

pytestmark = pytest.mark.django_db(transaction=True)
ROUNDS = 3


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("Overlapping transactions need PostgreSQL (see the module docstring).")


def test_r20_two_administrators_approving_one_request_at_once_give_one_membership():
    school = make_school(students=ROUNDS)
    second_admin, second_m = make_member(role=Role.ADMINISTRATOR, organisation=school.organisation)
    for round_ in range(ROUNDS):
        req = student_request(school, make_requester(surname=f"Орлов{round_}"))
        results = run_at_once(
            lambda req=req: joining.join_request_approve(actor=school.admin_role, request=req),
            lambda req=req: joining.join_request_approve(actor=active_role_of(second_admin, second_m), request=req),
        )
        errors = [r for r in results if isinstance(r, Exception)]
        assert len(errors) == 1 and isinstance(errors[0], ValidationError), results
        assert "уже одобрена" in errors[0].messages[0]
        req.refresh_from_db()
        assert req.status == JoinStatus.APPROVED
        assert Membership.objects.filter(person=school.roster[round_], role=Role.STUDENT).count() == 1
        assert JoinRequestEvent.objects.filter(request=req, kind="approved").count() == 1


def test_r20_approve_and_reject_at_once_one_decision_stands():
    school = make_school(students=1)
    req = student_request(school, make_requester(surname="Орлов0"))
    results = run_at_once(
        lambda: joining.join_request_approve(actor=school.admin_role, request=req),
        lambda: joining.join_request_reject(actor=school.admin_role, request=req, reason="Ошибка в данных"),
    )
    assert sum(isinstance(r, ValidationError) for r in results) == 1, results
    req.refresh_from_db()
    assert req.status in (JoinStatus.APPROVED, JoinStatus.REJECTED)
    assert req.events.filter(kind__in=["approved", "rejected"]).count() == 1


def test_r21_two_parents_using_one_link_at_once_one_is_confirmed():
    school = make_school(students=1)
    student = joined_student(school)
    issued = parents.parent_invitation_issue(actor=school.admin_role, student=student.person,
                                             school_class=school.class_5a)
    mother = make_requester(surname="Орлова", name="Анна", patronymic="Ивановна")
    father = make_requester(surname="Орлов", name="Илья", patronymic="Петрович")
    data = parents.child_data(student.person)
    results = run_at_once(
        lambda: parents.parent_confirm(actor=active_role_of(mother), token=issued.token, data=data, consent=True),
        lambda: parents.parent_confirm(actor=active_role_of(father), token=issued.token, data=data, consent=True),
    )
    refused = [r for r in results if isinstance(r, parents.LinkRefused)]
    assert len(refused) == 1 and refused[0].problem.code == "used", results
    assert ParentConsent.objects.filter(child=student.person).count() == 1
    issued.invitation.refresh_from_db()
    assert issued.invitation.status == ParentInvitationStatus.USED


def test_r21_a_transfer_committing_while_the_parent_confirms_is_seen_and_attaches_nobody():
    """R21: the school moves the child from 5А to 5Б while the parent submits the 5А link. The transfer holds the
    child's membership row; the confirmation waits for it under its own lock, then sees the child gone from 5А
    and refuses — the parent never joins a class the child has left."""
    import threading
    import time

    from django.db import transaction
    from django.utils import timezone

    from sreda.people.models import MembershipOrigin

    school = make_school(students=1)
    student = joined_student(school)
    issued = parents.parent_invitation_issue(actor=school.admin_role, student=student.person,
                                             school_class=school.class_5a)
    parent = make_requester(surname="Орлова", name="Анна", patronymic="Ивановна")
    data = parents.child_data(student.person)
    holding = threading.Event()

    def transfer():
        with transaction.atomic():
            Membership.objects.filter(person=student.person, role=Role.STUDENT, end_date__isnull=True).update(
                end_date=timezone.localdate())
            holding.set()
            time.sleep(1)  # the confirmation runs meanwhile and must wait for this transaction
            Membership.objects.create(person=student.person, role=Role.STUDENT, organisation=school.organisation,
                                      school_class=school.class_5b, origin=MembershipOrigin.ROSTER)
        return "moved"

    def confirm():
        assert holding.wait(timeout=10)
        return parents.parent_confirm(actor=active_role_of(parent), token=issued.token, data=data, consent=True)

    moved, confirmed = run_at_once(transfer, confirm)
    assert moved == "moved"
    assert isinstance(confirmed, parents.LinkRefused) and confirmed.problem.code == "moved", confirmed
    assert not Membership.objects.filter(person=parent.person, role=Role.PARENT).exists()
    assert not ParentConsent.objects.exists()
    issued.invitation.refresh_from_db()
    assert issued.invitation.status == ParentInvitationStatus.PENDING


def test_r22_the_parents_half_approved_at_once_with_the_childs_never_stands_alone():
    """R22 «both must be approved»: the child's half rejected while the parent's is approved at the same moment
    — whichever runs first, the parent's approval finds the child's half pending or rejected and is refused;
    the parent is attached to nothing."""
    from sreda.onboarding.tests.test_joining_builders import parent_with_child, private

    school = make_school(students=1)
    child = make_requester(surname="Орлов0")
    parent = parent_with_child(child)
    rep, stu = joining.join_request_send_for_child(actor=private(parent), organisation=school.organisation,
                                                   school_class=school.class_5a, child=child.person)
    rejected, approved = run_at_once(
        lambda: joining.join_request_reject(actor=school.admin_role, request=stu, reason="Нет в контингенте"),
        lambda: joining.join_request_approve(actor=school.admin_role, request=rep),
    )
    assert not isinstance(rejected, Exception), rejected
    assert isinstance(approved, ValidationError) and approved.code == "pair_not_approved", approved
    rep.refresh_from_db()
    assert rep.status == JoinStatus.PENDING
    assert not Membership.objects.filter(person=parent.person, role=Role.PARENT).exists()
