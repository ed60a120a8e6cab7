"""R29, R30: the backfill as an exchange task — hourly per school (huey periodic task), by the button
«Догрузить сообщения» on /chats/tasks/, by the API and by `python -m sreda chats backfill`. Messages written to a
real room on a Synapse whose application-service push cannot be delivered (its endpoint is a closed port) are
found by the backfill and counted once; a second backfill adds nothing."""
from __future__ import annotations

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from sreda.api.models import SCOPE_CHATS
from sreda.api.tests.factories import bearer, issue
from sreda.chats.backfill import OVERLAP, backfill_since
from sreda.chats.models import (
    ExchangeTask,
    MessengerSettings,
    TaskKind,
    TaskStatus,
    TaskTrigger,
)
from sreda.chats.synapse_harness import free_port
from sreda.chats.tasks import chats_backfill_scheduler
from sreda.chats.testing_synapse import *
from sreda.chats.tests.test_appservice_push import linked_member, say
from sreda.chats.tests.test_backfill import school, unreachable_endpoint_synapse  # noqa: F401 — fixtures
from sreda.core.audit import AuditEntry
from sreda.core.testing import act_as, make_member, make_organisation
from sreda.people.roles import Role
from sreda.stats.models import ActivityEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def missed(school):  # noqa: F811 — the fixture imported above
    """Three messages in the room, none pushed to Sreda: two by a linked parent (activity), one by a stranger."""
    server, org, chat, connector = school
    parent_mx, stranger_mx = server.new_user("parent"), server.new_user("stranger")
    linked_member(org, parent_mx, role=Role.PARENT)
    for user in (parent_mx, stranger_mx):
        connector.add_member(chat.room_id, user.user_id)
    ids = {say(server, parent_mx, chat.room_id, "Здравствуйте!"), say(server, parent_mx, chat.room_id, "Спасибо")}
    say(server, stranger_mx, chat.room_id, "Реклама")
    assert not ActivityEvent.objects.exists()  # nothing was pushed
    return org, ids


def backfills(org):
    return list(ExchangeTask.objects.filter(organisation=org, kind=TaskKind.BACKFILL).order_by("pk"))


def test_r30_hourly_backfill_records_a_task_finds_missed_messages_and_adds_nothing_the_second_time(missed):
    org, ids = missed
    syncs = list(ExchangeTask.objects.filter(organisation=org, kind=TaskKind.SYNC).values_list("pk", "status"))
    chats_backfill_scheduler.call_local()
    (task,) = backfills(org)
    assert (task.trigger, task.status, task.progress) == (TaskTrigger.SCHEDULE, TaskStatus.DONE, 100)
    assert task.counts == {"rooms": 1, "messages_read": 3, "events_added": 2} and task.errors == []
    assert set(ActivityEvent.objects.values_list("external_id", flat=True)) == ids
    chats_backfill_scheduler.call_local()
    second = backfills(org)[-1]
    assert second.pk != task.pk and second.status == TaskStatus.DONE
    assert second.counts["events_added"] == 0
    assert ActivityEvent.objects.count() == 2
    # the sync's tasks are not touched: a backfill is not a sync
    assert list(ExchangeTask.objects.filter(organisation=org, kind=TaskKind.SYNC).values_list("pk", "status")) == syncs


def test_r30_scheduled_backfill_skips_disabled_schools_and_reports_an_unreachable_server(missed):
    org, _ = missed
    MessengerSettings.objects.filter(organisation=org).update(enabled=False)
    chats_backfill_scheduler.call_local()
    assert backfills(org) == []
    MessengerSettings.objects.filter(organisation=org).update(enabled=True,
                                                              homeserver_url=f"http://127.0.0.1:{free_port()}")
    chats_backfill_scheduler.call_local()
    (task,) = backfills(org)
    assert task.status == TaskStatus.FAILED and len(task.errors) == 1
    error = task.errors[0]
    assert "Сервер Matrix не отвечает" in error["message"] and "следующая догрузка" in error["hint"]
    assert not ActivityEvent.objects.exists()


def test_r30_since_the_last_successful_backfill_else_a_day_or_the_newest_stored_message(school):  # noqa: F811
    _, org, _, _ = school
    now = timezone.now()
    assert backfill_since(org, now=now) == now - timedelta(hours=24)
    failed = ExchangeTask.objects.create(organisation=org, kind=TaskKind.BACKFILL, status=TaskStatus.FAILED,
                                         started_at=now - timedelta(hours=1))
    assert backfill_since(org, now=now) == now - timedelta(hours=24)  # a failed run does not move it
    ExchangeTask.objects.create(organisation=org, kind=TaskKind.BACKFILL, status=TaskStatus.DONE,
                                started_at=now - timedelta(hours=3))
    assert backfill_since(org, now=now) == now - timedelta(hours=3) - OVERLAP
    assert failed.started_at > now - timedelta(hours=3)
    # a long outage: the last successful backfill was 40 days ago → at most 30 days back
    ExchangeTask.objects.filter(organisation=org).update(started_at=now - timedelta(days=40))
    assert backfill_since(org, now=now) == now - timedelta(days=30)


