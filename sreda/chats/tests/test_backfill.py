"""R30 backfill: messages written while Sreda's application-service endpoint was down are read back from the
room history of a real Synapse and counted once."""
import uuid

import pytest

from sreda.chats.backfill import backfill_room, backfill_school
from sreda.chats.matrix import MatrixConnector
from sreda.chats.models import Chat, ChatKind, MessengerSettings
from sreda.chats.synapse_harness import free_port
from sreda.chats.tests.test_appservice_push import linked_member, say
from sreda.core.testing import make_organisation
from sreda.people.roles import Role
from sreda.stats.models import ActivityEvent

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def unreachable_endpoint_synapse(start_synapse):
    """A Synapse whose application service URL points at a port nobody listens on: every push fails."""
    server = start_synapse(as_url=f"http://127.0.0.1:{free_port()}")
    yield server
    server.stop()


@pytest.fixture
def school(unreachable_endpoint_synapse):
    server = unreachable_endpoint_synapse
    org = make_organisation()
    messenger = MessengerSettings.objects.create(
        organisation=org, homeserver_url=server.base_url, server_name=server.server_name,
        service_token=server.as_token, service_user_id=server.bot_user_id)
    with MatrixConnector.from_settings(messenger) as connector:
        room_id = connector.create_room(key_alias=f"sreda_b{uuid.uuid4().hex[:10]}", title="5А — родители",
                                        read_only=False)
        chat = Chat.objects.create(organisation=org, key="parents:1", kind=ChatKind.PARENTS, title="5А — родители",
                                   room_id=room_id)
        yield server, org, chat, connector


def test_r30_backfill_counts_messages_missed_while_the_endpoint_was_down(school):
    server, org, chat, connector = school
    parent_mx, stranger_mx = server.new_user("parent"), server.new_user("stranger")
    parent = linked_member(org, parent_mx, role=Role.PARENT)
    for user in (parent_mx, stranger_mx):
        connector.add_member(chat.room_id, user.user_id)
    first = say(server, parent_mx, chat.room_id, "Здравствуйте!")
    say(server, stranger_mx, chat.room_id, "Реклама")
    second = say(server, parent_mx, chat.room_id, "Завтра нас не будет")
    assert not ActivityEvent.objects.exists()  # nothing was pushed: the endpoint is down

    result = backfill_room(chat)
    assert result.stored == 2 and not result.errors
    events = {e.external_id: e for e in ActivityEvent.objects.all()}
    assert set(events) == {first, second}
    assert {(e.person_id, e.role, e.organisation_id, e.chat_kind) for e in events.values()} == {
        (parent.pk, Role.PARENT, org.pk, ChatKind.PARENTS)}  # the chat kind, as the push records it (R30)

    # Reading the history again (and the school-wide backfill) counts nothing twice.
    assert backfill_room(chat).stored == 0
    total = backfill_school(org)
    assert (total.rooms, total.stored, total.errors) == (1, 0, [])
    assert ActivityEvent.objects.count() == 2


def test_r30_backfill_reports_an_unreachable_homeserver_in_russian(school):
    _, org, _, _ = school
    MessengerSettings.objects.filter(organisation=org).update(homeserver_url=f"http://127.0.0.1:{free_port()}")
    result = backfill_school(org)
    assert result.stored == 0 and len(result.errors) == 1
    assert "Сервер Matrix не отвечает" in result.errors[0]["message"] and result.errors[0]["hint"]
    assert not ActivityEvent.objects.exists()
