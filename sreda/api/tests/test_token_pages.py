"""«API-токены» (R29, issue 9): the administrator issues a token with scopes, sees the secret once, the token
works until revoked, and its last use shows; a methodist binds one to the district; nobody sees another
school's tokens."""
import re

import pytest
from django.urls import reverse

from sreda.api.models import ApiToken
from sreda.api.tests.factories import bearer
from sreda.core.models import AuditEntry
from sreda.core.testing import act_as, make_member, make_organisation
from sreda.people.models import Confirmation
from sreda.people.roles import Role

pytestmark = pytest.mark.django_db
URL = "/tokens/"


def secret_in(response) -> str:
    found = re.search(r'data-testid="token-secret"[^>]*>([^<]+)<', response.content.decode())
    assert found, "секрет не показан"
    return found.group(1).strip()


@pytest.fixture
def admin(client):
    school = make_organisation()
    user, membership = make_member(role=Role.ADMINISTRATOR, organisation=school, confirmation=Confirmation.CONFIRMED)
    act_as(client, user, membership)
    return school, user


def test_r29_administrator_issues_a_token_sees_it_once_and_it_works_until_revoked(client, admin):
    school, _ = admin
    issued = client.post(URL, {"name": "Сетевой город", "scopes": ["read", "scim"], "bound_to": f"o:{school.pk}"})
    assert issued.status_code == 201 and issued["Cache-Control"] == "no-store"
    secret = secret_in(issued)
    token = ApiToken.objects.get(name="Сетевой город")
    assert token.scopes == ["read", "scim"] and token.organisation == school and token.role == Role.ADMINISTRATOR
    assert secret not in token.key_hash  # only the hash is kept

    me = client.get("/api/v1/me", **bearer(secret))
    assert me.status_code == 200 and me.json()["role"]["organisation"]["id"] == school.pk
    listing = client.get(URL).content.decode()
    assert secret not in listing  # shown once
    assert token.prefix in listing and "не использовался" not in listing  # last use is shown

    page = client.post(reverse("tokens:revoke", args=[token.pk]), follow=True)
    assert "отозван" in page.content.decode()
    assert client.get("/api/v1/me", **bearer(secret)).status_code == 401
    assert set(AuditEntry.objects.filter(action__startswith="api_token.").values_list("action", flat=True)) == {
        "api_token.create", "api_token.revoke"}


def test_r29_a_token_without_scopes_is_refused_and_nothing_is_issued(client, admin):
    school, _ = admin
    response = client.post(URL, {"name": "ИС", "bound_to": f"o:{school.pk}"})
    assert response.status_code == 400 and "Отметьте хотя бы одну область доступа" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_r29_administrator_cannot_bind_a_token_to_another_school(client, admin):
    elsewhere = make_organisation()
    response = client.post(URL, {"name": "ИС", "scopes": ["read"], "bound_to": f"o:{elsewhere.pk}"})
    assert response.status_code == 400
    assert not ApiToken.objects.exists()


def test_r29_methodist_binds_a_token_to_the_district_and_reads_its_schools(client):
    school = make_organisation()
    neighbour = make_organisation(municipality=school.municipality)
    elsewhere = make_organisation()  # another district
    user, membership = make_member(role=Role.METHODIST, municipality=school.municipality)
    act_as(client, user, membership)

    issued = client.post(URL, {"name": "Районная ИС", "scopes": ["read"], "bound_to": f"m:{school.municipality.pk}"})
    assert issued.status_code == 201
    token = ApiToken.objects.get()
    assert token.municipality == school.municipality and token.role == Role.METHODIST
    auth = bearer(secret_in(issued))
    for own in (school, neighbour):
        assert client.get(f"/api/v1/organisations/{own.pk}/classes", **auth).status_code == 200
    assert client.get(f"/api/v1/organisations/{elsewhere.pk}/classes", **auth).status_code == 404


def test_r1_school_a_never_sees_or_revokes_the_tokens_of_school_b(client, admin):
    other = make_organisation()
    other_user, other_membership = make_member(role=Role.ADMINISTRATOR, organisation=other)
    from sreda.api.tests.factories import issue

    issue(organisation=other, name="Чужая ИС")
    theirs = ApiToken.objects.get(name="Чужая ИС")
    assert "Чужая ИС" not in client.get(URL).content.decode()
    assert client.post(reverse("tokens:revoke", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None


def test_r1_a_teacher_is_told_who_issues_tokens(client):
    school = make_organisation()
    user, membership = make_member(role=Role.TEACHER, organisation=school)
    act_as(client, user, membership)
    response = client.get(URL)
    assert response.status_code == 403 and "методист района" in response.content.decode()
