"""R29: the exchange-tasks page (last run, progress polled by htmx while running, counts, errors with what to do,
pagination), «Синхронизировать сейчас» and «Только план», and the API (scope `chats`) — one school never sees
another's tasks."""
from __future__ import annotations

import json

import pytest

from sreda.api.models import SCOPE_CHATS, SCOPE_READ
from sreda.api.tests.factories import bearer, issue
from sreda.chats.models import (
    Chat,
    ExchangeTask,
    MessengerSettings,
    TaskStatus,
    TaskTrigger,
)
from sreda.chats.testing_synapse import *
from sreda.chats.tests.test_sync_synapse import School, room_state
from sreda.core.audit import AuditEntry
from sreda.core.testing import act_as, make_member, make_organisation
from sreda.people.roles import Role

pytestmark = pytest.mark.django_db


def as_director(client, org):
    user, membership = make_member(role=Role.DIRECTOR, organisation=org, confirmation="confirmed")
    act_as(client, user, membership)


def plain_settings(org):
    return MessengerSettings.objects.create(organisation=org, homeserver_url="http://127.0.0.1:1",
                                            server_name="sreda.test", service_token="syt_x",
                                            service_user_id="@sreda_bot:sreda.test")


def test_r29_running_task_is_polled_and_a_finished_one_is_not(client):
    org = make_organisation()
    as_director(client, org)
    running = ExchangeTask.objects.create(organisation=org, status=TaskStatus.RUNNING, progress=40,
                                          counts={"rooms_created": 2})
    part = client.get(f"/chats/tasks/{running.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger=\"every 1s\"" in part and "40%" in part
    assert "<html" not in part  # the fragment only
    running.status, running.progress = TaskStatus.DONE, 100
    running.errors = [{"what": "«5А — ученики»: добавить @x:sreda.test", "message": "Пользователь не найден.",
                       "hint": "Проверьте идентификатор в карточке человека."}]
    running.save()
    part = client.get(f"/chats/tasks/{running.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert "every 1s" not in part
    assert "Пользователь не найден." in part and "Проверьте идентификатор" in part


def test_r29_tasks_page_lists_tasks_with_pagination_and_counts(client):
    org = make_organisation()
    plain_settings(org)
    as_director(client, org)
    for n in range(25):
        ExchangeTask.objects.create(organisation=org, status=TaskStatus.DONE, progress=100,
                                    counts={"rooms_created": n, "members_added": 3})
    page1 = client.get("/chats/tasks/").content.decode()
    assert "Синхронизировать сейчас" in page1 and "Только план" in page1
    assert "Страница 1 из 2" in page1
    assert "Создано чатов" in page1
    page2 = client.get("/chats/tasks/?page=2").content.decode()
    assert "Страница 2 из 2" in page2
    failed = client.get("/chats/tasks/?status=failed").content.decode()
    assert "Задач обмена пока нет." in failed


def test_r29_another_school_never_sees_the_task(client):
    org, other = make_organisation(), make_organisation()
    foreign = ExchangeTask.objects.create(organisation=other, status=TaskStatus.DONE)
    as_director(client, org)
    assert client.get(f"/chats/tasks/{foreign.pk}/").status_code == 404
    assert f"/chats/tasks/{foreign.pk}/" not in client.get("/chats/tasks/").content.decode()


def test_r29_teacher_may_not_open_or_start(client):
    org = make_organisation()
    plain_settings(org)
    user, membership = make_member(role=Role.TEACHER, organisation=org, confirmation="confirmed")
    act_as(client, user, membership)
    assert client.get("/chats/tasks/").status_code == 403
    assert client.post("/chats/sync/").status_code == 403
    # Adding the teacher queued a roster sync (R25); the teacher could not start one.
    assert not ExchangeTask.objects.filter(trigger=TaskTrigger.MANUAL).exists()


def test_r29_sync_now_without_settings_sends_to_the_settings(client):
    org = make_organisation()
    as_director(client, org)
    response = client.post("/chats/sync/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/chats/settings/")
    assert "Сначала заполните настройки мессенджера" in response.content.decode()
    assert not ExchangeTask.objects.exists()


def test_r25_sync_now_runs_the_sync_against_the_real_server(client, matrix_settings, matrix_user, connector):
    school = School(matrix_settings, matrix_user)
    as_director(client, school.org)
    response = client.post("/chats/sync/")
    task = ExchangeTask.objects.get(organisation=school.org, trigger=TaskTrigger.MANUAL)
    assert response.url == f"/chats/tasks/{task.pk}/"
    assert task.trigger == TaskTrigger.MANUAL and task.status == TaskStatus.DONE, task.errors
    assert room_state(connector, school) == school.expected
    assert AuditEntry.objects.filter(action="chats.sync_start", organisation=school.org).exists()
    page = client.get(response.url).content.decode()
    assert "Чаты школы соответствуют контингенту." in page


def test_r25_only_plan_button_changes_nothing(client, matrix_settings, matrix_user):
    school = School(matrix_settings, matrix_user)
    as_director(client, school.org)
    client.post("/chats/sync/", {"dry_run": "1"})
    task = ExchangeTask.objects.get(organisation=school.org, trigger=TaskTrigger.MANUAL)
    assert task.dry_run and task.status == TaskStatus.DONE
    assert task.counts["rooms_created"] == 3
    assert not Chat.objects.filter(organisation=school.org).exclude(room_id="").exists()
    assert "ничего не изменено" in client.get(f"/chats/tasks/{task.pk}/").content.decode()


# ------------------------------------------------------------------ API

def test_r29_api_starts_a_dry_run_and_reads_tasks(client, matrix_settings, matrix_user):
    school = School(matrix_settings, matrix_user)
    secret = issue(role=Role.DIRECTOR, organisation=school.org, scopes=(SCOPE_CHATS,))
    response = client.post(f"/api/v1/orgs/{school.org.pk}/chats/sync", json.dumps({"dry_run": True}),
                           content_type="application/json", **bearer(secret))
    assert response.status_code == 202
    body = response.json()
    assert {"id", "status", "progress", "counts", "errors"} <= set(body)
    assert body["status"] == "done" and body["counts"]["rooms_created"] == 3 and body["errors"] == []
    assert not Chat.objects.filter(organisation=school.org).exclude(room_id="").exists()
    listed = client.get(f"/api/v1/orgs/{school.org.pk}/chats/tasks", **bearer(secret)).json()
    assert listed["count"] == 1 and listed["items"][0]["id"] == body["id"]
    one = client.get(f"/api/v1/orgs/{school.org.pk}/chats/tasks/{body['id']}", **bearer(secret)).json()
    assert one["counts"] == body["counts"]


def test_r29_api_tasks_filter_by_status_and_kind_and_page_in_the_database(client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from sreda.chats.models import TaskKind

    org = make_organisation()
    failed = ExchangeTask.objects.create(organisation=org, status=TaskStatus.FAILED)
    backfill = ExchangeTask.objects.create(organisation=org, status=TaskStatus.DONE, kind=TaskKind.BACKFILL)
    done = ExchangeTask.objects.create(organisation=org, status=TaskStatus.DONE)
    headers = bearer(issue(role=Role.DIRECTOR, organisation=org, scopes=(SCOPE_CHATS,)))
    url = f"/api/v1/orgs/{org.pk}/chats/tasks"

    def ids(**params):
        return [t["id"] for t in client.get(url, params, **headers).json()["items"]]

    assert ids() == [done.pk, backfill.pk, failed.pk]
    assert ids(status="failed") == [failed.pk]
    assert ids(kind="backfill") == [backfill.pk]
    assert ids(status="done", kind="sync") == [done.pk]
    assert client.get(url, {"status": "lost"}, **headers).status_code == 422
    assert client.get(url, {"limit": 1, "offset": 1}, **headers).json() == {
        "count": 3, "items": [client.get(f"{url}/{backfill.pk}", **headers).json()]}
    with CaptureQueriesContext(connection) as few:
        client.get(url, **headers)
    for _ in range(20):
        ExchangeTask.objects.create(organisation=org, status=TaskStatus.DONE)
    with CaptureQueriesContext(connection) as many:
        client.get(url, **headers)
    assert len(many) == len(few)


def test_r29_api_scope_and_school_checks(client):
    org, other = make_organisation(), make_organisation()
    plain_settings(org)
    task = ExchangeTask.objects.create(organisation=org, status=TaskStatus.DONE)
    no_scope = issue(role=Role.DIRECTOR, organisation=org, scopes=(SCOPE_READ,))
    assert client.get(f"/api/v1/orgs/{org.pk}/chats/tasks", **bearer(no_scope)).status_code == 403
    stranger = issue(role=Role.DIRECTOR, organisation=other, scopes=(SCOPE_CHATS,))
    assert client.get(f"/api/v1/orgs/{org.pk}/chats/tasks", **bearer(stranger)).status_code == 404
    assert client.get(f"/api/v1/orgs/{org.pk}/chats/tasks/{task.pk}", **bearer(stranger)).status_code == 404
    assert client.post(f"/api/v1/orgs/{org.pk}/chats/sync", "{}", content_type="application/json",
                       **bearer(stranger)).status_code == 404
    teacher = issue(role=Role.TEACHER, organisation=org, scopes=(SCOPE_CHATS,))
    assert client.get(f"/api/v1/orgs/{org.pk}/chats/tasks", **bearer(teacher)).status_code == 404
    assert ExchangeTask.objects.count() == 1


def test_r29_api_sync_without_settings_is_409(client):
    org = make_organisation()
    secret = issue(role=Role.ADMINISTRATOR, organisation=org, scopes=(SCOPE_CHATS,))
    response = client.post(f"/api/v1/orgs/{org.pk}/chats/sync", "{}", content_type="application/json",
                           **bearer(secret))
    assert response.status_code == 409
    assert "не настроена" in response.json()["detail"]
    assert not ExchangeTask.objects.exists()
