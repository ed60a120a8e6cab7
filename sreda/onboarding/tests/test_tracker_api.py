"""The onboarding tracker through the API (R23): the summary and a class's rows; the four clients (no token,
another school, the wrong role or scope, the right role)."""
import pytest

from sreda.api.models import SCOPE_JOINING, SCOPE_LIBRARY_READ, SCOPE_READ
from sreda.api.services import token_create
from sreda.api.tests.factories import bearer, issue
from sreda.chats.models import ChatKind
from sreda.core.active_role import system_operator
from sreda.core.testing import make_class
from sreda.onboarding.tests.test_tracker_builders import (
    class_chat,
    connect_fully,
    make_tracker_school,
)
from sreda.people.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def school():
    school = make_tracker_school(students=2)
    students_chat, parents_chat = class_chat(school, ChatKind.STUDENTS), class_chat(school, ChatKind.PARENTS)
    connect_fully(school, school.students[0], school.parents[0], students_chat=students_chat,
                  parents_chat=parents_chat)
    return school


def teacher_token(school, scopes=(SCOPE_JOINING,)):
    """A token acting as the class teacher's own role (issued by the platform operator)."""
    _, secret = token_create(actor=system_operator(), name="ИС", scopes=list(scopes),
                             membership=school.teacher_membership)
    return secret


def test_r23_summary_and_class_rows_for_the_administrator(client, school):
    headers = bearer(issue(role=Role.ADMINISTRATOR, organisation=school.organisation, scopes=(SCOPE_JOINING,)))
    org = school.organisation.pk

    summary = client.get(f"/api/v1/orgs/{org}/onboarding", **headers)

    assert summary.status_code == 200, summary.json()
    [row] = summary.json()["classes"]
    assert (row["class_title"], row["class_teacher"]) == ("5А", "Смирнова Мария Ивановна")
    assert row["counts"] == {"students": 2, "parents": 2, "registered": 2, "joined": 4, "confirmed": 2,
                             "in_chats": 2, "connected": 2, "missing": 2, "percent": 50}
    rows = client.get(f"/api/v1/orgs/{org}/onboarding/classes/{school.school_class.pk}", {"missing": True},
                      **headers).json()
    assert rows["counts"]["missing"] == 2
    assert {r["person_id"] for r in rows["rows"]} == {school.students[1].pk, school.parents[1].pk}
    assert rows["rows"][0]["missing"] == ["не зарегистрирован", "не подтверждён", "не в чате класса"]


def test_r23_the_read_scope_is_enough_another_scope_is_not(client, school):
    org = school.organisation.pk
    read = bearer(issue(role=Role.DIRECTOR, organisation=school.organisation, scopes=(SCOPE_READ,)))
    assert client.get(f"/api/v1/orgs/{org}/onboarding", **read).status_code == 200
    other = bearer(issue(role=Role.DIRECTOR, organisation=school.organisation, scopes=(SCOPE_LIBRARY_READ,)))
    refused = client.get(f"/api/v1/orgs/{org}/onboarding", **other)
    assert refused.status_code == 403 and "joining" in refused.json()["detail"]
    assert client.get(f"/api/v1/orgs/{org}/onboarding").status_code == 401


def test_r23_another_school_and_a_wrong_role_are_refused(client, school):
    other = make_tracker_school(students=1, short_name="МБОУ СОШ № 8")
    headers = bearer(issue(role=Role.ADMINISTRATOR, organisation=other.organisation, scopes=(SCOPE_JOINING,)))
    assert client.get(f"/api/v1/orgs/{school.organisation.pk}/onboarding", **headers).status_code == 404
    assert client.get(f"/api/v1/orgs/{other.organisation.pk}/onboarding/classes/{school.school_class.pk}",
                      **headers).status_code == 404
    staff = bearer(issue(role=Role.STAFF, organisation=school.organisation, scopes=(SCOPE_JOINING,)))
    assert client.get(f"/api/v1/orgs/{school.organisation.pk}/onboarding", **staff).status_code == 404


def test_r23_a_teacher_token_sees_only_the_class_they_lead(client, school):
    second = make_class(organisation=school.organisation, grade=6, letter="Б")
    headers = bearer(teacher_token(school))
    org = school.organisation.pk

    summary = client.get(f"/api/v1/orgs/{org}/onboarding", **headers).json()

    assert [c["class_title"] for c in summary["classes"]] == ["5А"]
    assert client.get(f"/api/v1/orgs/{org}/onboarding/classes/{second.pk}", **headers).status_code == 404
    assert client.get(f"/api/v1/orgs/{org}/onboarding/classes/{school.school_class.pk}", **headers).status_code == 200
