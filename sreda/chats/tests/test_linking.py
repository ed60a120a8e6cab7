"""R27: linking a person's messenger account by a code the school's service account sends, against a real
Synapse (sreda/chats/testing_synapse.py). The code is read from the direct message as the user would."""
import re
from datetime import timedelta
from urllib.parse import quote

import pytest
from django.urls import reverse

from sreda.chats import linking
from sreda.chats.models import (
    AccountStatus,
    ExchangeTask,
    MessengerAccount,
    MessengerSettings,
    TaskTrigger,
)
from sreda.core.models import AuditEntry
from sreda.core.testing import act_as, make_member, make_organisation
from sreda.people.models import Confirmation
from sreda.people.roles import Role

pytestmark = pytest.mark.django_db


def read_code(synapse, user) -> str:
    """Join the direct room the service account invited the user to and read the newest code from it."""
    with synapse.client(user.token) as http:
        invites = http.get("/_matrix/client/v3/sync", params={"timeout": 0}).json().get("rooms", {}).get("invite", {})
        for room_id in invites:
            http.post(f"/_matrix/client/v3/join/{quote(room_id, safe='')}", json={}).raise_for_status()
        joined = http.get("/_matrix/client/v3/joined_rooms").json()["joined_rooms"]
        for room_id in joined:
            chunk = http.get(f"/_matrix/client/v3/rooms/{quote(room_id, safe='')}/messages",
                             params={"dir": "b", "limit": 20}).json()["chunk"]
            for event in chunk:
                if event.get("sender") == synapse.bot_user_id and event["type"] == "m.room.message":
                    found = re.search(r"\b(\d{6})\b", event["content"].get("body", ""))
                    if found:
                        return found.group(1)
    raise AssertionError("код не пришёл")


@pytest.fixture
def teacher(matrix_settings):
    settings = matrix_settings()
    user, membership = make_member(role=Role.TEACHER, organisation=settings.organisation,
                                   confirmation=Confirmation.CONFIRMED)
    return user, membership, settings


def start(client, user_id):
    return client.post(reverse("chats:link_start"), {"user_id": user_id})


def confirm(client, code):
    return client.post(reverse("chats:link_confirm"), {"code": code})


def test_r27_link_with_the_code_from_the_message_then_unlink(client, teacher, matrix_user, synapse,
                                                           django_capture_on_commit_callbacks):
    user, membership, settings = teacher
    act_as(client, user, membership)
    mx = matrix_user("teacher")
    assert start(client, mx.user_id).status_code == 302
    account = MessengerAccount.objects.get(person=user.person)
    assert account.status == AccountStatus.PENDING
    code = read_code(synapse, mx)
    assert code not in account.code_hash  # only a keyed hash is stored
    # Building this school's roster already queued a sync (R25); start from none, as after that sync ran.
    ExchangeTask.objects.filter(organisation=settings.organisation).delete()
    MessengerSettings.objects.filter(pk=settings.pk).update(next_sync_at=None)
    with django_capture_on_commit_callbacks(execute=True):
        assert confirm(client, code).status_code == 302
    account.refresh_from_db()
    assert account.status == AccountStatus.LINKED and account.user_id == mx.user_id
    page = client.get(reverse("chats:link"))
    assert mx.user_id in page.content.decode() and "Отвязать" in page.content.decode()
    assert linking.linked_user_id(user.person) == mx.user_id
    # R27: linking triggers the sync of the person's school.
    assert ExchangeTask.objects.filter(organisation=settings.organisation, trigger=TaskTrigger.LINK).exists()
    assert client.post(reverse("chats:link_remove")).status_code == 302
    assert not MessengerAccount.objects.filter(person=user.person).exists()
    actions = set(AuditEntry.objects.filter(actor=user).values_list("action", flat=True))
    assert {"chats.messenger_code_sent", "chats.messenger_link", "chats.messenger_unlink"} <= actions


