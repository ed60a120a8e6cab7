"""R25: two syncs of one school started at the same moment (the scheduler and «Синхронизировать сейчас») — one
runs, the other is refused with «уже идёт»; the rooms are created once. Real concurrency: threads with their own
database connections against the real Synapse; `Slow` forwards every call to the real connector, only slower, so
the two runs overlap. On SQLite the test is skipped (its writers are serialised by the database lock); on
PostgreSQL it runs."""
from __future__ import annotations

import time

import pytest
from django.db import connection

from sreda.chats.models import Chat, ExchangeTask, TaskStatus
from sreda.chats.sync import SyncBusy, sync_school
from sreda.chats.testing_synapse import *
from sreda.chats.tests.test_sync_synapse import School, room_state
from sreda.core.testing import run_at_once

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL's concurrent writers (runs in CI)"),
]


class Slow:
    def __init__(self, real):
        self.real, self.created = real, []

    def __getattr__(self, name):
        method = getattr(self.real, name)

        def forward(*args, **kwargs):
            time.sleep(0.2)
            result = method(*args, **kwargs)
            if name == "create_room":
                self.created.append(result)
            return result

        return forward


def test_r25_two_syncs_at_once_one_runs_and_rooms_are_created_once(matrix_settings, matrix_user, connector):
    school = School(matrix_settings, matrix_user)
    slow = Slow(connector)
    results = run_at_once(lambda: sync_school(school.org, connector=slow),
                          lambda: sync_school(school.org, connector=slow))
    done = [r for r in results if not isinstance(r, Exception)]
    busy = [r for r in results if isinstance(r, SyncBusy)]
    assert len(done) == 1 and len(busy) == 1, results
    assert done[0].status == TaskStatus.DONE, done[0].errors
    assert len(slow.created) == 3
    assert Chat.objects.filter(organisation=school.org).exclude(room_id="").count() == 3
    assert room_state(connector, school) == school.expected
    assert sorted(ExchangeTask.objects.values_list("status", flat=True)) == [TaskStatus.DONE, TaskStatus.FAILED]
