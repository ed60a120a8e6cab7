"""R24: a teacher closes a subject chat → the next sync archives its room on the real Synapse exactly the way chats
of classes that no longer exist are archived; opening the same chat again brings the same room back (title, power
levels, members) — never a second room — and a second sync makes no messenger call. `Counting` forwards every
call to the real connector (not a mock)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from sreda.chats import subject_chats as svc
from sreda.chats.diff import diff
from sreda.chats.matrix import ARCHIVE_LEVEL
from sreda.chats.models import (
    AccountStatus,
    Chat,
    ChatKind,
    ExchangeTask,
    MessengerAccount,
    MessengerSettings,
    TaskStatus,
)
from sreda.chats.plan import school_plan
from sreda.chats.sync import sync_school
from sreda.chats.testing_synapse import *
from sreda.chats.tests.test_sync_synapse import Counting, School
from sreda.core.testing import active_role_of, make_user
from sreda.orgs.models import Subject

pytestmark = pytest.mark.django_db


@pytest.fixture
def school(matrix_settings, matrix_user):
    school = School(matrix_settings, matrix_user)
    maths, _ = Subject.objects.get_or_create(name="Математика")
    membership = school.teacher.memberships.get(role="teacher")
    membership.subjects.set([maths])
    school.maths = maths
    school.actor = active_role_of(make_user(person=school.teacher), membership)
    return school


def open_chat(school) -> Chat:
    return svc.create_subject_chat(actor=school.actor, organisation=school.org, person=school.teacher,
                                   class_id=school.cls.pk, subject_id=school.maths.pk)


def close_chat(school, chat) -> Chat:
    return svc.close_subject_chat(actor=school.actor, organisation=school.org, person=school.teacher,
                                  chat_id=chat.pk)


def done(task):
    assert task.status == TaskStatus.DONE, task.errors
    return task


def test_r24_closed_subject_chat_is_archived_in_the_messenger_and_reopening_brings_the_same_room_back(
        school, connector):
    chat = open_chat(school)
    done(sync_school(school.org, connector=connector))
    chat.refresh_from_db()
    room = chat.room_id
    assert room and connector.joined_members(room) == {school.id("teacher"), school.id("student1")}
    assert connector.room_title(room) == "5А — Математика"

    close_chat(school, chat)
    chat.refresh_from_db()
    assert chat.closed_at is not None and chat.archived_at is None  # the room is not archived yet
    assert [d.key for d in diff(school.org, school_plan(school.org)) if d.archive] == [chat.key]
    task = done(sync_school(school.org, connector=connector))
    assert task.counts["archived"] == 1
    chat.refresh_from_db()
    assert chat.archived_at is not None and chat.title == "5А — Математика (архив)"
    assert connector.room_title(room) == "5А — Математика (архив)"
    levels = connector.power_levels(room)
    assert levels["events_default"] == ARCHIVE_LEVEL and levels["invite"] == ARCHIVE_LEVEL  # nobody writes
    assert connector.joined_members(room) == {school.id("teacher"), school.id("student1")}  # history stays
    counting = Counting(connector)
    done(sync_school(school.org, connector=counting))
    assert counting.calls == []

    reopened = open_chat(school)
    assert reopened.pk == chat.pk and Chat.objects.filter(organisation=school.org, kind=ChatKind.SUBJECT).count() == 1
    task = done(sync_school(school.org, connector=connector))
    assert task.counts["unarchived"] == 1 and task.counts["rooms_created"] == 0
    chat.refresh_from_db()
    assert chat.room_id == room and chat.archived_at is None and chat.closed_at is None
    assert chat.title == "5А — Математика" and connector.room_title(room) == "5А — Математика"
    levels = connector.power_levels(room)
    assert levels["events_default"] == 0 and levels["invite"] == 0 and levels["state_default"] == 50
    assert connector.joined_members(room) == {school.id("teacher"), school.id("student1")}
    counting = Counting(connector)
    done(sync_school(school.org, connector=counting))
    assert counting.calls == []


def test_r24_r28_reopened_one_way_chat_gets_its_members_and_one_way_setting_back(school, connector, matrix_user):
    chat = open_chat(school)
    Chat.objects.filter(pk=chat.pk).update(read_only=True)
    done(sync_school(school.org, connector=connector))
    chat.refresh_from_db()
    close_chat(school, chat)
    done(sync_school(school.org, connector=connector))
    # while the chat was closed a second student of the class linked their messenger
    school.users["student2"] = matrix_user("student2").user_id
    MessengerAccount.objects.create(person=school.student2, user_id=school.users["student2"],
                                    status=AccountStatus.LINKED)
    done(sync_school(school.org, connector=connector))  # adds them to «5А — ученики» …
    room = Chat.objects.get(pk=chat.pk).room_id
    assert school.id("student2") not in connector.joined_members(room)  # … but leaves the archived room alone
    open_chat(school)
    task = done(sync_school(school.org, connector=connector))
    assert task.counts["unarchived"] == 1 and task.counts["members_added"] == 1
    assert connector.joined_members(room) == {school.id("teacher"), school.id("student1"), school.id("student2")}
    levels = connector.power_levels(room)
    assert levels["events_default"] == 50 and levels["users"].get(school.id("teacher")) == 50
    assert levels["users"].get(school.id("student1"), 0) < 50


def test_r24_closing_a_chat_that_never_had_a_room_archives_it_at_once_and_the_sync_makes_no_call(
        school, connector):
    done(sync_school(school.org, connector=connector))  # the class chats exist; the subject chat does not yet
    chat = open_chat(school)
    close_chat(school, chat)
    chat.refresh_from_db()
    assert chat.archived_at is not None and chat.room_id == ""
    counting = Counting(connector)
    done(sync_school(school.org, connector=counting))
    assert counting.calls == []
    open_chat(school)  # reopened before any room: the next sync creates one room
    task = done(sync_school(school.org, connector=connector))
    assert task.counts["rooms_created"] == 1
    chat.refresh_from_db()
    assert chat.room_id and chat.archived_at is None


def test_r25_closing_a_chat_with_a_room_brings_the_next_sync_forward(school, connector,
                                                                    django_capture_on_commit_callbacks):
    chat = open_chat(school)
    done(sync_school(school.org, connector=connector))
    ExchangeTask.objects.filter(organisation=school.org).delete()
    with django_capture_on_commit_callbacks(execute=True):
        close_chat(school, chat)
    task = ExchangeTask.objects.get(organisation=school.org)
    assert task.status == TaskStatus.PENDING
    messenger = MessengerSettings.objects.get(organisation=school.org)
    assert messenger.next_sync_at <= timezone.now() + timedelta(minutes=1)
