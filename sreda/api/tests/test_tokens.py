"""API tokens: issued with the secret shown once, only a hash kept; unknown and revoked tokens get 401;
the token's role is the active role (R1, R29)."""
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from sreda.api.auth import hash_secret
from sreda.api.models import SCOPE_READ, SCOPE_ROSTER_WRITE, ApiToken
from sreda.api.services import token_create, token_revoke
from sreda.api.tests.factories import bearer, issue
from sreda.core.active_role import for_membership, system_operator
from sreda.core.models import AuditEntry
from sreda.core.testing import make_member, make_organisation
from sreda.people.roles import Role

pytestmark = pytest.mark.django_db


def test_the_secret_is_returned_once_and_only_its_hash_is_stored(school):
    """R29: the secret leaves the service once; the database and the audit log never hold it."""
    token, secret = token_create(actor=system_operator(), name="Школьная ИС", scopes=[SCOPE_READ],
                                 role=Role.ADMINISTRATOR, organisation=school.organisation)

    stored = ApiToken.objects.get(pk=token.pk)
    assert stored.key_hash == hash_secret(secret) != secret
    assert stored.prefix == secret[:8]
    row = ApiToken.objects.filter(pk=token.pk).values().get()
    assert not any(secret in str(value) for value in row.values())
    entry = AuditEntry.objects.get(action="api_token.create")
    assert entry.organisation == school.organisation
    assert secret not in str(entry.details) and entry.details["prefix"] == token.prefix


