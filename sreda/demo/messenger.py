"""The demo's messenger (R24–R30): a local Synapse homeserver started beside the demo server, so that the chats
pages show real rooms.

The homeserver is the one the tests use (sreda/chats/synapse_harness.py): a fresh one on every start, with its
data in a temporary directory, Sreda registered as its application service (pushing to the demo server), and the
service account a server admin. Because the rooms do not outlive the homeserver, every start forgets the rooms of
the previous one (room ids and the member mirror of the demo school) and the first sync creates them anew.

Who gets a Matrix account: the demo school's staff (so every class has a linked class teacher, R27) and the
students and parents of the demo class, each with the demo password. The demo's own logins keep their names
(@demo_teacher:sreda.test, @demo_parent:sreda.test …), so a Matrix client pointed at the homeserver can sign in as them.
"""
from __future__ import annotations

import os
import socket
from dataclasses import dataclass

from django.conf import settings as django_settings
from django.db import transaction
from django.utils import timezone

from sreda.chats.appservice import HS_TOKEN_SETTING
from sreda.chats.models import AccountStatus, Chat, ChatMember, MessengerAccount, MessengerSettings
from sreda.chats.synapse_harness import SynapseServer, SynapseUnavailable, free_port, synapse_installed
from sreda.chats.tasks import queue_sync
from sreda.core.audit import audit
from sreda.demo.services import DEMO_PASSWORD, demo_class, first_school
from sreda.people.models import Guardianship, Membership, Person, User
from sreda.people.roles import SCHOOL_STAFF_ROLES, Role

PREFERRED_PORT = 8008  # Matrix's usual client port, when free


@dataclass(frozen=True)
class DemoMessenger:
    server: SynapseServer
    school_name: str
    accounts: int
    logins: list[str]


def start(*, demo_port: int) -> SynapseServer:
    """Start the homeserver, pushing to the demo server on `demo_port`. Raises SynapseUnavailable, with what
    to do, when Synapse is not installed or does not come up."""
    if not synapse_installed():
        raise SynapseUnavailable("Synapse не установлен: выполните `make synapse` (его ставит `make demo`).")
    server = SynapseServer(as_url=f"http://127.0.0.1:{demo_port}", port=_port())
    server.start()
    # The demo server (this process) and the task worker (started after this) check the pushes with it (R30).
    setattr(django_settings, HS_TOKEN_SETTING, server.hs_token)
    os.environ[HS_TOKEN_SETTING] = server.hs_token
    return server


def _port() -> int:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", PREFERRED_PORT))
        except OSError:
            return free_port()
    return PREFERRED_PORT


def connect_demo_school(*, actor, server: SynapseServer) -> DemoMessenger | None:
    """Point the demo school at the homeserver, give its people Matrix accounts linked to their records, forget
    the rooms of a previous homeserver and queue the first sync. Idempotent for one homeserver."""
    school = first_school()
    if school is None:
        return None
    people = _people_to_link(school)
    logins = {user.person_id: user.username for user in User.objects.filter(person__in=people, is_superuser=False)}
    matrix_ids = {}
    for person in people:
        # «admin» is the homeserver's own bootstrap admin: every demo localpart carries a prefix.
        localpart = f"demo_{logins.get(person.pk) or person.pk}"
        user_id, _ = server.register_user(localpart, password=DEMO_PASSWORD)
        matrix_ids[person.pk] = user_id
    now = timezone.now()
    with transaction.atomic():
        MessengerSettings.objects.update_or_create(organisation=school, defaults={
            "homeserver_url": server.base_url, "server_name": server.server_name, "service_token": server.as_token,
            "service_user_id": server.bot_user_id, "enabled": True, "last_sync_at": None, "next_sync_at": None})
        # The rooms lived on the previous homeserver: forget them, the sync creates them again.
        ChatMember.objects.filter(chat__organisation=school).delete()
        Chat.objects.filter(organisation=school).update(room_id="", read_only_applied=None)
        MessengerAccount.objects.filter(person__in=people).delete()
        MessengerAccount.objects.filter(user_id__in=matrix_ids.values()).delete()
        MessengerAccount.objects.bulk_create([
            MessengerAccount(person_id=pk, user_id=user_id, status=AccountStatus.LINKED, linked_at=now)
            for pk, user_id in matrix_ids.items()])
        audit(actor=actor, action="demo.messenger_connect", organisation=school,
              details={"homeserver": server.base_url, "accounts": len(matrix_ids)})
    transaction.on_commit(lambda: queue_sync(school))
    shown = [matrix_ids[pk] for pk, name in logins.items() if pk in matrix_ids]
    return DemoMessenger(server=server, school_name=school.short_name, accounts=len(matrix_ids), logins=sorted(shown))


def _people_to_link(school) -> list[Person]:
    active = Membership.objects.active()
    staff = active.filter(organisation=school, role__in=SCHOOL_STAFF_ROLES).values("person_id")
    homeroom = demo_class(school)
    ids = set(staff.values_list("person_id", flat=True))
    if homeroom is not None:
        students = set(active.filter(school_class=homeroom, role=Role.STUDENT).values_list("person_id", flat=True))
        parents = set(Guardianship.objects.filter(child_id__in=students).values_list("parent_id", flat=True))
        ids |= students | parents
    return list(Person.objects.filter(pk__in=ids).order_by("pk"))
