"""«Active in the 7 days before D» and «active in month M» from the rollups (R30–R32): hand-computed cases
and a property test against a brute-force recount over the raw events."""
from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, datetime, timedelta, timezone as dt_timezone

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sreda.people.roles import Role
from sreda.stats.events import events_ingest, rollups_rebuild
from sreda.stats.models import ROLE_GROUP, ActiveDay, ActiveMonth, ActivityEvent
from sreda.stats.rollups import active_counts, active_month_counts, call_counts, counts_for, window
from sreda.stats.tests.test_events import YEKT, local, make_world

pytestmark = pytest.mark.django_db

ON = date(2025, 11, 20)


@pytest.fixture
def world():
    return make_world()


def test_window_is_the_7_local_days_before_the_date_R31():
    assert window(ON) == (date(2025, 11, 13), date(2025, 11, 19))


def test_window_boundaries_R31(world):
    """An event exactly 7 days before D counts; one on D itself does not; 8 days before does not."""
    events_ingest(actor=world.actor, events=[
        world.event(Role.TEACHER, local(2025, 11, 13, 0, 0)),  # exactly 7 days before: counts
        world.event(Role.STUDENT, local(2025, 11, 20, 0, 1)),  # on D: not yet
        world.event(Role.PARENT, local(2025, 11, 12, 23, 59)),  # 8 days before: too early
    ])
    assert active_counts(on=ON) == {world.organisation.pk: {"teachers": 1, "students": 0, "parents": 0}}
    # A day later the window has moved: the student counts, the teacher's day has left it.
    assert active_counts(on=ON + timedelta(days=1)) == {
        world.organisation.pk: {"teachers": 0, "students": 1, "parents": 0}}
    assert active_counts(on=ON + timedelta(days=8)) == {}


def test_window_uses_the_regions_local_day_R31(world):
    """Yekaterinburg is UTC+5: 19:30 UTC on the 12th is 00:30 on the 13th (in the window); 20:30 UTC on the
    19th is 01:30 on the 20th (out of it), although in UTC it is the other way round."""
    events_ingest(actor=world.actor, events=[
        world.event(Role.TEACHER, datetime(2025, 11, 12, 19, 30, tzinfo=dt_timezone.utc)),
        world.event(Role.STUDENT, datetime(2025, 11, 19, 20, 30, tzinfo=dt_timezone.utc)),
    ])
    assert counts_for(active_counts(on=ON), world.organisation.pk) == {"teachers": 1, "students": 0, "parents": 0}


def test_teacher_and_staff_both_count_as_teachers_once_each_R31(world):
    events_ingest(actor=world.actor, events=[
        world.event(Role.TEACHER, local(2025, 11, 14)), world.event(Role.TEACHER, local(2025, 11, 15)),
        world.event(Role.TEACHER, local(2025, 11, 15, 18)),  # same person, several times: one person
        world.event(Role.STAFF, local(2025, 11, 19)),
        world.event(Role.DIRECTOR, local(2025, 11, 19)),  # the director is not in X
    ])
    assert active_counts(on=ON)[world.organisation.pk]["teachers"] == 2


def test_non_counting_events_and_duplicates_do_not_count_R30(world):
    events_ingest(actor=world.actor, events=[
        world.event(Role.STUDENT, local(2025, 11, 14), counts=False, kind="read"),
        world.event(Role.PARENT, local(2025, 11, 14), external_id="p-1"),
    ])
    events_ingest(actor=world.actor, events=[world.event(Role.PARENT, local(2025, 11, 14), external_id="p-1")])
    assert active_counts(on=ON) == {world.organisation.pk: {"teachers": 0, "students": 0, "parents": 1}}
    assert ActivityEvent.objects.count() == 2  # the non-counting event is kept, the duplicate is not


def test_month_counts_R32(world):
    events_ingest(actor=world.actor, events=[
        world.event(Role.TEACHER, local(2025, 11, 1, 0, 0)), world.event(Role.TEACHER, local(2025, 11, 30, 23, 59)),
        world.event(Role.STAFF, local(2025, 10, 31, 23, 59)),  # October
        world.event(Role.STUDENT, local(2025, 12, 1, 0, 0)),  # December
    ])
    assert active_month_counts(month=date(2025, 11, 1)) == {
        world.organisation.pk: {"teachers": 1, "students": 0, "parents": 0}}
    assert active_month_counts(month=date(2025, 11, 17)) == active_month_counts(month=date(2025, 11, 1))
    assert active_month_counts(month=date(2025, 10, 1))[world.organisation.pk]["teachers"] == 1
    assert active_month_counts(month=date(2025, 12, 1))[world.organisation.pk]["students"] == 1


def test_organisation_filter_and_one_query_each(world):
    events_ingest(actor=world.actor, events=[world.event(Role.TEACHER, local(2025, 11, 14))])
    with CaptureQueriesContext(connection) as captured:
        assert active_counts(on=ON, organisation_ids=[world.other.pk]) == {}
        assert active_counts(on=ON, organisation_ids=[world.organisation.pk, world.other.pk]) == {
            world.organisation.pk: {"teachers": 1, "students": 0, "parents": 0}}
        assert active_month_counts(month=ON, organisation_ids=[]) == {}
        assert active_month_counts(month=ON, organisation_ids=[world.organisation.pk])[world.organisation.pk][
            "teachers"] == 1
    assert len(captured.captured_queries) == 3  # an empty id list needs no query at all


