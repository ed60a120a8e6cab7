"""R30 end to end: a real Synapse pushes the events of Sreda's rooms to the application-service endpoint served by
a Django live server; messages of linked people become activity events, the mirror follows joins and kicks.
Shared helpers for test_backfill.py live here too."""
import time
import uuid
from datetime import date
from urllib.parse import quote

import pytest

from sreda.chats.matrix import MatrixConnector
from sreda.chats.models import (
    AccountStatus,
    AppServiceTransaction,
    Chat,
    ChatKind,
    ChatMember,
    MessengerAccount,
    MessengerSettings,
)
from sreda.core.testing import make_membership, make_organisation, make_person
from sreda.people.models import Confirmation
from sreda.people.roles import Role
from sreda.stats.models import ActivityEvent

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module")
def pushing_synapse(start_synapse, live_server):
    """A Synapse of its own whose application service is this test session's live server; stopped with the
    module, so no late push reaches the live server while other modules' tests run."""
    server = start_synapse(as_url=live_server.url)
    yield server
    server.stop()


@pytest.fixture
def room_school(pushing_synapse, settings):
    """A school with messenger settings on the pushing server, its staff room, and a connector."""
    settings.SREDA_MATRIX_HS_TOKEN = pushing_synapse.hs_token
    org = make_organisation()
    messenger = MessengerSettings.objects.create(
        organisation=org, homeserver_url=pushing_synapse.base_url, server_name=pushing_synapse.server_name,
        service_token=pushing_synapse.as_token, service_user_id=pushing_synapse.bot_user_id)
    with MatrixConnector.from_settings(messenger) as connector:
        room_id = connector.create_room(key_alias=f"sreda_t{uuid.uuid4().hex[:10]}", title="Учительская",
                                        read_only=False)
        chat = Chat.objects.create(organisation=org, key="staff", kind=ChatKind.STAFF, title="Учительская",
                                   room_id=room_id)
        yield org, chat, connector, messenger


def linked_member(org, user, role=Role.TEACHER):
    person = make_person()
    make_membership(person=person, role=role, organisation=org, start_date=date(2025, 9, 1),
                    confirmation=Confirmation.CONFIRMED)
    MessengerAccount.objects.create(person=person, user_id=user.user_id, status=AccountStatus.LINKED)
    return person


def say(server, user, room_id, text) -> str:
    with server.client(user.token) as http:
        response = http.put(f"/_matrix/client/v3/rooms/{quote(room_id, safe='')}/send/m.room.message/"
                            f"{uuid.uuid4().hex}", json={"msgtype": "m.text", "body": text})
        response.raise_for_status()
        return response.json()["event_id"]


def wait_for(check, timeout=15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return False


def test_r30_pushed_message_of_a_linked_teacher_counts_a_strangers_does_not(pushing_synapse, room_school):
    org, chat, connector, _ = room_school
    teacher_mx, stranger_mx = pushing_synapse.new_user("teacher"), pushing_synapse.new_user("stranger")
    teacher = linked_member(org, teacher_mx)
    connector.add_member(chat.room_id, teacher_mx.user_id)
    connector.add_member(chat.room_id, stranger_mx.user_id)
    assert wait_for(lambda: ChatMember.objects.filter(chat=chat).count() == 2)  # the mirror follows the joins
    stranger_event = say(pushing_synapse, stranger_mx, chat.room_id, "Я не из школы")
    event_id = say(pushing_synapse, teacher_mx, chat.room_id, "Коллеги, педсовет в 15:00")
    assert wait_for(lambda: ActivityEvent.objects.filter(external_id=event_id).exists())
    event = ActivityEvent.objects.get(external_id=event_id)
    assert (event.person_id, event.organisation_id, event.role, event.source) == (teacher.pk, org.pk, Role.TEACHER,
                                                                                 "chat")
    assert not ActivityEvent.objects.filter(external_id=stranger_event).exists()
    assert ActivityEvent.objects.count() == 1
    assert AppServiceTransaction.objects.exists()


def test_r26_kick_pushed_by_the_homeserver_removes_from_the_mirror(pushing_synapse, room_school):
    org, chat, connector, _ = room_school
    parent_mx = pushing_synapse.new_user("parent")
    linked_member(org, parent_mx, role=Role.PARENT)
    connector.add_member(chat.room_id, parent_mx.user_id)
    assert wait_for(lambda: ChatMember.objects.filter(chat=chat, user_id=parent_mx.user_id).exists())
    # R26: Sreda put the parent in (invite by the service account, then join): not a link-joined parent.
    assert ChatMember.objects.get(chat=chat, user_id=parent_mx.user_id).via_link is False
    connector.remove_member(chat.room_id, parent_mx.user_id, "Нет в контингенте")
    assert wait_for(lambda: not ChatMember.objects.filter(chat=chat, user_id=parent_mx.user_id).exists())


def test_r30_redelivery_of_a_received_transaction_adds_nothing(client, pushing_synapse, room_school):
    """Synapse redelivers a transaction it got no answer to; replaying one it already delivered changes nothing."""
    org, chat, connector, _ = room_school
    teacher_mx = pushing_synapse.new_user("teacher")
    linked_member(org, teacher_mx)
    connector.add_member(chat.room_id, teacher_mx.user_id)
    event_id = say(pushing_synapse, teacher_mx, chat.room_id, "Раз")
    assert wait_for(lambda: ActivityEvent.objects.filter(external_id=event_id).exists())
    with pushing_synapse.client(teacher_mx.token) as http:
        event = http.get(f"/_matrix/client/v3/rooms/{quote(chat.room_id, safe='')}/event/{quote(event_id, safe='')}"
                         ).json()
    txn = AppServiceTransaction.objects.order_by("-id").first().txn_id
    for txn_id in (txn, "replay-1"):
        response = client.put(f"/_matrix/app/v1/transactions/{txn_id}", data={"events": [event]},
                              content_type="application/json",
                              HTTP_AUTHORIZATION=f"Bearer {pushing_synapse.hs_token}")
        assert response.status_code == 200
    assert ActivityEvent.objects.filter(external_id=event_id).count() == 1


def test_r26_parent_who_joins_by_link_is_marked_in_the_mirror(pushing_synapse, room_school):
    """The room is opened to joins by link; a linked parent joining on their own is recorded as link-joined,
    a stranger joining the same way is mirrored but not marked (the sync will remove them)."""
    org, chat, _, _ = room_school
    with pushing_synapse.as_client() as bot:
        bot.put(f"/_matrix/client/v3/rooms/{quote(chat.room_id, safe='')}/state/m.room.join_rules",
                json={"join_rule": "public"}).raise_for_status()
    parent_mx, stranger_mx = pushing_synapse.new_user("parent"), pushing_synapse.new_user("stranger")
    parent = linked_member(org, parent_mx, role=Role.PARENT)
    for user in (parent_mx, stranger_mx):
        with pushing_synapse.client(user.token) as http:
            http.post(f"/_matrix/client/v3/join/{quote(chat.room_id, safe='')}", json={}).raise_for_status()
    assert wait_for(lambda: ChatMember.objects.filter(chat=chat).count() == 2)
    rows = {m.user_id: (m.person_id, m.via_link) for m in ChatMember.objects.filter(chat=chat)}
    assert rows == {parent_mx.user_id: (parent.pk, True), stranger_mx.user_id: (None, False)}