def test_r29_button_on_the_tasks_page_runs_a_backfill(client, missed):
    org, ids = missed
    user, membership = make_member(role=Role.DIRECTOR, organisation=org, confirmation="confirmed")
    act_as(client, user, membership)
    page = client.get("/chats/tasks/").content.decode()
    assert "Догрузить сообщения" in page and 'action="/chats/backfill/"' in page
    response = client.post("/chats/backfill/")
    (task,) = backfills(org)
    assert response.status_code == 302 and response["Location"] == f"/chats/tasks/{task.pk}/"
    assert task.trigger == TaskTrigger.MANUAL and task.created_by == user
    detail = client.get(response["Location"]).content.decode()
    assert "догрузка сообщений" in detail and "Прочитано сообщений" in detail
    assert "Сообщения догружены" in detail
    assert AuditEntry.objects.filter(action="chats.backfill_start", object_id=str(task.pk)).exists()
    listing = client.get("/chats/tasks/?kind=backfill").content.decode()
    assert "прочитано сообщений: 3, добавлено событий: 2" in listing
    assert set(ActivityEvent.objects.values_list("external_id", flat=True)) == ids


def test_r29_backfill_button_needs_post_csrf_and_the_right_to_manage_chats(missed):
    org, _ = missed
    strict = Client(enforce_csrf_checks=True)
    act_as(strict, *make_member(role=Role.DIRECTOR, organisation=org, confirmation="confirmed"))
    assert strict.post("/chats/backfill/").status_code == 403  # no CSRF token
    assert strict.get("/chats/backfill/").status_code == 405
    teacher = Client()
    act_as(teacher, *make_member(role=Role.TEACHER, organisation=org, confirmation="confirmed"))
    assert teacher.post("/chats/backfill/").status_code == 403
    assert backfills(org) == [] and not ActivityEvent.objects.exists()


def test_r29_backfill_button_without_settings_says_what_to_do(client):
    org = make_organisation()
    act_as(client, *make_member(role=Role.DIRECTOR, organisation=org, confirmation="confirmed"))
    response = client.post("/chats/backfill/", follow=True)
    assert "Сначала заполните настройки мессенджера" in response.content.decode()
    assert not ExchangeTask.objects.exists()


def test_r30_api_backfill_returns_the_task(client, missed):
    org, _ = missed
    secret = issue(role=Role.DIRECTOR, organisation=org, scopes=(SCOPE_CHATS,))
    response = client.post(f"/api/v1/orgs/{org.pk}/chats/backfill", "{}", content_type="application/json",
                           **bearer(secret))
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["kind"] == "backfill" and body["status"] == "done"
    assert body["counts"] == {"rooms": 1, "messages_read": 3, "events_added": 2}
    one = client.get(f"/api/v1/orgs/{org.pk}/chats/tasks/{body['id']}", **bearer(secret)).json()
    assert one["kind"] == "backfill" and one["counts"]["events_added"] == 2
    other = issue(role=Role.DIRECTOR, organisation=make_organisation(), scopes=(SCOPE_CHATS,))
    assert client.post(f"/api/v1/orgs/{org.pk}/chats/backfill", "{}", content_type="application/json",
                       **bearer(other)).status_code == 404
    assert ExchangeTask.objects.filter(kind=TaskKind.BACKFILL).count() == 1


def run(*args):
    out = StringIO()
    call_command("chats", "backfill", *args, stdout=out)
    return out.getvalue()


def test_r30_cli_backfill_json_since_and_a_second_run(missed):
    org, _ = missed
    today = timezone.localdate().isoformat()
    first = json.loads(run("--org", org.inn, "--since", today, "--json"))
    assert first == {"rooms": 1, "messages_read": 3, "events_added": 2, "errors": []}
    second = json.loads(run("--org", org.inn, "--json"))
    assert second["events_added"] == 0 and second["errors"] == []
    assert "добавлено событий: 0" in run("--org", org.inn)
    assert len(backfills(org)) == 3
    with pytest.raises(CommandError, match="ГГГГ-ММ-ДД"):
        run("--org", org.inn, "--since", "20.11.2025")
    with pytest.raises(CommandError, match="не найдена"):
        run("--org", "0000000000")
    assert len(backfills(org)) == 3  # bad input changes nothing
    assert ActivityEvent.objects.count() == 2
