"""R25, R28 end to end with a real Synapse pushing to the application service: a room renamed or its power levels
changed by hand (by a room admin other than the service account) is recorded from the push, so the next ordinary
sync — without --reconcile — puts the plan's title and one-way setting back; the service account's own changes
are not taken for hand-made ones."""
from urllib.parse import quote

import pytest
from django.db import OperationalError

from sreda.chats.models import Chat, ChatMember
from sreda.chats.sync import sync_school
from sreda.chats.tests.test_appservice_push import (  # noqa: F401
    linked_member,
    pushing_synapse,
    room_school,
)
from sreda.chats.tests.test_appservice_push import wait_for as _wait_for
from sreda.chats.tests.test_sync_synapse import Counting
from sreda.people.roles import Role

pytestmark = pytest.mark.django_db(transaction=True)


def wait_for(check) -> bool:
    """Until `check()` holds; a read that meets the live server's write in progress (SQLite's shared in-memory
    database locks the table meanwhile) is simply tried again."""
    def safe():
        try:
            return check()
        except OperationalError:
            return False

    return _wait_for(safe)


def put_state(server, token, room_id, event_type, content):
    with server.client(token) as http:
        http.put(f"/_matrix/client/v3/rooms/{quote(room_id, safe='')}/state/{event_type}",
                 json=content).raise_for_status()


def test_r25_r28_room_renamed_and_opened_by_hand_is_put_back_by_the_next_sync(pushing_synapse, room_school):  # noqa: F811
    org, chat, connector, _ = room_school
    Chat.objects.filter(pk=chat.pk).update(read_only_applied=False)
    admin = pushing_synapse.new_user("director")  # the director, whom the server's admin made a room admin by hand
    linked_member(org, admin, role=Role.DIRECTOR)
    connector.add_member(chat.room_id, admin.user_id)
    levels = connector.power_levels(chat.room_id)
    put_state(pushing_synapse, pushing_synapse.as_token, chat.room_id, "m.room.power_levels",
              dict(levels, users={**levels.get("users", {}), admin.user_id: 100}))
    assert wait_for(lambda: ChatMember.objects.filter(chat=chat, user_id=admin.user_id).exists())
    chat.refresh_from_db()
    assert (chat.title, chat.read_only_applied) == ("Учительская", False)  # Sreda's own changes are not drift

    put_state(pushing_synapse, admin.token, chat.room_id, "m.room.name", {"name": "Флудилка"})
    assert wait_for(lambda: Chat.objects.get(pk=chat.pk).title == "Флудилка")
    levels = connector.power_levels(chat.room_id)
    put_state(pushing_synapse, admin.token, chat.room_id, "m.room.power_levels", dict(levels, events_default=100))
    assert wait_for(lambda: Chat.objects.get(pk=chat.pk).read_only_applied is True)

    task = sync_school(org, connector=connector)  # the ordinary sync: no reconcile
    assert task.status == "done", task.errors
    assert task.counts["renamed"] == 1
    assert connector.room_title(chat.room_id) == "Учительская"
    levels = connector.power_levels(chat.room_id)
    assert levels["events_default"] == 0 and admin.user_id not in levels.get("users", {})
    assert connector.joined_members(chat.room_id) == {admin.user_id}
    counting = Counting(connector)
    assert sync_school(org, connector=counting).status == "done"
    assert counting.calls == []
