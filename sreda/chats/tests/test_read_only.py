"""R28: a chat made one-way after its room exists becomes one-way in the messenger at the next sync, and the
setting survives later syncs, which then make no call."""
import pytest

from sreda.chats.faults import FaultyConnector
from sreda.chats.models import Chat, TaskStatus
from sreda.chats.sync import sync_school
from sreda.chats.tests.test_sync_synapse import School

pytestmark = pytest.mark.django_db


@pytest.fixture
def school(matrix_settings, matrix_user):
    return School(matrix_settings, matrix_user)


def test_r28_one_way_switched_on_later_reaches_the_room_and_survives_syncs(school, connector):
    assert sync_school(school.org, connector=connector).status == TaskStatus.DONE
    chat = Chat.objects.get(organisation=school.org, key=f"parents:{school.cls.pk}")
    assert chat.read_only_applied is False
    assert connector.power_levels(chat.room_id)["events_default"] == 0  # parents may write

    Chat.objects.filter(pk=chat.pk).update(read_only=True)  # what the plan page's toggle saves
    task = sync_school(school.org, connector=connector)
    assert task.status == TaskStatus.DONE, task.errors
    chat.refresh_from_db()
    assert chat.read_only and chat.read_only_applied is True
    levels = connector.power_levels(chat.room_id)
    assert levels["events_default"] == 50  # only staff write now
    assert levels["users"].get(school.id("teacher"), 0) >= 50 and school.id("parent1") not in levels["users"]

    counting = FaultyConnector(connector)  # no fault set: it only records the calls it passes through
    assert sync_school(school.org, connector=counting).status == TaskStatus.DONE
    assert counting.calls == []
    chat.refresh_from_db()
    assert chat.read_only and connector.power_levels(chat.room_id)["events_default"] == 50
