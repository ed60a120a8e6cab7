"""Property (R24–R28) against the real Synapse: for random small rosters (1–2 classes; students, parents, teachers,
some linked, some not; some chats one-way) and random drift made by hand on the server (a member kicked, a
stranger joined, a room renamed, power levels changed), one sync (with --reconcile: it re-reads the rooms first)
makes every room equal to the plan — members exactly the linked roster members plus the service account, the
plan's titles, the one-way settings — and a second sync makes no messenger call. Each example uses a fresh school,
so rooms never collide. `Counting` forwards every call to the real connector (not a mock)."""
from __future__ import annotations

from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sreda.chats.matrix import STAFF_LEVEL
from sreda.chats.models import AccountStatus, Chat, MessengerAccount, TaskStatus
from sreda.chats.plan import school_plan
from sreda.chats.sync import sync_school
from sreda.chats.testing_synapse import *
from sreda.chats.tests.test_sync_synapse import Counting, current_year
from sreda.core.testing import (
    make_class,
    make_membership,
    make_municipality,
    make_organisation,
    make_person,
)
from sreda.people.models import Guardianship
from sreda.people.roles import SCHOOL_STAFF_ROLES, Role

pytestmark = pytest.mark.django_db

person_st = st.booleans()  # linked?
class_st = st.fixed_dictionaries({
    "teacher_linked": st.booleans(),
    "students": st.lists(st.tuples(person_st, person_st), min_size=1, max_size=3),  # (student linked, parent linked)
    "parents_read_only": st.booleans(),
    "students_read_only": st.booleans(),
})
roster_st = st.fixed_dictionaries({
    "director_linked": st.booleans(),
    "teachers": st.lists(person_st, max_size=2),  # other teachers (not class teachers)
    "classes": st.lists(class_st, min_size=1, max_size=2),
    "staff_read_only": st.booleans(),
})
DRIFTS = ("kick", "stranger", "rename", "open", "close", "promote")


class Roster:
    """A fresh school on the session Synapse built from a drawn roster; the sync has created its rooms."""

    def __init__(self, spec, matrix_settings, synapse, municipality):
        self.synapse = synapse
        self.org = make_organisation(municipality=municipality)  # one district: region codes are few
        self.settings = matrix_settings(self.org)
        year = current_year()
        self.person(Role.DIRECTOR, spec["director_linked"])
        for linked in spec["teachers"]:
            self.person(Role.TEACHER, linked)
        read_only = {"staff": spec["staff_read_only"]}
        for n, c in enumerate(spec["classes"]):
            teacher = self.person(Role.TEACHER, c["teacher_linked"])
            cls = make_class(organisation=self.org, school_year=year, grade=5 + n, letter="А", class_teacher=teacher)
            for student_linked, parent_linked in c["students"]:
                student = self.person(Role.STUDENT, student_linked, school_class=cls)
                Guardianship.objects.create(parent=self.person(None, parent_linked), child=student)
            read_only[f"parents:{cls.pk}"] = c["parents_read_only"]
            read_only[f"students:{cls.pk}"] = c["students_read_only"]
        for key, value in read_only.items():  # R28: the one-way switch of the plan page, before the first sync
            if value:
                planned = next((p for p in school_plan(self.org) if p.key == key), None)
                if planned is not None:
                    Chat.objects.create(organisation=self.org, key=key, kind=planned.kind, title=planned.title,
                                        school_class_id=planned.class_id, read_only=True)

    def person(self, role, linked, **kw):
        person = make_person()
        if role:
            make_membership(person=person, role=role, organisation=self.org, **kw)
        if linked:
            user = self.synapse.new_user("p").user_id
            MessengerAccount.objects.create(person=person, user_id=user, status=AccountStatus.LINKED)
        return person

    def rooms(self) -> dict[str, str]:
        return dict(Chat.objects.filter(organisation=self.org, archived_at__isnull=True).exclude(room_id="")
                    .values_list("key", "room_id"))


def drift(synapse, connector, room_id: str, how: str, pick: int) -> None:
    """A change made on the server by hand, past Sreda."""
    members = sorted(connector.joined_members(room_id))
    if how == "kick":
        if members:
            connector.remove_member(room_id, members[pick % len(members)], "вручную")
    elif how == "stranger":
        connector.add_member(room_id, synapse.new_user("stranger").user_id)
    elif how == "rename":
        connector.set_title(room_id, "Переименовано вручную")
    else:
        levels = connector.power_levels(room_id)
        if how == "open":
            levels["events_default"] = 0
        elif how == "close":
            levels["events_default"] = STAFF_LEVEL
        elif members:  # promote someone
            levels.setdefault("users", {})[members[pick % len(members)]] = 100 if pick % 2 else STAFF_LEVEL
        with synapse.as_client() as http:
            http.put(f"/_matrix/client/v3/rooms/{quote(room_id, safe='')}/state/m.room.power_levels",
                     json=levels).raise_for_status()


def assert_rooms_equal_the_plan(roster, connector, synapse) -> None:
    plan = school_plan(roster.org)
    rooms = roster.rooms()
    assert set(rooms) == {p.key for p in plan}
    for planned in plan:
        room_id = rooms[planned.key]
        linked = {m.user_id for m in planned.members if m.user_id}
        assert connector.joined_members(room_id) == linked, planned.title
        assert connector.membership(room_id, synapse.bot_user_id) == "join"
        assert connector.room_title(room_id) == planned.title
        levels = connector.power_levels(room_id)
        staff = {m.user_id for m in planned.members if m.user_id and m.role in SCHOOL_STAFF_ROLES}
        assert levels["events_default"] == (STAFF_LEVEL if planned.read_only else 0), planned.title
        raised = {u: level for u, level in levels.get("users", {}).items() if u != synapse.bot_user_id}
        assert raised == ({u: STAFF_LEVEL for u in staff} if planned.read_only else {}), planned.title


@pytest.fixture
def district():
    return make_municipality()


@settings(max_examples=12, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(spec=roster_st, data=st.data())
def test_r24_r28_one_sync_makes_the_real_rooms_equal_the_plan_and_a_second_makes_no_call(
        spec, data, matrix_settings, connector, synapse, district):
    roster = Roster(spec, matrix_settings, synapse, district)
    first = sync_school(roster.org, connector=connector)
    assert first.status == TaskStatus.DONE, first.errors
    rooms = sorted(roster.rooms().items())
    drifts = data.draw(st.lists(st.tuples(st.integers(0, len(rooms) - 1), st.sampled_from(DRIFTS),
                                          st.integers(0, 9)), max_size=5), label="drift")
    for index, how, pick in drifts:
        drift(synapse, connector, rooms[index][1], how, pick)

    task = sync_school(roster.org, reconcile=True, connector=connector)
    assert task.status == TaskStatus.DONE, task.errors
    assert task.counts["rooms_created"] == 0
    assert_rooms_equal_the_plan(roster, connector, synapse)
    counting = Counting(connector)
    again = sync_school(roster.org, connector=counting)
    assert again.status == TaskStatus.DONE and counting.calls == []
