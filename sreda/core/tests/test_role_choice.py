"""Choosing as whom to act (R1) and the explanation of a missing role (R2)."""
from datetime import timedelta

import pytest
from django.utils import timezone

from sreda.core import active_role as ar
from sreda.core.testing import act_as, make_member, make_membership, make_organisation, make_user
from sreda.people.roles import Role

pytestmark = pytest.mark.django_db


def test_choices_are_buttons_private_person_first(client):
    organisation = make_organisation(short_name="МБОУ СОШ № 5")
    user, _ = make_member(role=Role.TEACHER, organisation=organisation)
    client.force_login(user)
    page = client.get("/role/").content.decode()
    assert page.index("Частное лицо") < page.index("Учитель — МБОУ СОШ № 5")
    assert 'name="key"' in page


def test_choosing_a_role_shows_it_in_the_header_everywhere(client):
    """R1: the active role is in the header with «Сменить роль»."""
    organisation = make_organisation(short_name="МБОУ СОШ № 5")
    user, membership = make_member(role=Role.TEACHER, organisation=organisation)
    client.force_login(user)
    response = client.post("/role/", {"key": f"m:{membership.pk}", "next": "/orgs/"})
    assert response.status_code == 302 and response.url == "/orgs/"
    assert client.session[ar.SESSION_KEY] == f"m:{membership.pk}"
    page = client.get("/orgs/").content.decode()
    assert "Учитель — МБОУ СОШ № 5" in page
    assert "Сменить роль" in page


def test_switching_roles_changes_what_the_person_may_do(client):
    """R1: permissions follow the active role, never the union: as a teacher no import link, as an
    administrator of the same school the import is offered."""
    organisation = make_organisation(short_name="МБОУ СОШ № 5")
    user, teacher = make_member(role=Role.TEACHER, organisation=organisation)
    administrator = make_membership(person=user.person, role=Role.ADMINISTRATOR, organisation=organisation)
    client.force_login(user)
    client.post("/role/", {"key": f"m:{administrator.pk}"})
    page = client.get("/").content.decode()
    assert "Администратор ОО — МБОУ СОШ № 5" in page
    client.post("/role/", {"key": f"m:{teacher.pk}"})
    page = client.get("/").content.decode()
    assert "Учитель — МБОУ СОШ № 5" in page
    assert "Администратор ОО — МБОУ СОШ № 5" not in page
    assert "Импорт контингента" not in page


def test_a_role_of_someone_else_is_refused(client):
    organisation = make_organisation()
    _, other = make_member(role=Role.DIRECTOR, organisation=organisation)
    user = make_user()
    client.force_login(user)
    response = client.post("/role/", {"key": f"m:{other.pk}"})
    assert response.status_code == 400
    assert "Такой роли нет среди ваших" in response.content.decode()
    assert ar.SESSION_KEY not in client.session


def test_operator_role_only_for_superusers(client):
    user = make_user()
    client.force_login(user)
    assert client.post("/role/", {"key": ar.PLATFORM_OPERATOR}).status_code == 400
    operator = make_user(superuser=True)
    client.force_login(operator)
    assert client.post("/role/", {"key": ar.PLATFORM_OPERATOR}).status_code == 302


def test_an_ended_membership_drops_the_choice(client):
    """R1: when the membership ends, the stale role is not kept; the person chooses again."""
    organisation = make_organisation()
    user, membership = make_member(role=Role.TEACHER, organisation=organisation)
    act_as(client, user, membership)
    assert client.get("/").status_code == 200
    membership.end_date = timezone.localdate()
    membership.save()
    response = client.get("/")
    assert response.status_code == 302 and response.url.startswith("/role/")
    page = client.get("/role/").content.decode()
    assert "Учитель — " not in page.split("Нет нужной роли?")[0]
    assert "завершена" in page


def test_missing_role_names_the_organisation_and_its_administrators(client):
    """R2: which organisation records which roles, and who adds a missing one."""
    organisation = make_organisation(short_name="МБОУ СОШ № 5")
    user, _ = make_member(role=Role.TEACHER, organisation=organisation)
    admin_user, _ = make_member(role=Role.ADMINISTRATOR, organisation=organisation)
    client.force_login(user)
    page = client.get("/role/").content.decode()
    block = page.split("Нет нужной роли?")[1]
    assert "МБОУ СОШ № 5" in block
    assert "Ваши роли здесь: Учитель" in block
    assert "«Администратор ОО»" in block
    assert admin_user.person.full_name in block


def test_missing_role_without_any_membership_explains_invitation_and_join_request(client):
    """R2: no memberships — an employee role comes by invitation, a student/parent role by a join request."""
    client.force_login(make_user())
    block = client.get("/role/").content.decode().split("Нет нужной роли?")[1]
    assert "по приглашению от школы" in block
    assert "заявки на вступление" in block


def test_future_membership_is_not_a_choice_yet(client):
    organisation = make_organisation(short_name="МБОУ СОШ № 7")
    user = make_user()
    make_membership(person=user.person, role=Role.TEACHER, organisation=organisation,
                    start_date=timezone.localdate() + timedelta(days=3))
    client.force_login(user)
    page = client.get("/role/").content.decode()
    assert "Учитель — МБОУ СОШ № 7" not in page


def test_role_choice_next_never_leaves_the_site(client):
    client.force_login(make_user())
    response = client.post("/role/", {"key": ar.PRIVATE, "next": "//evil.example/"})
    assert response.status_code == 302 and response.url == "/"
