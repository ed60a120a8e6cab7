"""R25/R29 faults against a real Synapse: Synapse down or answering 429/500 in the middle of a sync. The failures
are injected with sreda/chats/faults.py — the in-memory failure-injection double that wraps the real connector
and fails only the chosen calls (everything else reaches Synapse). The task ends RETRYING with next_retry_at and
the error shown; the next run (the scheduler's huey task, with the real connector) completes with no duplicate."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from sreda.chats.faults import FaultyConnector
from sreda.chats.models import Chat, ExchangeTask, TaskStatus
from sreda.chats.sync import backoff, key_alias, run_task, sync_school
from sreda.chats.tasks import chats_scheduler, due_tasks
from sreda.chats.testing_synapse import *
from sreda.chats.tests.test_sync_synapse import School, room_state
from sreda.core.testing import act_as, make_member
from sreda.people.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def school(matrix_settings, matrix_user):
    return School(matrix_settings, matrix_user)


def test_r29_backoff_is_exponential_and_honours_retry_after():
    assert [backoff(n) for n in (1, 2, 3, 4)] == [timedelta(minutes=m) for m in (1, 2, 4, 8)]
    assert backoff(1, retry_after=150) == timedelta(seconds=150)
    assert backoff(3, retry_after=5) == timedelta(minutes=4)
    assert backoff(30) == timedelta(minutes=60)


def test_r25_interrupted_sync_resumed_creates_no_duplicate_room(school, connector):
    faulty = FaultyConnector(connector).fail("add_member", "down", times=-1)
    task = sync_school(school.org, connector=faulty)
    assert task.status == TaskStatus.RETRYING
    assert len(faulty.calls_to("create_room")) == 1  # stopped at the first failure, the server being down
    first = Chat.objects.get(organisation=school.org, key="staff")
    assert first.room_id  # saved the moment the room was created
    # worse: the process died before the room id was saved — the room exists only in the messenger
    original_room = first.room_id
    Chat.objects.filter(pk=first.pk).update(room_id="")
    resumed = FaultyConnector(connector)  # the server is back: nothing fails, calls are recorded
    task = run_task(ExchangeTask.objects.get(pk=task.pk), connector=resumed)
    assert task.status == TaskStatus.DONE, task.errors
    assert task.attempt == 2
    assert school.room("staff") == original_room  # found by its alias, not created again
    assert len(resumed.calls_to("create_room")) == 2  # only the two rooms that did not exist
    assert room_state(connector, school) == school.expected
    for key in school.expected:
        assert connector.find_room(key_alias(school.org.pk, key)) == school.room(key)


def test_r29_429_mid_sync_retries_after_the_wait_and_the_next_run_completes(school, connector, client):
    user, membership = make_member(role=Role.DIRECTOR, organisation=school.org, confirmation="confirmed")
    act_as(client, user, membership)
    ExchangeTask.objects.filter(organisation=school.org).delete()  # the roster sync that adding them queued
    faulty = FaultyConnector(connector).fail("add_member", "429", retry_after=90, after=2)
    before = timezone.now()
    task = sync_school(school.org, connector=faulty)
    assert task.status == TaskStatus.RETRYING
    assert task.next_retry_at >= before + timedelta(seconds=90)  # the server asked for 90 s, more than 1 min
    assert task.counts["members_added"] == 2
    assert task.errors and "добавить" in task.errors[0]["what"] and task.errors[0]["message"]
    # the error and the retry time are on the exchange-tasks page
    page = client.get("/chats/tasks/").content.decode()
    assert "Повтор" in page and task.errors[0]["message"] in page
    # not due yet; then due — the scheduler re-runs it with the real connector
    assert task not in due_tasks(now=timezone.now())
    ExchangeTask.objects.filter(pk=task.pk).update(next_retry_at=timezone.now() - timedelta(seconds=1))
    chats_scheduler.call_local()
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE, task.errors
    assert task.errors == [] and task.attempt == 2 and task.progress == 100
    assert task.counts["rooms_created"] == 3 and task.counts["members_added"] == 7
    assert ExchangeTask.objects.filter(organisation=school.org).count() == 1  # the retry, not a new task
    assert room_state(connector, school) == school.expected


def test_r29_500_again_doubles_the_wait(school, connector):
    faulty = FaultyConnector(connector).fail("create_room", "500", times=2)
    task = sync_school(school.org, connector=faulty)
    assert task.status == TaskStatus.RETRYING
    assert timedelta(seconds=55) < task.next_retry_at - timezone.now() <= timedelta(minutes=1)
    assert task.errors[0]["message"] and task.errors[0]["hint"]  # what went wrong and what to do, in Russian
    task = run_task(task, connector=faulty)
    assert task.status == TaskStatus.RETRYING and task.attempt == 2
    assert timedelta(seconds=115) < task.next_retry_at - timezone.now() <= timedelta(minutes=2)
    task = run_task(task, connector=faulty)
    assert task.status == TaskStatus.DONE, task.errors
    assert room_state(connector, school) == school.expected
