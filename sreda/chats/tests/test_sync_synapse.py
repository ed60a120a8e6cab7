"""R24–R28 against a real Synapse (sreda/chats/testing_synapse.py): the sync creates the school's rooms with the
right members, a second sync makes no messenger call, roster changes and hand-made drift are corrected, a dry
run touches nothing, and the scheduler (huey task) runs a due school. `Counting` is a thin wrapper that forwards
every call to the real connector and only records the method names — not a mock."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from sreda.chats.models import (
    AccountStatus,
    Chat,
    ChatMember,
    ExchangeTask,
    MessengerAccount,
    MessengerSettings,
    TaskStatus,
    TaskTrigger,
)
from sreda.chats.sync import sync_school
from sreda.chats.tasks import chats_scheduler
from sreda.chats.testing_synapse import *
from sreda.core.testing import (
    make_class,
    make_membership,
    make_organisation,
    make_person,
    make_school_year,
)
from sreda.people.models import Guardianship
from sreda.people.roles import Role

pytestmark = pytest.mark.django_db


class Counting:
    """Forwards every call to the real connector and records its name."""

    def __init__(self, real):
        self.real, self.calls = real, []

    def __getattr__(self, name):
        method = getattr(self.real, name)

        def forward(*args, **kwargs):
            self.calls.append(name)
            return method(*args, **kwargs)

        return forward


def current_year():
    today = timezone.localdate()
    start = today.year if today.month >= 9 else today.year - 1
    return make_school_year(f"{start}/{start + 1}")


class School:
    """A school with a linked director, a linked class teacher of 5А, two students (one linked) and their
    parents (both linked), all with real accounts on the session Synapse."""

    def __init__(self, matrix_settings, new_user):
        self.new_user = new_user
        self.org = make_organisation()
        self.settings = matrix_settings(self.org)
        self.users = {}
        self.director = self.person("director", Role.DIRECTOR)
        self.teacher = self.person("teacher", Role.TEACHER)
        self.cls = make_class(organisation=self.org, school_year=current_year(), class_teacher=self.teacher)
        self.student1 = self.person("student1", Role.STUDENT, school_class=self.cls)
        self.student2 = self.person("student2", Role.STUDENT, school_class=self.cls, link=False)
        self.parent1 = self.person("parent1", None)
        self.parent2 = self.person("parent2", None)
        Guardianship.objects.create(parent=self.parent1, child=self.student1)
        Guardianship.objects.create(parent=self.parent2, child=self.student2)
        # Building the roster queued a sync (R25 triggers); start from none, as after that sync ran.
        ExchangeTask.objects.filter(organisation=self.org).delete()
        MessengerSettings.objects.filter(pk=self.settings.pk).update(next_sync_at=None)
        self.settings.refresh_from_db()

    def person(self, name, role, *, link=True, **kw):
        person = make_person()
        if role:
            make_membership(person=person, role=role, organisation=self.org, **kw)
        if link:
            user = self.new_user(name).user_id
            MessengerAccount.objects.create(person=person, user_id=user, status=AccountStatus.LINKED)
            self.users[name] = user
        return person

    def id(self, name):
        return self.users[name]

    def room(self, key):
        return Chat.objects.get(organisation=self.org, key=key).room_id

    @property
    def expected(self):
        u = self.users
        return {"staff": {u["director"], u["teacher"]},
                f"parents:{self.cls.pk}": {u["teacher"], u["parent1"], u["parent2"]},
                f"students:{self.cls.pk}": {u["teacher"], u["student1"]}}


@pytest.fixture
def school(matrix_settings, matrix_user):
    return School(matrix_settings, matrix_user)


def room_state(connector, school):
    return {key: connector.joined_members(school.room(key)) for key in school.expected}


def test_r24_r25_sync_creates_the_rooms_with_the_roster_members(school, connector):
    task = sync_school(school.org, trigger=TaskTrigger.MANUAL, connector=connector)
    assert task.status == TaskStatus.DONE, task.errors
    assert task.progress == 100
    assert task.counts["rooms_created"] == 3
    assert task.counts["members_added"] == 7
    assert task.errors == []
    assert room_state(connector, school) == school.expected
    # Sreda's mirror follows the rooms
    for key, members in school.expected.items():
        assert set(ChatMember.objects.filter(chat__key=key, chat__organisation=school.org)
                   .values_list("user_id", flat=True)) == members
    assert MessengerSettings.objects.get(organisation=school.org).last_sync_at is not None
    # the room carries the chat's title and the Sreda alias
    assert connector.find_room(f"sreda_{school.org.pk}_staff") == school.room("staff")


def test_r25_second_sync_makes_no_messenger_call(school, connector):
    sync_school(school.org, connector=connector)
    counting = Counting(connector)
    task = sync_school(school.org, connector=counting)
    assert counting.calls == []
    assert task.status == TaskStatus.DONE
    assert task.counts["unchanged"] == 3
    assert task.counts["rooms_created"] == task.counts["members_added"] == task.counts["members_removed"] == 0


def test_r25_student_leaving_the_class_is_removed_at_next_sync(school, connector):
    sync_school(school.org, connector=connector)
    membership = school.student1.memberships.get(role=Role.STUDENT)
    membership.end_date = timezone.localdate()
    membership.save()
    task = sync_school(school.org, trigger=TaskTrigger.ROSTER, connector=connector)
    assert task.status == TaskStatus.DONE, task.errors
    state = room_state(connector, school)
    assert school.id("student1") not in state[f"students:{school.cls.pk}"]
    assert school.id("parent1") not in state[f"parents:{school.cls.pk}"]  # no child in the class any more
    assert state[f"parents:{school.cls.pk}"] == {school.id("teacher"), school.id("parent2")}
    assert task.counts["members_removed"] == 2


def test_r26_reconcile_corrects_drift_made_by_hand(school, connector, matrix_user):
    sync_school(school.org, connector=connector)
    students_room = school.room(f"students:{school.cls.pk}")
    stranger = matrix_user("stranger").user_id
    connector.add_member(students_room, stranger)  # joined by hand, not by Sreda
    connector.remove_member(students_room, school.id("teacher"), "вручную")  # kicked by hand
    counting = Counting(connector)
    sync_school(school.org, connector=counting)
    assert counting.calls == []  # without --reconcile the mirror does not know
    task = sync_school(school.org, reconcile=True, connector=connector)
    assert task.status == TaskStatus.DONE, task.errors
    assert room_state(connector, school) == school.expected
    assert task.counts["members_added"] == 1 and task.counts["members_removed"] == 1


def test_r25_dry_run_makes_no_call_and_changes_nothing(school, connector):
    counting = Counting(connector)
    task = sync_school(school.org, dry_run=True, connector=counting)
    assert counting.calls == []
    assert task.status == TaskStatus.DONE and task.dry_run
    assert task.counts["rooms_created"] == 3 and task.counts["members_added"] == 7
    assert not Chat.objects.filter(organisation=school.org).exclude(room_id="").exists()
    assert not ChatMember.objects.filter(chat__organisation=school.org).exists()
    assert MessengerSettings.objects.get(organisation=school.org).last_sync_at is None


def test_r28_read_only_chat_is_created_one_way(school, connector):
    Chat.objects.create(organisation=school.org, key=f"parents:{school.cls.pk}", kind="parents",
                        school_class=school.cls, title="5А — родители", read_only=True)
    task = sync_school(school.org, connector=connector)
    assert task.status == TaskStatus.DONE, task.errors
    levels = connector.power_levels(school.room(f"parents:{school.cls.pk}"))
    assert levels.get("events_default", 0) >= 50
    assert levels["users"].get(school.id("teacher"), 0) >= levels["events_default"]
    assert levels["users"].get(school.id("parent1"), 0) < levels["events_default"]


def test_r25_scheduler_runs_a_due_school_and_moves_its_next_sync(school, connector):
    MessengerSettings.objects.filter(pk=school.settings.pk).update(
        next_sync_at=timezone.now() - timedelta(minutes=1), sync_interval_minutes=30)
    chats_scheduler.call_local()
    task = ExchangeTask.objects.get(organisation=school.org)
    assert task.trigger == TaskTrigger.SCHEDULE
    assert task.status == TaskStatus.DONE, task.errors
    assert room_state(connector, school) == school.expected
    messenger = MessengerSettings.objects.get(pk=school.settings.pk)
    assert messenger.next_sync_at > timezone.now() + timedelta(minutes=29)
    chats_scheduler.call_local()  # not due again: no new task
    assert ExchangeTask.objects.filter(organisation=school.org).count() == 1


def test_r24_renamed_class_renames_and_a_past_class_archives_its_rooms(school, connector):
    sync_school(school.org, connector=connector)
    school.cls.letter = "Б"
    school.cls.save()
    task = sync_school(school.org, connector=connector)
    assert task.status == TaskStatus.DONE, task.errors
    assert task.counts["renamed"] == 2
    parents = Chat.objects.get(organisation=school.org, key=f"parents:{school.cls.pk}")
    assert parents.title.startswith("5Б")
    parents_room = parents.room_id
    year = school.cls.school_year
    past = f"{year.start.year - 1}/{year.start.year}"
    school.cls.school_year = make_school_year(past)
    school.cls.save()  # the class now belongs to a past school year
    task = sync_school(school.org, connector=connector)
    assert task.status == TaskStatus.DONE, task.errors
    assert task.counts["archived"] == 2
    parents.refresh_from_db()
    # issue #10: a past year's chat keeps its year in the title, read-only for everyone but the service account
    assert parents.archived_at is not None and parents.title == f"5Б — родители ({past})"
    assert connector.room_title(parents.room_id) == parents.title
    assert parents.room_id == parents_room  # the history stays
    counting = Counting(connector)
    assert sync_school(school.org, connector=counting).status == TaskStatus.DONE
    assert counting.calls == []