def test_r27_five_wrong_codes_lock_the_code(client, teacher, matrix_user, synapse):
    user, membership, _ = teacher
    act_as(client, user, membership)
    mx = matrix_user("teacher")
    start(client, mx.user_id)
    code = read_code(synapse, mx)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for left in (4, 3, 2, 1):
        response = confirm(client, wrong)
        assert response.status_code == 400 and f"Осталось попыток: {left}" in response.content.decode()
    assert linking.LOCKED in confirm(client, wrong).content.decode()
    response = confirm(client, code)  # even the right code no longer links
    assert response.status_code == 400 and linking.LOCKED in response.content.decode()
    assert MessengerAccount.objects.get(person=user.person).status == AccountStatus.PENDING


def test_r27_expired_code_is_refused(client, teacher, matrix_user, synapse):
    user, membership, _ = teacher
    act_as(client, user, membership)
    mx = matrix_user("teacher")
    start(client, mx.user_id)
    code = read_code(synapse, mx)
    account = MessengerAccount.objects.get(person=user.person)
    MessengerAccount.objects.filter(pk=account.pk).update(code_sent_at=account.code_sent_at - timedelta(minutes=16))
    response = confirm(client, code)
    assert response.status_code == 400 and linking.EXPIRED in response.content.decode()
    assert MessengerAccount.objects.get(pk=account.pk).status == AccountStatus.PENDING


def test_r27_an_id_linked_to_another_person_is_refused(client, teacher, matrix_user, synapse):
    user, membership, settings = teacher
    mx = matrix_user("shared")
    other, _ = make_member(role=Role.PARENT, organisation=settings.organisation)
    MessengerAccount.objects.create(person=other.person, user_id=mx.user_id, status=AccountStatus.LINKED)
    act_as(client, user, membership)
    response = start(client, mx.user_id)
    assert response.status_code == 400
    assert linking.TAKEN.format(user_id=mx.user_id) in response.content.decode()
    assert not MessengerAccount.objects.filter(person=user.person).exists()


def test_r27_unknown_or_foreign_ids_are_refused_in_russian(client, teacher):
    user, membership, _ = teacher
    act_as(client, user, membership)
    response = start(client, "@nobody_here:sreda.test")
    assert response.status_code == 400 and "нет пользователя @nobody_here:sreda.test" in response.content.decode()
    response = start(client, "@someone:matrix.org")
    assert "на сервере школы: @имя:sreda.test" in response.content.decode()
    response = start(client, "not an id")
    assert "@имя:сервер" in response.content.decode()
    assert not MessengerAccount.objects.exists()


def test_r27_school_without_chats_explains_why(client):
    user, membership = make_member(role=Role.TEACHER, organisation=make_organisation())
    act_as(client, user, membership)
    page = client.get(reverse("chats:link"))
    assert page.status_code == 200 and "пока не подключены" in page.content.decode()
    response = start(client, "@x:sreda.test")
    assert response.status_code == 400 and "не подключены" in response.content.decode()


def test_r27_api_link_confirm_unlink(client, teacher, matrix_user, synapse):
    from sreda.api.models import SCOPE_CHATS
    from sreda.api.services import token_create
    from sreda.api.tests.factories import bearer
    from sreda.core.active_role import system_operator

    _, membership, _ = teacher
    _, secret = token_create(actor=system_operator(), name="Бот школы", scopes=[SCOPE_CHATS], membership=membership)
    auth = bearer(secret)
    mx = matrix_user("api")
    response = client.post("/api/v1/me/messenger", {"user_id": mx.user_id}, content_type="application/json", **auth)
    assert response.status_code == 202 and response.json()["status"] == "pending"
    response = client.post("/api/v1/me/messenger/confirm", {"code": "000000"}, content_type="application/json",
                           **auth)
    if response.status_code == 200:  # the random code happened to be 000000
        assert response.json()["status"] == "linked"
    else:
        assert response.status_code == 422 and "Осталось попыток" in response.json()["detail"]
        response = client.post("/api/v1/me/messenger/confirm", {"code": read_code(synapse, mx)},
                               content_type="application/json", **auth)
        assert response.status_code == 200 and response.json()["user_id"] == mx.user_id
    assert client.get("/api/v1/me/messenger", **auth).json()["status"] == "linked"
    assert client.delete("/api/v1/me/messenger", **auth).status_code == 204
    assert client.get("/api/v1/me/messenger", **auth).json() == {"user_id": "", "status": "none",
                                                                 "code_expires_at": None, "attempts_left": None,
                                                                 "linked_at": None}


