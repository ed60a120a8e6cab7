"""`python -m sreda token create|list|revoke` (R29): the printed secret authenticates; list and revoke
work by the 8-character prefix."""
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from sreda.api.auth import hash_secret
from sreda.api.models import ApiToken
from sreda.api.tests.factories import bearer
from sreda.core.testing import make_member, make_user

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out, err = StringIO(), StringIO()
    call_command("token", *args, stdout=out, stderr=err)
    return err.getvalue() + out.getvalue()


def test_token_create_prints_only_the_secret_on_stdout_for_scripts(school):
    out, err = StringIO(), StringIO()
    call_command("token", "create", "--org", school.organisation.inn, "--scope", "read", stdout=out, stderr=err)
    assert len(out.getvalue().split()) == 1 and "показывается один раз" in err.getvalue()
    assert ApiToken.objects.get().key_hash == hash_secret(out.getvalue().strip())


def test_token_create_prints_a_secret_that_then_authenticates(client, school):
    output = run("create", "--org", school.organisation.inn, "--scope", "read", "--name", "Школьная ИС")
    secret = output.strip().splitlines()[-1]

    response = client.get("/api/v1/me", **bearer(secret))

    assert "показывается один раз" in output
    assert response.status_code == 200
    assert response.json()["role"]["role"] == "administrator"
    assert response.json()["token"]["name"] == "Школьная ИС"
    assert ApiToken.objects.get().key_hash == hash_secret(secret)


def test_token_create_takes_a_role_and_several_scopes(client, school):
    output = run("create", "--org", school.organisation.inn, "--scope", "read", "--scope", "stats:read",
                 "--role", "teacher")
    secret = output.strip().splitlines()[-1]

    data = client.get("/api/v1/me", **bearer(secret)).json()

    assert data["role"]["role_label"] == "Учитель"
    assert data["token"]["scopes"] == ["read", "stats:read"]


def test_token_list_shows_prefixes_never_secrets(school):
    secret = run("create", "--org", school.organisation.inn, "--scope", "read").strip().splitlines()[-1]

    listing = run("list", "--org", school.organisation.inn)

    assert secret[:8] in listing and secret not in listing
    assert "действует" in listing


def test_token_revoke_by_prefix_ends_access(client, school):
    secret = run("create", "--org", school.organisation.inn, "--scope", "read").strip().splitlines()[-1]

    output = run("revoke", secret[:8])

    assert "отозван" in output
    assert client.get("/api/v1/me", **bearer(secret)).status_code == 401
    assert "отозван" in run("list", "--org", school.organisation.inn)


def test_unknown_organisation_and_prefix_are_explained(school):
    with pytest.raises(CommandError, match="ИНН «7800000000» не найдена"):
        run("create", "--org", "7800000000", "--scope", "read")
    with pytest.raises(CommandError, match="не найден"):
        run("revoke", "nosuchpf")
    assert not ApiToken.objects.exists()


def test_token_create_for_a_person_acts_in_their_own_role_so_a_confirmed_director_can_confirm(client, school):
    """R9 through the API needs the director's person (the confirmed one), not just «a director of the
    school»: `--user` binds the token to that person's role."""
    user, director = make_member(role="director", organisation=school.organisation, confirmation="confirmed")
    output = run("create", "--org", school.organisation.inn, "--scope", "read", "--role", "director",
                 "--user", user.username)
    secret = output.strip().splitlines()[-1]

    state = client.get(f"/api/v1/organisations/{school.organisation.pk}/confirmation/state", **bearer(secret))
    assert state.status_code == 200, state.content
    assert ApiToken.objects.get().membership == director


def test_token_create_for_a_person_without_that_role_is_refused(school):
    user = make_user()
    with pytest.raises(CommandError, match="нет действующей роли «Руководитель ОО»"):
        run("create", "--org", school.organisation.inn, "--scope", "read", "--role", "director", "--user", user.username)
    with pytest.raises(CommandError, match="не найдена"):
        run("create", "--org", school.organisation.inn, "--scope", "read", "--user", "nobody")
    assert not ApiToken.objects.exists()
