"""R25: `python -m sreda chats sync --org INN [--dry-run] [--reconcile] [--json]` against the real Synapse of the
test session: the JSON of what it did, the dry run, errors → non-zero exit."""
from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from sreda.chats.models import Chat, ExchangeTask, MessengerSettings, TaskStatus
from sreda.chats.testing_synapse import *
from sreda.chats.tests.test_sync_synapse import School, room_state
from sreda.core.testing import make_organisation

pytestmark = pytest.mark.django_db
KEYS = {"rooms_created", "members_added", "members_removed", "renamed", "archived", "unarchived", "unchanged",
        "errors"}


def run(*args):
    out = StringIO()
    call_command("chats", "sync", *args, stdout=out)
    return out.getvalue()


def test_r25_cli_sync_prints_what_it_did_as_json(matrix_settings, matrix_user, connector):
    school = School(matrix_settings, matrix_user)
    first = json.loads(run("--org", school.org.inn, "--json"))
    assert set(first) == KEYS
    assert first["rooms_created"] == 3 and first["members_added"] == 7 and first["errors"] == []
    assert room_state(connector, school) == school.expected
    second = json.loads(run("--org", school.org.inn, "--json", "--reconcile"))
    assert second == {"rooms_created": 0, "members_added": 0, "members_removed": 0, "renamed": 0, "archived": 0,
                      "unarchived": 0, "unchanged": 3, "errors": []}


def test_r25_cli_dry_run_changes_nothing(matrix_settings, matrix_user):
    school = School(matrix_settings, matrix_user)
    text = run("--org", school.org.inn, "--dry-run")
    assert "Только план" in text and "создано чатов: 3" in text
    assert not Chat.objects.filter(organisation=school.org).exclude(room_id="").exists()


def test_r25_cli_errors_exit_non_zero_with_the_json_printed():
    org = make_organisation()
    MessengerSettings.objects.create(organisation=org, homeserver_url="http://127.0.0.1:1", server_name="sreda.test",
                                     service_token="syt_x", service_user_id="@sreda_bot:sreda.test")
    out = StringIO()
    with pytest.raises(CommandError, match="с ошибками"):
        call_command("chats", "sync", "--org", org.inn, "--json", stdout=out)
    result = json.loads(out.getvalue())
    assert result["errors"] and result["errors"][0]["message"]
    assert ExchangeTask.objects.get(organisation=org).status == TaskStatus.RETRYING


def test_r25_cli_unknown_school_or_no_settings_is_a_clear_error():
    with pytest.raises(CommandError, match="не найдена"):
        run("--org", "0000000000")
    org = make_organisation()
    with pytest.raises(CommandError, match="не настроена"):
        run("--org", org.inn)
