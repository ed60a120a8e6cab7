"""R18 through the API: a teacher's own token assigns (library:write) and lists; a student's own token lists
their class's lessons; refusals change nothing."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest

from sreda.access.models import AccessGroupMember
from sreda.api.models import SCOPE_LIBRARY_READ, SCOPE_LIBRARY_WRITE, SCOPE_READ
from sreda.api.services import token_create
from sreda.api.tests.factories import bearer, issue
from sreda.core.active_role import system_operator
from sreda.library.assignments import school_today
from sreda.library.models import Assignment, AssignmentView
from sreda.library.tests.builders import school_class, student_in_class, teacher_with_access
from sreda.library.tests.test_assign_pages import make_item
from sreda.people.roles import Role

pytestmark = pytest.mark.django_db
URL = "/api/v1/library/assignments"


def own_token(membership, *scopes) -> dict:
    _, secret = token_create(actor=system_operator(), name="Дневник", scopes=list(scopes), membership=membership)
    return bearer(secret)


@pytest.fixture
def teacher():
    user, membership = teacher_with_access()
    return user, membership, school_class(membership.organisation)


def post(client, headers, **body):
    return client.post(URL, data=json.dumps(body), content_type="application/json", **headers)


def test_r18_api_teacher_assigns_and_lists(client, teacher):
    """R18: POST with the teacher's own token stores the assignment; GET lists it with the opening count."""
    user, membership, klass = teacher
    item = make_item()
    headers = own_token(membership, SCOPE_LIBRARY_WRITE, SCOPE_LIBRARY_READ)
    day = school_today(membership.organisation) + timedelta(days=2)
    response = post(client, headers, item_id=item.pk, class_id=klass.pk, kind="homework", day=day.isoformat())
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["class_title"], body["kind"], body["day"], body["title"]) == ("5А", "homework", day.isoformat(),
                                                                                item.title)
    student, _ = student_in_class(klass)
    AssignmentView.objects.create(assignment_id=body["id"], student=student.person, organisation=klass.organisation)
    listing = client.get(URL, **headers).json()
    assert listing["count"] == 1 and listing["items"][0]["opened"] == 1 and listing["items"][0]["class_size"] == 1


def test_r18_api_class_not_taught_is_422_and_nothing_stored(client, teacher):
    user, membership, _ = teacher
    other = school_class(membership.organisation, grade=7, letter="В")
    response = post(client, own_token(membership, SCOPE_LIBRARY_WRITE), item_id=make_item().pk, class_id=other.pk,
                    kind="classwork", day=school_today(membership.organisation).isoformat())
    assert response.status_code == 422 and "Вы не ведёте уроки в классе «7В»" in response.json()["detail"]
    assert not Assignment.objects.exists()


def test_r15_api_refused_teacher_gets_403_with_the_reason(client, teacher):
    """R15: out of the access group → 403 naming the reason; nothing stored."""
    user, membership, klass = teacher
    AccessGroupMember.objects.filter(person=user.person).delete()
    response = post(client, own_token(membership, SCOPE_LIBRARY_WRITE), item_id=make_item().pk, class_id=klass.pk,
                    kind="homework", day=school_today(membership.organisation).isoformat())
    assert response.status_code == 403 and "Педагоги. Доступ к УБ ЦОК" in response.json()["detail"]
    assert not Assignment.objects.exists()


def test_api_four_clients_for_assigning(client, teacher):
    """Anonymous → 401; a read-only token → 403; a school role token without a person → 403; nothing stored."""
    user, membership, klass = teacher
    body = {"item_id": make_item().pk, "class_id": klass.pk, "kind": "homework",
            "day": school_today(membership.organisation).isoformat()}
    assert post(client, {}, **body).status_code == 401
    assert post(client, own_token(membership, SCOPE_LIBRARY_READ), **body).status_code == 403
    system = bearer(issue(role=Role.TEACHER, organisation=membership.organisation, scopes=(SCOPE_LIBRARY_WRITE,)))
    assert post(client, system, **body).status_code == 403
    assert not Assignment.objects.exists()


def test_r18_api_student_sees_own_class_only(client, teacher):
    """R18: GET my-assignments with a student's token lists their class's lessons, marked opened or not."""
    user, membership, klass = teacher
    org = membership.organisation
    mine = Assignment.objects.create(item=make_item(title="Наш"), organisation=org, school_class=klass,
                                     teacher=user.person, kind="homework", day=school_today(org))
    Assignment.objects.create(item=make_item(title="Чужой"), organisation=org,
                              school_class=school_class(org, grade=6, letter="Б"), teacher=user.person,
                              kind="homework", day=school_today(org))
    student, role = student_in_class(klass)
    AssignmentView.objects.create(assignment=mine, student=student.person, organisation=org)
    body = client.get("/api/v1/library/my-assignments", **own_token(role, SCOPE_READ, SCOPE_LIBRARY_READ)).json()
    assert [(i["title"], i["opened"]) for i in body["items"]] == [("Наш", True)]
    teacher_view = client.get("/api/v1/library/my-assignments", **own_token(membership, SCOPE_LIBRARY_READ))
    assert teacher_view.status_code == 403
