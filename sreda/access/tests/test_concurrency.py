"""R13 under real concurrency: two administrators of a school adding (or removing) the same employees at
the same moment end in exactly one membership row (one removal) per person.

Threads with their own database connections against PostgreSQL. Skipped on SQLite: its test database is
in memory with a shared cache, where a second writer fails at once instead of waiting, and SQLite runs
writing transactions one at a time anyway (BEGIN IMMEDIATE), so there is no overlap to test."""
import threading
import time

import pytest
from django.db import connection, transaction

from sreda.access.models import AccessGroupMember
from sreda.access.services import group_members_add, group_members_remove
from sreda.access.tests.factories import add_employees, ub_tsok_group
from sreda.core.models import AuditEntry
from sreda.core.testing import active_role_of, make_member, make_organisation
from sreda.people.roles import Role

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="real concurrency needs PostgreSQL (see docstring)"),
]

HOLD = 0.5  # how long the first administrator keeps its transaction open after its insert


def two_admins(school):
    return [active_role_of(*make_member(role=Role.ADMINISTRATOR, organisation=school)) for _ in range(2)]


def run_in_threads(*calls):
    """Run each call in its own thread (own connection); return their results in order, re-raise errors."""
    results, errors = [None] * len(calls), []

    def target(i, call):
        try:
            results[i] = call()
        except Exception as exc:  # noqa: BLE001 - surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=target, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    if errors:
        raise errors[0]
    return results


def test_r13_a_second_add_waits_for_the_first_and_then_adds_nothing():
    """The first administrator's rows are inserted but not committed when the second one adds the same
    people: the second waits on the unique index, then inserts nothing — no duplicate, no error."""
    group, school = ub_tsok_group(), make_organisation()
    first, second = two_admins(school)
    ids = [p.pk for p in add_employees(organisation=school, count=50)]
    inserted = threading.Event()

    def slow_first():
        with transaction.atomic():
            added = group_members_add(actor=first, group=group, person_ids=ids)
            inserted.set()
            time.sleep(HOLD)  # keep the rows uncommitted while the second administrator tries
        return added

    def second_after_insert():
        assert inserted.wait(10)
        started = time.perf_counter()
        added = group_members_add(actor=second, group=group, person_ids=ids)
        return added, time.perf_counter() - started

    added_first, (added_second, waited) = run_in_threads(slow_first, second_after_insert)

    assert (added_first, added_second) == (50, 0)
    assert waited >= HOLD * 0.5  # it really waited for the first transaction
    assert AccessGroupMember.objects.filter(group=group, person_id__in=ids).count() == 50
    audits = AuditEntry.objects.filter(action="access_group.members_add").order_by("id")
    assert [entry.details["added"] for entry in audits] == [50, 0]


@pytest.mark.parametrize("round_", range(5))
def test_r13_administrators_adding_at_the_same_moment_end_in_one_row_per_person(round_):
    group, school = ub_tsok_group(), make_organisation()
    admins = two_admins(school) * 2  # four requests: each administrator clicks twice
    ids = [p.pk for p in add_employees(organisation=school, count=30)]
    start = threading.Barrier(len(admins))

    def add(actor):
        def call():
            start.wait(10)
            return group_members_add(actor=actor, group=group, person_ids=ids)
        return call

    results = run_in_threads(*(add(actor) for actor in admins))

    assert sum(results) == 30
    rows = AccessGroupMember.objects.filter(group=group, organisation=school)
    assert rows.count() == 30 and set(rows.values_list("person_id", flat=True)) == set(ids)


def test_r13_two_simultaneous_removals_end_each_row_once():
    group, school = ub_tsok_group(), make_organisation()
    first, second = two_admins(school)
    ids = [p.pk for p in add_employees(organisation=school, count=20)]
    group_members_add(actor=first, group=group, person_ids=ids)
    removed = threading.Event()

    def slow_first():
        with transaction.atomic():
            count = group_members_remove(actor=first, group=group, person_ids=ids)
            removed.set()
            time.sleep(HOLD)
        return count

    def second_after_remove():
        assert removed.wait(10)
        return group_members_remove(actor=second, group=group, person_ids=ids)

    assert run_in_threads(slow_first, second_after_remove) == [20, 0]
    rows = AccessGroupMember.objects.filter(group=group, organisation=school)
    assert rows.count() == 20 and set(rows.values_list("removed_by", flat=True)) == {first.user.pk}
