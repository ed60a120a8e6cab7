"""R29: the school's messenger settings page — who may open it, the token never shown back (masked, kept unless a
new one is typed), bad input refused in Russian with nothing changed, and «Проверить соединение» against the real
Synapse of the test session (sreda/chats/testing_synapse.py) and an address where nothing listens."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from sreda.chats.models import MessengerSettings
from sreda.chats.testing_synapse import *
from sreda.core import active_role as ar
from sreda.core.audit import AuditEntry
from sreda.core.testing import act_as, make_member, make_organisation, make_user
from sreda.people.roles import Role

pytestmark = pytest.mark.django_db
URL = "/chats/settings/"
TOKEN = "syt_secret_token_value_1234"


def valid(**kw):
    data = {"homeserver_url": "https://matrix.school.ru", "server_name": "school.ru",
            "service_user_id": "@sreda_bot:school.ru", "service_token": TOKEN, "group_id": "",
            "sync_interval_minutes": "30", "enabled": "on"}
    data.update(kw)
    return data


@pytest.fixture
def director(client):
    org = make_organisation()
    user, membership = make_member(role=Role.DIRECTOR, organisation=org, confirmation="confirmed")
    act_as(client, user, membership)
    return org


def test_r29_director_saves_settings_and_the_token_is_masked(client, director):
    response = client.post(URL, valid())
    assert response.status_code == 302
    saved = MessengerSettings.objects.get(organisation=director)
    assert saved.service_token == TOKEN and saved.server_name == "school.ru" and saved.enabled
    page = client.get(URL).content.decode()
    assert TOKEN not in page
    assert "••••••••1234" in page
    assert AuditEntry.objects.filter(action="chats.settings_save", organisation=director).exists()


def test_r29_token_is_kept_when_the_field_is_left_empty_and_replaced_when_typed(client, director):
    client.post(URL, valid())
    client.post(URL, valid(service_token="", sync_interval_minutes="15"))
    saved = MessengerSettings.objects.get(organisation=director)
    assert saved.service_token == TOKEN and saved.sync_interval_minutes == 15
    assert saved.next_sync_at <= timezone.now() + timedelta(minutes=15)  # the shorter interval applies at once
    client.post(URL, valid(service_token="syt_new_token_9999"))
    assert MessengerSettings.objects.get(organisation=director).service_token == "syt_new_token_9999"


@pytest.mark.parametrize("field,value,message", [
    ("service_user_id", "sreda_bot", "@имя:сервер"),
    ("server_name", "https://school.ru", "без «https://»"),
    ("sync_interval_minutes", "0", "от 1 до 1440"),
    ("homeserver_url", "matrix school", "адрес сервера целиком"),
    ("service_user_id", "@sreda_bot:other.ru", "должна быть на сервере «school.ru»"),
])
def test_r29_bad_input_is_refused_in_russian_and_nothing_changes(client, director, field, value, message):
    client.post(URL, valid())
    response = client.post(URL, valid(**{field: value, "service_token": "syt_other"}))
    assert response.status_code == 400
    assert message in response.content.decode()
    saved = MessengerSettings.objects.get(organisation=director)
    assert saved.service_token == TOKEN and saved.server_name == "school.ru"


def test_r29_first_save_needs_a_token(client, director):
    response = client.post(URL, valid(service_token=""))
    assert response.status_code == 400
    assert "Введите токен" in response.content.decode()
    assert not MessengerSettings.objects.exists()


def test_r29_teacher_may_not_open_settings(client):
    org = make_organisation()
    user, membership = make_member(role=Role.TEACHER, organisation=org, confirmation="confirmed")
    act_as(client, user, membership)
    assert client.get(URL).status_code == 403
    assert client.post(URL, valid()).status_code == 403
    assert not MessengerSettings.objects.exists()


def test_r29_each_school_sees_only_its_own_settings(client, director):
    other = make_organisation()
    MessengerSettings.objects.create(organisation=other, homeserver_url="https://b.ru", server_name="b.ru",
                                     service_token="syt_b_token_5555", service_user_id="@sreda_bot:b.ru")
    page = client.get(URL + f"?org={other.pk}").content.decode()
    assert "b.ru" not in page and "5555" not in page
    client.post(URL, valid(org=str(other.pk)))
    assert MessengerSettings.objects.get(organisation=other).server_name == "b.ru"
    assert MessengerSettings.objects.get(organisation=director).server_name == "school.ru"


def test_r29_platform_operator_chooses_the_school(client):
    org = make_organisation()
    client.force_login(make_user(superuser=True))
    session = client.session
    session[ar.SESSION_KEY] = ar.PLATFORM_OPERATOR
    session.save()
    assert client.post(URL + f"?org={org.pk}", valid(org=str(org.pk))).status_code == 302
    assert MessengerSettings.objects.get(organisation=org).server_name == "school.ru"


def test_r29_check_connection_against_the_real_server(client, director, synapse):
    data = valid(homeserver_url=synapse.base_url, server_name=synapse.server_name,
                 service_user_id=synapse.bot_user_id, service_token=synapse.as_token, check="1")
    page = client.post(URL, data).content.decode()
    assert "Соединение установлено" in page
    assert not MessengerSettings.objects.exists()  # checking does not save


def test_r29_check_connection_explains_a_wrong_token(client, director, synapse):
    data = valid(homeserver_url=synapse.base_url, server_name=synapse.server_name,
                 service_user_id=synapse.bot_user_id, service_token="syt_wrong", check="1")
    page = client.post(URL, data).content.decode()
    assert "Соединение установлено" not in page
    assert "Токен" in page or "токен" in page


def test_r29_check_connection_explains_a_missing_service_account(client, director, synapse):
    data = valid(homeserver_url=synapse.base_url, server_name=synapse.server_name,
                 service_user_id=f"@sreda_nobody:{synapse.server_name}", service_token=synapse.as_token, check="1")
    page = client.post(URL, data).content.decode()
    assert "Соединение установлено" not in page
    assert "@sreda_nobody" in page


def test_r29_check_connection_explains_a_server_that_does_not_answer(client, director):
    page = client.post(URL, valid(homeserver_url="http://127.0.0.1:1", check="1")).content.decode()
    assert "Соединение установлено" not in page
    assert "не отвечает" in page or "Не удалось" in page
