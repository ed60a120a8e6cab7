"""R22 «Both must be approved»: the parent's half of a parent's request for a child (attach the legal
representative) waits for the child's half (register and attach the student) — in the service, the bulk
approval, the request page and the API."""
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from sreda.core.testing import act_as, make_membership, make_person
from sreda.onboarding import joining
from sreda.onboarding.models import JoinRequest, JoinStatus
from sreda.onboarding.tests.test_joining_api import API, school_token
from sreda.onboarding.tests.test_joining_builders import make_requester, make_school, parent_with_child, private
from sreda.people.models import Guardianship, Membership, MembershipOrigin
from sreda.people.roles import Role

pytestmark = pytest.mark.django_db
WAIT = "Сначала одобрите заявку на регистрацию ребёнка"
ONLY_REJECT = "можно только отклонить"


def pair_request(school):
    """A parent's request for their child (an own account, linked to the parent) to class 5А: (rep, stu)."""
    child = make_requester(surname="Орлов0")
    parent = parent_with_child(child)
    rep, stu = joining.join_request_send_for_child(actor=private(parent), organisation=school.organisation,
                                                   school_class=school.class_5a, child=child.person)
    return parent, rep, stu


def parent_memberships(parent):
    return Membership.objects.filter(person=parent.person, role=Role.PARENT)


def test_r22_the_parents_half_waits_while_the_childs_is_pending_then_both_are_approved():
    """R22, the parent's half first: refused with what to do first, nothing changes; after the child's half is
    approved, the parent's is, and the parent becomes a parent of that child in that class."""
    school = make_school()
    parent, rep, stu = pair_request(school)
    with pytest.raises(ValidationError) as refused:
        joining.join_request_approve(actor=school.admin_role, request=rep)
    assert refused.value.code == "pair_not_approved"
    assert WAIT in refused.value.messages[0] and f"№ {stu.pk}" in refused.value.messages[0]
    rep.refresh_from_db()
    assert rep.status == JoinStatus.PENDING and rep.membership_id is None
    assert not parent_memberships(parent).exists()

    joining.join_request_approve(actor=school.admin_role, request=stu)
    joining.join_request_approve(actor=school.admin_role, request=rep)
    rep.refresh_from_db()
    assert rep.status == JoinStatus.APPROVED
    assert parent_memberships(parent).get().school_class == school.class_5a
    assert Guardianship.objects.filter(parent=parent.person, child=school.roster[0]).exists()


def test_r22_the_childs_half_first_needs_nothing_of_the_parents():
    """R22, the child's half first: approved on its own; the parent's half is approved after it."""
    school = make_school()
    parent, rep, stu = pair_request(school)
    joining.join_request_approve(actor=school.admin_role, request=stu)
    assert joining.approval_blocked(JoinRequest.objects.get(pk=rep.pk)) == ""
    joining.join_request_approve(actor=school.admin_role, request=rep)
    assert set(JoinRequest.objects.values_list("status", flat=True)) == {JoinStatus.APPROVED}
    assert parent_memberships(parent).count() == 1


def test_r22_a_rejected_childs_half_leaves_the_parents_only_to_be_rejected():
    """R22, one half rejected: the child's rejected → approving the parent's is refused (it says the parent's
    can only be rejected), rejecting it works, and the parent is attached to nothing."""
    school = make_school()
    parent, rep, stu = pair_request(school)
    joining.join_request_reject(actor=school.admin_role, request=stu, reason="Ребёнок учится в другой школе")
    with pytest.raises(ValidationError) as refused:
        joining.join_request_approve(actor=school.admin_role, request=rep)
    message = refused.value.messages[0]
    assert "отклонена" in message and ONLY_REJECT in message and f"№ {stu.pk}" in message
    assert not parent_memberships(parent).exists() and not Guardianship.objects.filter(
        parent=parent.person, child=school.roster[0]).exists()
    joining.join_request_reject(actor=school.admin_role, request=rep, reason="Заявка ребёнка отклонена")
    rep.refresh_from_db()
    assert rep.status == JoinStatus.REJECTED
    assert not parent_memberships(parent).exists()


def test_r22_a_rejected_parents_half_does_not_stop_the_child_being_registered():
    """R22, the other half rejected: the child's own registration stands on its own; the parent gets nothing."""
    school = make_school()
    parent, rep, stu = pair_request(school)
    joining.join_request_reject(actor=school.admin_role, request=rep, reason="Не законный представитель")
    joining.join_request_approve(actor=school.admin_role, request=stu)
    stu.refresh_from_db()
    assert stu.status == JoinStatus.APPROVED
    assert not parent_memberships(parent).exists()


