"""The demo's messenger (R24–R27): the demo school is pointed at a real homeserver, its people get linked Matrix
accounts, and the first sync fills the rooms — so `make demo` shows chats. Runs against the test session's
Synapse (sreda/chats/testing_synapse.py) instead of starting a second one."""
import io

import pytest
from django.core.management import call_command

from sreda.chats.matrix import MatrixConnector
from sreda.chats.models import AccountStatus, Chat, ChatKind, ExchangeTask, MessengerAccount, MessengerSettings
from sreda.core.active_role import system_operator
from sreda.demo import messenger
from sreda.demo.services import DEMO_PASSWORD, demo_class, first_school

pytestmark = pytest.mark.django_db(transaction=True)


def test_r24_r27_demo_school_gets_linked_accounts_and_rooms_on_the_homeserver(synapse, synapse_forget_aliases):
    call_command("demo", no_serve=True, schools=1, seed=3, stdout=io.StringIO())
    school = first_school()

    connected = messenger.connect_demo_school(actor=system_operator(), server=synapse)

    settings = MessengerSettings.objects.get(organisation=school)
    assert settings.homeserver_url == synapse.base_url and settings.service_user_id == synapse.bot_user_id
    assert "@demo_teacher:sreda.test" in connected.logins
    teacher_id = MessengerAccount.objects.get(person__user__username="teacher", status=AccountStatus.LINKED).user_id
    synapse.login("demo_teacher", password=DEMO_PASSWORD)  # the printed login works in a Matrix client

    # HUEY runs at once in tests: the queued first sync has run and created the rooms with their members.
    task = ExchangeTask.objects.filter(organisation=school).latest("pk")
    assert task.status == "done", task.errors
    homeroom = demo_class(school)
    connector = MatrixConnector.from_settings(settings)
    staff_room = Chat.objects.get(organisation=school, kind=ChatKind.STAFF).room_id
    parents_room = Chat.objects.get(organisation=school, kind=ChatKind.PARENTS, school_class=homeroom).room_id
    assert teacher_id in connector.joined_members(staff_room)
    assert teacher_id in connector.joined_members(parents_room)  # the class teacher of the demo class
    assert "@demo_parent:sreda.test" in connector.joined_members(parents_room)
    connector.close()


def test_demo_without_synapse_says_how_to_get_it(monkeypatch):
    monkeypatch.setattr(messenger, "synapse_installed", lambda: False)
    with pytest.raises(messenger.SynapseUnavailable, match="make synapse"):
        messenger.start(demo_port=8000)
