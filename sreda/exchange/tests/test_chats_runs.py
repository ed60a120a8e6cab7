"""Issue #10, item 3: the chat sync and the message backfill keep run records when their exchange task ends —
against the real Synapse of the chats tests (sreda/chats/testing_synapse.py); the server being down is injected
with sreda/chats/faults.py (the in-memory double the chats fault tests use, wrapping the real connector)."""
import pytest

from sreda.chats.backfill import run_backfill, start_backfill
from sreda.chats.faults import FaultyConnector
from sreda.chats.models import ExchangeTask, MessengerSettings, TaskStatus
from sreda.chats.sync import run_task, sync_school
from sreda.chats.testing_synapse import *  # noqa: F403 — the session Synapse's fixtures
from sreda.chats.tests.test_sync_synapse import School
from sreda.core.testing import make_organisation
from sreda.exchange.models import ExchangeRun, ExchangeState, LinkKind, RunKind, RunSource, RunStatus

pytestmark = pytest.mark.django_db


def test_a_backfill_without_messenger_settings_is_a_failed_run_with_what_to_do():
    org = make_organisation()
    task = start_backfill(org, trigger="schedule")

    run_backfill(task)

    run = ExchangeRun.objects.get(organisation=org)
    assert (run.kind, run.status, run.source) == (RunKind.BACKFILL, RunStatus.FAILED, RunSource.SCHEDULE)
    assert (run.link_kind, run.link_id) == (LinkKind.CHAT_TASK, task.pk)
    assert run.errors[0]["what"] == "Настройки" and "не настроена" in run.errors[0]["reason"]
    assert "Настройки мессенджера" in run.errors[0]["hint"]


def test_a_dry_run_exchanges_nothing_and_is_not_recorded():
    org = make_organisation()
    MessengerSettings.objects.create(organisation=org, homeserver_url="http://127.0.0.1:9", server_name="s.test",
                                     service_token="t", service_user_id="@bot:s.test")
    task = sync_school(org, dry_run=True)
    assert task.status == TaskStatus.DONE
    assert not ExchangeRun.objects.exists()


@pytest.fixture
def school(matrix_settings, matrix_user):
    return School(matrix_settings, matrix_user)


def test_a_sync_against_synapse_is_a_successful_run_with_its_counts(school):
    task = sync_school(school.org)

    assert task.status == TaskStatus.DONE, task.errors
    run = ExchangeRun.objects.get(organisation=school.org)
    assert (run.kind, run.status, run.link_id) == (RunKind.CHAT_SYNC, RunStatus.SUCCESS, task.pk)
    assert run.counts["rooms_created"] == 3 and run.counts["members_added"] == task.counts["members_added"] > 0
    assert run.started_at == task.started_at and run.finished_at == task.finished_at


def test_the_server_down_is_a_failed_run_and_the_retry_that_completes_updates_it(school, connector):
    """Synapse down mid-sync: the task is RETRYING and its run «не выполнен» with the error; the retry with the
    server back completes the same task — the same run becomes «успешно», and the school's state follows."""
    faulty = FaultyConnector(connector).fail("add_member", "down", times=-1)
    task = sync_school(school.org, connector=faulty)
    assert task.status == TaskStatus.RETRYING

    run = ExchangeRun.objects.get(organisation=school.org)
    assert run.status == RunStatus.FAILED and run.error_count >= 1 and "повтор" in run.message
    assert ExchangeState.objects.get(organisation=school.org, kind=RunKind.CHAT_SYNC).last_status == RunStatus.FAILED

    task = run_task(ExchangeTask.objects.get(pk=task.pk), connector=connector)

    assert task.status == TaskStatus.DONE, task.errors
    run = ExchangeRun.objects.get(organisation=school.org)  # still one record for the one task
    assert run.status == RunStatus.SUCCESS and run.errors == [] and run.counts["attempt"] == 2
    state = ExchangeState.objects.get(organisation=school.org, kind=RunKind.CHAT_SYNC)
    assert (state.last_status, state.last_success_run) == (RunStatus.SUCCESS, run)