def test_r22_bulk_approval_takes_the_childs_half_first_so_both_are_approved():
    """R22: «Одобрить все точные совпадения» approves the child's half before the parent's (which was sent
    first), so one run approves an exactly matching pair; a parent's half whose child's half is not approved
    stays pending, with the reason."""
    school = make_school()
    roster_parent = make_person(surname="Новикова", name="Ольга", patronymic="Петровна", birth_date=date(1988, 5, 5))
    make_membership(person=roster_parent, role=Role.PARENT, organisation=school.organisation,
                    school_class=school.class_5a, origin=MembershipOrigin.ROSTER)
    Guardianship.objects.create(parent=roster_parent, child=school.roster[0])  # the class's roster parent
    parent, rep, stu = pair_request(school)
    assert rep.pk < stu.pk
    result = joining.join_requests_approve_matching(actor=school.admin_role, organisation=school.organisation)
    assert (result.approved, result.skipped) == ([stu.pk, rep.pk], [])
    parent.refresh_from_db()
    assert parent.person == roster_parent
    assert Guardianship.objects.filter(parent=roster_parent, child=school.roster[0]).exists()

    # A parent on the roster (exact) asks for a child who matches nobody in 5А: the child's half is not bulk-approved,
    # so neither is the parent's.
    second_parent = make_person(surname="Петрова", name="Анна", patronymic="Сергеевна", birth_date=date(1990, 1, 1))
    Guardianship.objects.create(parent=second_parent, child=school.roster[1])
    stranger = make_requester(surname="Чужаков")
    other = make_requester(surname="Петрова", name="Анна", patronymic="Сергеевна", birth_date=date(1990, 1, 1))
    Guardianship.objects.create(parent=other.person, child=stranger.person)
    rep2, stu2 = joining.join_request_send_for_child(actor=private(other), organisation=school.organisation,
                                                     school_class=school.class_5a, child=stranger.person)
    result = joining.join_requests_approve_matching(actor=school.admin_role, organisation=school.organisation)
    assert result.approved == [] and [pk for pk, _ in result.skipped] == [rep2.pk]
    assert WAIT in result.skipped[0][1]
    assert JoinRequest.objects.get(pk=rep2.pk).status == JoinStatus.PENDING


def test_r22_the_request_page_says_to_approve_the_childs_half_first(client):
    """R22 on the page: no «Одобрить» on the parent's half while the child's is pending, the explanation
    instead; a forced POST is refused (409) with it and changes nothing; after the child's, it is approved."""
    school = make_school()
    parent, rep, stu = pair_request(school)
    act_as(client, school.admin, school.admin_membership)
    page = client.get(reverse("onboarding:join_request", args=[rep.pk])).content.decode()
    assert WAIT in page and reverse("onboarding:join_request_approve", args=[rep.pk]) not in page
    assert reverse("onboarding:join_request_reject", args=[rep.pk]) in page  # rejecting stays possible
    forced = client.post(reverse("onboarding:join_request_approve", args=[rep.pk]))
    assert forced.status_code == 409 and WAIT in forced.content.decode()
    assert JoinRequest.objects.get(pk=rep.pk).status == JoinStatus.PENDING and not parent_memberships(parent).exists()

    child_page = client.get(reverse("onboarding:join_request", args=[stu.pk])).content.decode()
    assert reverse("onboarding:join_request_approve", args=[stu.pk]) in child_page and WAIT not in child_page
    client.post(reverse("onboarding:join_request_approve", args=[stu.pk]))
    page = client.get(reverse("onboarding:join_request", args=[rep.pk])).content.decode()
    assert WAIT not in page and reverse("onboarding:join_request_approve", args=[rep.pk]) in page
    assert client.post(reverse("onboarding:join_request_approve", args=[rep.pk])).status_code == 302
    assert JoinRequest.objects.get(pk=rep.pk).status == JoinStatus.APPROVED


def test_r22_the_request_page_after_the_childs_half_was_rejected_offers_only_rejection(client):
    school = make_school()
    parent, rep, stu = pair_request(school)
    joining.join_request_reject(actor=school.admin_role, request=stu, reason="Нет в контингенте")
    act_as(client, school.admin, school.admin_membership)
    page = client.get(reverse("onboarding:join_request", args=[rep.pk])).content.decode()
    assert ONLY_REJECT in page and reverse("onboarding:join_request_approve", args=[rep.pk]) not in page
    client.post(reverse("onboarding:join_request_reject", args=[rep.pk]), {"reason": "Заявка ребёнка отклонена"})
    assert JoinRequest.objects.get(pk=rep.pk).status == JoinStatus.REJECTED
    assert not parent_memberships(parent).exists()


def test_r22_the_api_answers_409_with_the_reason_until_the_childs_half_is_approved(client):
    school = make_school()
    parent, rep, stu = pair_request(school)
    auth = school_token(school)
    early = client.post(f"{API}/join-requests/{rep.pk}/approve", {}, content_type="application/json", **auth)
    assert early.status_code == 409 and WAIT in early.json()["detail"]
    assert JoinRequest.objects.get(pk=rep.pk).status == JoinStatus.PENDING and not parent_memberships(parent).exists()
    child = client.post(f"{API}/join-requests/{stu.pk}/approve", {}, content_type="application/json", **auth)
    assert child.status_code == 200 and child.json()["status"] == "approved"
    done = client.post(f"{API}/join-requests/{rep.pk}/approve", {}, content_type="application/json", **auth)
    assert done.status_code == 200 and done.json()["status"] == "approved"
    assert parent_memberships(parent).get().school_class == school.class_5a


def test_r22_the_api_after_the_childs_half_was_rejected_refuses_approval_and_takes_rejection(client):
    school = make_school()
    parent, rep, stu = pair_request(school)
    auth = school_token(school)
    client.post(f"{API}/join-requests/{stu.pk}/reject", {"reason": "Нет в контингенте"},
                content_type="application/json", **auth)
    refused = client.post(f"{API}/join-requests/{rep.pk}/approve", {}, content_type="application/json", **auth)
    assert refused.status_code == 409 and ONLY_REJECT in refused.json()["detail"]
    rejected = client.post(f"{API}/join-requests/{rep.pk}/reject", {"reason": "Заявка ребёнка отклонена"},
                           content_type="application/json", **auth)
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"
    assert not parent_memberships(parent).exists()