# --- property: rollups == brute-force recount over the raw events ------------------------------------------

ROLES = [Role.TEACHER, Role.STAFF, Role.STUDENT, Role.PARENT, Role.DIRECTOR]
START = datetime(2025, 10, 20, tzinfo=dt_timezone.utc)

event_spec = st.tuples(
    st.sampled_from(ROLES),
    st.integers(min_value=0, max_value=50 * 24 * 60 - 1),  # minutes after START (UTC): ~50 days
    st.booleans() | st.just(True),  # counts, mostly true
    st.integers(min_value=0, max_value=3),  # external id family: 0 = none, else may repeat
    st.integers(min_value=0, max_value=30),
    st.sampled_from(["chat", "chat", "call"]),  # source: calls also feed R31 Y
)


def brute_force(events: list[dict], first: date, last: date) -> dict[int, dict[str, int]]:
    """Distinct persons per organisation and group with a counting event whose local day is in [first, last]."""
    seen: dict[int, dict[str, set]] = defaultdict(lambda: defaultdict(set))
    for e in events:
        group = ROLE_GROUP.get(e["role"])
        day = e["occurred_at"].astimezone(YEKT).date()
        if e["counts"] and group and first <= day <= last:
            seen[e["organisation_id"]][group].add(e["person_id"])
    return {org: {g: len(seen[org].get(g, ())) for g in ("teachers", "students", "parents")} for org in seen}


def brute_force_calls(events: list[dict], first: date, last: date) -> dict[int, int]:
    """R31 Y: distinct teachers with a call event (counting or not) whose local day is in [first, last]."""
    seen: dict[int, set] = defaultdict(set)
    for e in events:
        day = e["occurred_at"].astimezone(YEKT).date()
        if e["source"] == "call" and ROLE_GROUP.get(e["role"]) == "teachers" and first <= day <= last:
            seen[e["organisation_id"]].add(e["person_id"])
    return {org: len(people) for org, people in seen.items()}


def rollup_rows() -> tuple[set, set]:
    return (set(ActiveDay.objects.values_list("organisation_id", "group", "person_id", "day")),
            set(ActiveMonth.objects.values_list("organisation_id", "group", "person_id", "month")))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(specs=st.lists(event_spec, max_size=60), seed=st.integers(0, 2**32 - 1),
       batches=st.integers(min_value=1, max_value=5))
def test_rollups_equal_brute_force_recount_R30_R31(specs, seed, batches):
    """Random event streams, delivered out of order in several batches with repeated deliveries of the same
    external id: the rollup answers equal a recount over the generated events for every report date and
    month of the range."""
    with transaction.atomic():
        world = make_world()
        events, by_id = [], {}
        for role, minutes, counts, family, n, source in specs:
            external_id = f"{family}-{n}" if family else None
            if (source, external_id) in by_id:
                events.append(by_id[source, external_id])  # the same event delivered again
                continue
            event = world.event(role, START + timedelta(minutes=minutes), counts=counts, external_id=external_id,
                                source=source)
            if external_id:
                by_id[source, external_id] = event
            events.append(event)
        unique = list({id(e): e for e in events}.values())
        shuffled = events[:]
        random.Random(seed).shuffle(shuffled)
        size = max(1, -(-len(shuffled) // batches))
        for start in range(0, len(shuffled), size):
            events_ingest(actor=world.actor, events=shuffled[start:start + size])

        assert ActivityEvent.objects.count() == len(unique)
        for offset in range(0, 52, 3):
            on = START.date() + timedelta(days=offset)
            assert active_counts(on=on) == brute_force(unique, on - timedelta(days=7), on - timedelta(days=1)), on
            assert call_counts(on=on) == brute_force_calls(unique, on - timedelta(days=7), on - timedelta(days=1)), on
        for month in (date(2025, 10, 1), date(2025, 11, 1), date(2025, 12, 1)):
            last = (month + timedelta(days=32)).replace(day=1) - timedelta(days=1)
            assert active_month_counts(month=month) == brute_force(unique, month, last), month
        # Recomputing the rollups from the events changes no row of them.
        before = rollup_rows()
        rollups_rebuild()
        assert rollup_rows() == before
        transaction.set_rollback(True)


def test_the_weekly_series_in_one_query_equals_one_window_at_a_time(db):
    """The trend (R32, weekly) reads all its weeks in one query; each week must equal active_counts."""
    from datetime import date, timedelta

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from sreda.core.testing import make_organisation, make_person
    from sreda.stats.models import ActiveDay
    from sreda.stats.rollups import active_counts, active_counts_weekly

    school, other = make_organisation(), make_organisation()
    people = [make_person() for _ in range(4)]
    start = date(2025, 9, 1)
    for n in range(60):  # a pattern that crosses week boundaries, groups and schools
        ActiveDay.objects.get_or_create(organisation=school if n % 3 else other, group=("teachers", "students", "parents")[n % 3],
                                        person=people[n % 4], day=start + timedelta(days=n))
    ends = [date(2025, 9, 8) + timedelta(days=7 * i) for i in range(9)]
    with CaptureQueriesContext(connection) as queries:
        weekly = active_counts_weekly(ends=ends, organisation_ids=[school.pk, other.pk])
    assert len(queries.captured_queries) == 1
    for on in ends:
        assert weekly[on] == active_counts(on=on, organisation_ids=[school.pk, other.pk]), on
    with pytest.raises(ValueError):
        active_counts_weekly(ends=[ends[0], ends[0] + timedelta(days=3)])