def test_r27_api_needs_a_person_token_and_a_scope(client, teacher):
    from sreda.api.models import SCOPE_STATS_READ
    from sreda.api.tests.factories import bearer, issue

    _, _, settings = teacher
    school_token = issue(role=Role.ADMINISTRATOR, organisation=settings.organisation)  # no person behind it
    response = client.post("/api/v1/me/messenger", {"user_id": "@x:sreda.test"}, content_type="application/json",
                           **bearer(school_token))
    assert response.status_code == 403 and "не привязан к человеку" in response.json()["detail"]
    wrong_scope = issue(role=Role.ADMINISTRATOR, organisation=settings.organisation, scopes=(SCOPE_STATS_READ,))
    assert client.get("/api/v1/me/messenger", **bearer(wrong_scope)).status_code == 403
    assert client.get("/api/v1/me/messenger").status_code == 401
    assert not MessengerAccount.objects.exists()


def test_r27_id_linked_by_someone_else_before_the_code_is_typed_is_refused(client, teacher, matrix_user, synapse):
    """Two people asked for codes to the same id; the one who confirms second is told it is taken."""
    user, membership, settings = teacher
    act_as(client, user, membership)
    mx = matrix_user("contested")
    start(client, mx.user_id)
    code = read_code(synapse, mx)
    other, _ = make_member(role=Role.PARENT, organisation=settings.organisation)
    MessengerAccount.objects.create(person=other.person, user_id=mx.user_id, status=AccountStatus.LINKED)
    response = confirm(client, code)
    assert response.status_code == 400 and linking.TAKEN.format(user_id=mx.user_id) in response.content.decode()
    assert MessengerAccount.objects.get(person=user.person).status == AccountStatus.PENDING


def test_r27_a_new_code_not_more_often_than_every_half_minute(client, teacher, matrix_user):
    user, membership, _ = teacher
    act_as(client, user, membership)
    mx = matrix_user("again")
    start(client, mx.user_id)
    first = MessengerAccount.objects.get(person=user.person)
    response = start(client, mx.user_id)
    assert response.status_code == 400 and "Код уже отправлен" in response.content.decode()
    assert MessengerAccount.objects.get(person=user.person).code_hash == first.code_hash


def test_r27_anonymous_visitor_is_sent_to_sign_in_and_nothing_changes(client):
    for name in ("chats:link", "chats:link_start", "chats:link_confirm", "chats:link_remove"):
        call = client.get if name == "chats:link" else client.post
        response = call(reverse(name), {"user_id": "@x:sreda.test", "code": "123456"})
        assert response.status_code == 302 and "/accounts/login" in response["Location"]
    assert not MessengerAccount.objects.exists()


def test_r27_linked_id_on_the_persons_record_field(teacher):
    from django.template.loader import render_to_string

    user, _, _ = teacher
    assert "не привязан" in render_to_string("chats/link_person_field.html",
                                             {"messenger_id": linking.linked_user_id(user.person)})
    MessengerAccount.objects.create(person=user.person, user_id="@anna:sreda.test", status=AccountStatus.LINKED)
    html = render_to_string("chats/link_person_field.html", {"messenger_id": linking.linked_user_id(user.person)})
    assert "@anna:sreda.test" in html and "Мессенджер" in html
