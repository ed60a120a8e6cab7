"""Signing in and out, and the consent gate (R3): nothing opens before consent."""
import pytest
from django.conf import settings

from sreda.core.models import AuditEntry
from sreda.core.testing import DEFAULT_PASSWORD, make_member, make_organisation, make_user
from sreda.people.models import Consent
from sreda.people.roles import Role

pytestmark = pytest.mark.django_db


def test_login_page_speaks_russian(client):
    page = client.get("/accounts/login/").content.decode()
    for text in ("Вход", "Логин", "Пароль", "Войти"):
        assert text in page


def test_wrong_password_says_so_in_russian(client):
    user = make_user()
    response = client.post("/accounts/login/", {"username": user.username, "password": "не тот"})
    assert response.status_code == 200
    assert "Неверный логин или пароль" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_sign_in_then_out(client):
    user = make_user()
    response = client.post("/accounts/login/", {"username": user.username, "password": DEFAULT_PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)
    page = client.get("/role/").content.decode()
    assert "Выйти" in page
    response = client.post("/accounts/logout/")
    assert response.status_code == 302 and response.url == "/accounts/login/"
    assert "_auth_user_id" not in client.session


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get("/orgs/")
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")


@pytest.mark.parametrize("path", ["/", "/orgs/", "/role/", "/people/1/"])
def test_nothing_opens_before_consent(client, path):
    """R3: a signed-in person without consent is sent to the consent page from everywhere."""
    user = make_user(consented=False)
    client.force_login(user)
    response = client.get(path)
    assert response.status_code == 302
    assert response.url.startswith("/consent/?next=")


def test_consent_page_shows_text_checkbox_and_button(client):
    client.force_login(make_user(consented=False))
    page = client.get("/consent/").content.decode()
    assert "152-ФЗ" in page
    assert "Я даю согласие на обработку моих персональных данных" in page
    assert "Принять" in page
    assert settings.CONSENT_VERSION in page


def test_consent_without_the_checkbox_is_refused_and_nothing_stored(client):
    user = make_user(consented=False)
    client.force_login(user)
    response = client.post("/consent/", {"next": "/orgs/"})
    assert response.status_code == 200
    assert "Чтобы продолжить, отметьте" in response.content.decode()
    assert not Consent.objects.filter(user=user).exists()


def test_accepting_stores_version_time_and_address_then_goes_on(client):
    """R3: the text version and the time are stored; then the role choice, then the page asked for."""
    user = make_user(consented=False)
    client.force_login(user)
    response = client.post("/consent/", {"agree": "on", "next": "/orgs/"}, REMOTE_ADDR="10.1.2.3")
    assert response.status_code == 302 and response.url == "/orgs/"
    consent = Consent.objects.get(user=user)
    assert consent.text_version == settings.CONSENT_VERSION
    assert consent.given_at is not None
    assert consent.ip_address == "10.1.2.3"
    assert AuditEntry.objects.filter(action="consent.give", actor=user).exists()
    # consent given, no role yet: the role choice comes next (R1)
    response = client.get("/orgs/")
    assert response.status_code == 302 and response.url.startswith("/role/")


def test_consent_next_never_leaves_the_site(client):
    client.force_login(make_user(consented=False))
    response = client.post("/consent/", {"agree": "on", "next": "https://evil.example/"})
    assert response.status_code == 302 and response.url == "/"


def test_a_new_consent_version_asks_again(client, settings):
    """R3: bumping the text version asks everyone again."""
    organisation = make_organisation()
    user, _ = make_member(role=Role.TEACHER, organisation=organisation)
    client.force_login(user)
    settings.CONSENT_VERSION = "2099-01-01"
    response = client.get("/")
    assert response.status_code == 302 and response.url.startswith("/consent/")


def test_choosing_a_role_before_consent_is_not_possible(client):
    """R3: even a POST to the role choice is sent to the consent page first."""
    organisation = make_organisation()
    user, membership = make_member(role=Role.TEACHER, organisation=organisation)
    Consent.objects.filter(user=user).delete()
    client.force_login(user)
    response = client.post("/role/", {"key": f"m:{membership.pk}"})
    assert response.status_code == 302 and response.url.startswith("/consent/")
    assert "sreda_active_role" not in client.session