def test_a_request_without_a_token_is_told_how_to_send_one(client, school):
    response = client.get("/api/v1/me")

    assert response.status_code == 401
    assert "Authorization: Bearer" in response.json()["detail"]
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("header", ["Bearer wrong-token", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer " + "x" * 500])
def test_an_unknown_token_is_refused_with_401(client, school, header):
    response = client.get("/api/v1/me", HTTP_AUTHORIZATION=header)

    assert response.status_code == 401
    assert response.json()["detail"]


def test_a_revoked_token_stops_working_at_once(client, school):
    secret = issue(organisation=school.organisation)
    assert client.get("/api/v1/me", **bearer(secret)).status_code == 200

    token_revoke(actor=system_operator(), token=ApiToken.objects.get(prefix=secret[:8]))
    response = client.get("/api/v1/me", **bearer(secret))

    assert response.status_code == 401
    assert response.json()["detail"] == "Токен не найден или отозван. Выпустите новый токен."
    assert AuditEntry.objects.filter(action="api_token.revoke").count() == 1


def test_revoking_twice_changes_nothing(school):
    token, _ = token_create(actor=system_operator(), name="ИС", scopes=[SCOPE_READ], role=Role.ADMINISTRATOR,
                            organisation=school.organisation)
    first = token_revoke(actor=system_operator(), token=token).revoked_at

    again = token_revoke(actor=system_operator(), token=token)

    assert again.revoked_at == first
    assert AuditEntry.objects.filter(action="api_token.revoke").count() == 1


def test_me_shows_the_role_the_token_acts_in(client, school):
    """R1: a token issued for the administrator role of school A acts as exactly that role."""
    secret = issue(role=Role.ADMINISTRATOR, organisation=school.organisation)

    data = client.get("/api/v1/me", **bearer(secret)).json()

    assert data["role"]["role"] == "administrator"
    assert data["role"]["label"] == f"Администратор ОО — {school.organisation.short_name}"
    assert data["role"]["organisation"]["inn"] == school.organisation.inn
    assert data["role"]["person"] is None
    assert data["token"]["prefix"] == secret[:8] and data["token"]["scopes"] == ["read"]
    assert "key_hash" not in str(data) and secret not in str(data)


def test_a_person_issues_a_token_for_their_own_role_and_it_acts_as_them(client, school):
    user, membership = make_member(role=Role.DIRECTOR, organisation=school.organisation)
    token, secret = token_create(actor=for_membership(membership, user=user), name="Мой скрипт",
                                 scopes=[SCOPE_READ], membership=membership)

    data = client.get("/api/v1/me", **bearer(secret)).json()

    assert token.created_by == user
    assert data["role"]["role"] == "director"
    assert data["role"]["person"]["id"] == user.person_id


def test_a_token_of_an_ended_role_is_refused(client, school):
    user, membership = make_member(role=Role.DIRECTOR, organisation=school.organisation)
    _, secret = token_create(actor=for_membership(membership, user=user), name="Скрипт", scopes=[SCOPE_READ],
                             membership=membership)
    membership.end_date = timezone.localdate()
    membership.save()

    response = client.get("/api/v1/me", **bearer(secret))

    assert response.status_code == 401
    assert "больше не действует" in response.json()["detail"]


def test_last_use_is_written_at_most_once_a_minute(client, school):
    secret = issue(organisation=school.organisation)
    token = ApiToken.objects.get(prefix=secret[:8])
    assert token.last_used_at is None

    client.get("/api/v1/me", **bearer(secret))
    first = ApiToken.objects.get(pk=token.pk).last_used_at
    client.get("/api/v1/me", **bearer(secret))
    assert ApiToken.objects.get(pk=token.pk).last_used_at == first

    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - timedelta(minutes=2))
    client.get("/api/v1/me", **bearer(secret))
    assert ApiToken.objects.get(pk=token.pk).last_used_at > first - timedelta(minutes=2)


def test_a_token_without_the_read_scope_cannot_read(client, school):
    secret = issue(organisation=school.organisation, scopes=(SCOPE_ROSTER_WRITE,))

    response = client.get(f"/api/v1/organisations/{school.organisation.pk}", **bearer(secret))

    assert response.status_code == 403
    assert "«read»" in response.json()["detail"]


def test_teachers_cannot_issue_tokens(school):
    user, membership = make_member(role=Role.TEACHER, organisation=school.organisation)

    with pytest.raises(PermissionDenied):
        token_create(actor=for_membership(membership, user=user), name="ИС", scopes=[SCOPE_READ], membership=membership)
    assert not ApiToken.objects.exists()


def test_an_administrator_cannot_issue_a_token_stronger_than_their_own_role(school):
    """A token never acts with more power than its issuer (R1)."""
    user, membership = make_member(role=Role.ADMINISTRATOR, organisation=school.organisation)
    actor = for_membership(membership, user=user)

    with pytest.raises(PermissionDenied, match="только для своей роли"):
        token_create(actor=actor, name="ИС", scopes=[SCOPE_READ], role=Role.DIRECTOR, organisation=school.organisation)
    token, _ = token_create(actor=actor, name="ИС", scopes=[SCOPE_READ], role=Role.ADMINISTRATOR,
                            organisation=school.organisation)
    assert ApiToken.objects.get() == token


def test_a_district_methodist_issues_tokens_for_schools_of_their_district_only(school, other_school):
    """R29: the district issues a school's integration token."""
    user, membership = make_member(role=Role.METHODIST, municipality=school.municipality)
    actor = for_membership(membership, user=user)
    neighbour = make_organisation(municipality=school.municipality)

    token, _ = token_create(actor=actor, name="ИС", scopes=[SCOPE_READ], role=Role.ADMINISTRATOR, organisation=neighbour)
    with pytest.raises(PermissionDenied):
        token_create(actor=actor, name="ИС", scopes=[SCOPE_READ], role=Role.ADMINISTRATOR,
                     organisation=other_school.organisation)
    assert list(ApiToken.objects.all()) == [token]


@pytest.mark.parametrize("scopes, message", [([], "хотя бы одну"), (["write-all"], "Неизвестная область")])
def test_scopes_are_checked(school, scopes, message):
    with pytest.raises(ValidationError, match=message):
        token_create(actor=system_operator(), name="ИС", scopes=scopes, role=Role.ADMINISTRATOR,
                     organisation=school.organisation)
    assert not ApiToken.objects.exists()
