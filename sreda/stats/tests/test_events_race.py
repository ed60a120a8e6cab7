"""Two sources (or a retry racing its original) posting the same events at the same moment: every event is
stored once and the rollups count each person once (R30).

Threads with their own database connections against PostgreSQL, meeting at a barrier so both INSERTs overlap;
the second waits on the first's uncommitted rows and then skips them (ON CONFLICT DO NOTHING). Skipped on
SQLite: its test database is in memory with a shared cache, where a second writer fails at once instead of
waiting, and SQLite runs writing transactions one at a time anyway, so there is no overlap to test."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection

from sreda.people.roles import Role
from sreda.stats.events import events_ingest
from sreda.stats.models import ActiveDay, ActiveMonth, ActivityEvent
from sreda.stats.rollups import active_counts
from sreda.stats.tests.test_events import local, make_world

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="real concurrency needs PostgreSQL (see docstring)"),
]


@pytest.mark.parametrize("round_", range(3))
def test_the_same_batch_posted_twice_at_once_is_stored_once_R30(round_):
    world = make_world()
    roles = [Role.TEACHER, Role.STAFF, Role.STUDENT, Role.PARENT]
    batch = [world.event(roles[i % 4], local(2025, 11, 13) + timedelta(minutes=i), external_id=f"msg-{round_}-{i}")
             for i in range(400)]
    batches = [batch, batch[::-1]]  # the retry arrives in another order
    barrier = threading.Barrier(2)
    results, errors = [None, None], []

    def post(i):
        try:
            barrier.wait()
            results[i] = events_ingest(actor=world.actor, events=batches[i])
        except Exception as exc:  # noqa: BLE001 - surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=post, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    assert sum(r.stored for r in results) == 400
    assert sum(r.duplicates for r in results) == 400
    assert ActivityEvent.objects.count() == 400
    assert ActiveDay.objects.count() == 4 and ActiveMonth.objects.count() == 4
    assert active_counts(on=local(2025, 11, 20).date()) == {
        world.organisation.pk: {"teachers": 2, "students": 1, "parents": 1}}
