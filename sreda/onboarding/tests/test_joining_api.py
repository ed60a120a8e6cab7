"""API of joining (R20–R22) with the page's permissions: anonymous, another school, the wrong role, the right
role; own requests by a person's token; the queue with the match; approve / reject / bulk; parent
invitations and corrections."""
from datetime import date

import pytest

from sreda.api.models import SCOPE_JOINING, SCOPE_READ
from sreda.api.services import token_create
from sreda.api.tests.factories import bearer, issue
from sreda.core.active_role import system_operator
from sreda.core.testing import make_membership, make_organisation
from sreda.onboarding import parents
from sreda.onboarding.models import ChildDataCorrection, JoinRequest, JoinStatus
from sreda.onboarding.tests.test_joining_builders import (
    joined_student,
    make_requester,
    make_school,
    student_request,
)
from sreda.people.roles import Role

pytestmark = pytest.mark.django_db
API = "/api/v1"


def school_token(school, role=Role.ADMINISTRATOR, scopes=(SCOPE_JOINING,)):
    return bearer(issue(role=role, organisation=school.organisation, scopes=scopes))


def person_token(user):
    """A token of the person's own role elsewhere: for their own requests it acts as a private person."""
    membership = make_membership(person=user.person, role=Role.TEACHER, organisation=make_organisation())
    _, secret = token_create(actor=system_operator(), name="Личный", scopes=[SCOPE_JOINING], membership=membership)
    return bearer(secret)


def test_a_person_sends_and_lists_own_requests(client):
    school = make_school()
    user = make_requester(surname="Орлов0")
    auth = person_token(user)
    created = client.post(f"{API}/joining/my-requests", {
        "org_id": school.organisation.pk, "role": "student", "class_id": school.class_5a.pk, "surname": "Орлов0",
        "name": "Пётр", "patronymic": "Ильич", "birth_date": "2014-03-08"}, content_type="application/json", **auth)
    assert created.status_code == 201, created.json()
    [req] = created.json()
    assert (req["class_title"], req["status_label"]) == ("5А", "На рассмотрении")
    listed = client.get(f"{API}/joining/my-requests", **auth).json()
    assert listed["count"] == 1 and listed["items"][0]["id"] == req["id"]


def test_a_student_request_without_a_class_is_a_422_and_saves_nothing(client):
    school = make_school()
    auth = person_token(make_requester())
    response = client.post(f"{API}/joining/my-requests", {
        "org_id": school.organisation.pk, "role": "student", "surname": "Новиков", "name": "Пётр",
        "birth_date": "2014-03-08"}, content_type="application/json", **auth)
    assert response.status_code == 422 and "«5А»" in response.json()["detail"]
    assert not JoinRequest.objects.exists()


def test_the_queue_has_the_match_field_by_field(client):
    school = make_school()
    student_request(school, make_requester(surname="Орлов0"))
    student_request(school, make_requester(surname="Орлов1", birth_date=date(2014, 4, 1)))
    response = client.get(f"{API}/orgs/{school.organisation.pk}/join-requests", **school_token(school))
    items = {i["surname"]: i for i in response.json()["items"]}
    assert items["Орлов0"]["match"]["kind"] == "exact"
    [bad] = [c for c in items["Орлов1"]["match"]["checks"] if not c["ok"]]
    assert (bad["field"], bad["typed"], bad["roster"]) == ("birth_date", "01.04.2014", "08.03.2014")
    only = client.get(f"{API}/orgs/{school.organisation.pk}/join-requests?match=partial", **school_token(school))
    assert [i["surname"] for i in only.json()["items"]] == ["Орлов1"]


def test_four_clients_on_the_queue(client):
    """Anonymous 401, another school 404, a teacher 403/404, a token without the scope 403, the admin 200."""
    school = make_school()
    req = student_request(school, make_requester())
    url = f"{API}/orgs/{school.organisation.pk}/join-requests"
    assert client.get(url).status_code == 401
    other = make_school()
    assert client.get(url, **school_token(other)).status_code == 404
    assert client.post(f"{API}/join-requests/{req.pk}/approve", {}, content_type="application/json",
                       **school_token(other)).status_code == 404
    assert client.get(url, **school_token(school, role=Role.TEACHER)).status_code == 404
    assert client.get(url, **school_token(school, scopes=(SCOPE_READ,))).status_code == 403
    assert client.get(url, **school_token(school)).status_code == 200
    req.refresh_from_db()
    assert req.status == JoinStatus.PENDING


def test_approve_reject_and_bulk_through_the_api(client):
    school = make_school()
    one = student_request(school, make_requester(surname="Орлов0"))
    two = student_request(school, make_requester(surname="Орлов1"))
    three = student_request(school, make_requester(surname="Чужой"))
    auth = school_token(school)
    ok = client.post(f"{API}/join-requests/{one.pk}/approve", {}, content_type="application/json", **auth)
    assert ok.status_code == 200 and ok.json()["status"] == "approved"
    twice = client.post(f"{API}/join-requests/{one.pk}/approve", {}, content_type="application/json", **auth)
    assert twice.status_code == 409 and "уже одобрена" in twice.json()["detail"]
    no_reason = client.post(f"{API}/join-requests/{three.pk}/reject", {"reason": " "},
                            content_type="application/json", **auth)
    assert no_reason.status_code == 422
    rejected = client.post(f"{API}/join-requests/{three.pk}/reject", {"reason": "Не наш ученик"},
                           content_type="application/json", **auth)
    assert rejected.json()["reject_reason"] == "Не наш ученик"
    bulk = client.post(f"{API}/orgs/{school.organisation.pk}/join-requests/approve-matching", **auth).json()
    assert bulk["approved"] == [two.pk]


def test_parent_invitation_and_corrections_through_the_api(client):
    school = make_school()
    student = joined_student(school)
    teacher_auth = bearer(token_create(actor=system_operator(), name="Учитель", scopes=[SCOPE_JOINING],
                                       membership=school.teacher_membership)[1])
    response = client.post(f"{API}/orgs/{school.organisation.pk}/parent-invitations",
                           {"class_id": school.class_5a.pk, "student_id": student.person_id},
                           content_type="application/json", **teacher_auth)
    assert response.status_code == 201, response.json()
    link = response.json()["link"]
    assert "/onboarding/parents/invite/" in link
    token = link.rstrip("/").rsplit("/", 1)[1]
    parent = make_requester(surname="Орлова")
    data = parents.ChildData(**{**parents.child_data(student.person).__dict__, "name": "Павел"})
    from sreda.core.testing import active_role_of

    parents.parent_confirm(actor=active_role_of(parent), token=token, data=data, consent=True)
    auth = school_token(school)
    listed = client.get(f"{API}/orgs/{school.organisation.pk}/child-corrections", **auth).json()
    [row] = listed["items"]
    assert row["changes"] == {"name": {"old": "Пётр", "new": "Павел"}}
    accepted = client.post(f"{API}/child-corrections/{row['id']}/accept", **auth)
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    again = client.post(f"{API}/child-corrections/{row['id']}/accept", **auth)
    assert again.status_code == 409
    assert ChildDataCorrection.objects.get().child.name == "Павел"
