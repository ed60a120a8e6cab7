"""R15 through the API (`library:read`) and the CLI: the same list as the report, a person's own answer, and
the four clients — no token, another school, the wrong role or scope, the right role."""
from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from sreda.api.models import SCOPE_LIBRARY_READ, SCOPE_READ
from sreda.api.services import token_create
from sreda.api.tests.factories import bearer, issue
from sreda.core.active_role import system_operator
from sreda.core.testing import make_organisation
from sreda.library import access as acc
from sreda.library.access_report import access_report
from sreda.library.models import Course
from sreda.library.tests.test_access_conditions import subject, teacher
from sreda.people.roles import Role

pytestmark = pytest.mark.django_db


def school_with_two():
    school = make_organisation(short_name="МБОУ СОШ № 5")
    ready, _ = teacher(school, surname="Аистова")
    refused, _ = teacher(school, surname="Бобров", in_group=False, confirmed=False)
    return school, ready.person, refused.person


def test_r15_api_lists_the_school_exactly_as_the_report(client):
    school, ready, refused = school_with_two()
    token = issue(role=Role.ADMINISTRATOR, organisation=school, scopes=(SCOPE_LIBRARY_READ,))
    response = client.get(f"/api/v1/orgs/{school.pk}/library-access", **bearer(token))
    assert response.status_code == 200
    page = response.json()
    data = page["items"]
    assert page["count"] == 2 and data == [row.as_dict() for row in access_report(school)]
    assert data[0] == {"person_id": ready.pk, "full_name": ready.full_name, "allowed": True, "reasons": []}
    assert data[1]["allowed"] is False
    assert [r["code"] for r in data[1]["reasons"]] == [acc.ACCOUNT_NOT_CONFIRMED, acc.NOT_IN_ACCESS_GROUP]
    assert set(data[1]["reasons"][0]) == {"code", "message", "fixed_by"}


def test_r15_api_pages_in_the_database_and_searches_by_name(client):
    """?limit=&offset= slice the people in the database, and each page equals that part of the report; `q`
    finds by ФИО with case and «ё» ignored."""
    school, ready, refused = school_with_two()
    third, _ = teacher(school, surname="Ёлкина")
    report = [row.as_dict() for row in access_report(school)]
    headers = bearer(issue(role=Role.ADMINISTRATOR, organisation=school, scopes=(SCOPE_LIBRARY_READ,)))
    url = f"/api/v1/orgs/{school.pk}/library-access"
    second = client.get(url, {"limit": 1, "offset": 1}, **headers).json()
    assert second == {"count": 3, "items": report[1:2]}
    found = client.get(url, {"q": "ЕЛКИН"}, **headers).json()
    assert found["count"] == 1 and found["items"][0]["person_id"] == third.person.pk
    assert client.get(url, {"q": "нет такого"}, **headers).json() == {"count": 0, "items": []}


def test_r15_api_refuses_another_school_wrong_scope_wrong_role_and_no_token(client):
    school, *_ = school_with_two()
    other = make_organisation()
    url = f"/api/v1/orgs/{school.pk}/library-access"
    assert client.get(url).status_code == 401
    foreign = issue(role=Role.ADMINISTRATOR, organisation=other, scopes=(SCOPE_LIBRARY_READ,))
    response = client.get(url, **bearer(foreign))
    assert response.status_code == 404 and "не найдена" in response.json()["detail"]
    no_scope = issue(role=Role.ADMINISTRATOR, organisation=school, scopes=(SCOPE_READ,))
    response = client.get(url, **bearer(no_scope))
    assert response.status_code == 403 and "library:read" in response.json()["detail"]
    teacher_token = issue(role=Role.TEACHER, organisation=school, scopes=(SCOPE_LIBRARY_READ,))
    response = client.get(url, **bearer(teacher_token))
    assert response.status_code == 403 and "администратор и руководитель ОО" in response.json()["detail"]
    assert client.get("/api/v1/orgs/999999/library-access",
                      **bearer(issue(role=Role.ADMINISTRATOR, organisation=school,
                                     scopes=(SCOPE_LIBRARY_READ,)))).status_code == 404


def test_r15_api_district_methodist_reads_nothing_it_may_not(client):
    school, *_ = school_with_two()
    token = issue(role=Role.METHODIST, municipality=school.municipality, scopes=(SCOPE_LIBRARY_READ,))
    assert client.get(f"/api/v1/orgs/{school.pk}/library-access", **bearer(token)).status_code == 403


def person_token(membership) -> str:
    _, secret = token_create(actor=system_operator(), name="Мой токен", scopes=[SCOPE_LIBRARY_READ],
                             membership=membership)
    return secret


def test_r15_api_person_token_answers_for_that_person_live_and_for_a_course(client):
    user, membership = teacher(in_group=False)
    secret = person_token(membership)
    data = client.get("/api/v1/library/access", **bearer(secret)).json()
    assert data["person_id"] == user.person.pk and data["allowed"] is False
    assert [r["code"] for r in data["reasons"]] == [acc.NOT_IN_ACCESS_GROUP]

    from sreda.library.tests.test_access_conditions import add_to_group

    add_to_group(user.person, membership.organisation)
    assert client.get("/api/v1/library/access", **bearer(secret)).json()["allowed"] is True
    physics = Course.objects.create(title="Физика, 7 класс", subject=subject("Физика"), grade=7)
    data = client.get(f"/api/v1/library/access?course_id={physics.pk}", **bearer(secret)).json()
    assert [r["code"] for r in data["reasons"]] == [acc.SUBJECT_NOT_SUPPORTED]
    response = client.get("/api/v1/library/access?course_id=999999", **bearer(secret))
    assert response.status_code == 404 and response.json()["detail"] == "Курс не найден."


def test_r15_api_own_access_needs_a_person_token(client):
    school = make_organisation()
    token = issue(role=Role.ADMINISTRATOR, organisation=school, scopes=(SCOPE_LIBRARY_READ,))
    response = client.get("/api/v1/library/access", **bearer(token))
    assert response.status_code == 403 and "для роли организации" in response.json()["detail"]


# --- CLI ------------------------------------------------------------------------------------------------------

def run(*args) -> str:
    out = StringIO()
    call_command("library", "access", *args, stdout=out)
    return out.getvalue()


def test_r15_cli_json_is_the_api_list():
    school, ready, refused = school_with_two()
    assert json.loads(run("--org", school.inn, "--json")) == [row.as_dict() for row in access_report(school)]


def test_r15_cli_table_reads_in_russian():
    school, ready, refused = school_with_two()
    text = run("--org", school.inn)
    assert "МБОУ СОШ № 5" in text and "2 педагога, без доступа — 1" in text
    line = next(line for line in text.splitlines() if line.startswith(refused.full_name))
    assert line.endswith("✗ ✓ ✗ ✓ ✓  нет")
    assert "Кто исправит: Администратор ОО." in text


def test_r15_cli_unknown_inn_is_a_clear_error():
    with pytest.raises(CommandError, match="Школа с ИНН «1234567890» не найдена"):
        run("--org", "1234567890")
