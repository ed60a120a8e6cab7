"""Ingest of activity events (R30–R31): validation, idempotence, the rollups written with them."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone as dt_timezone
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sreda.core.testing import active_role_of, make_member, make_membership, make_municipality, make_organisation, \
    make_person, make_region
from sreda.orgs.models import Organisation
from sreda.people.roles import Role
from sreda.stats.events import EventIn, events_ingest, rollups_rebuild
from sreda.stats.models import ActiveDay, ActiveMonth, ActivityEvent, EventChatKind

pytestmark = pytest.mark.django_db

YEKT = ZoneInfo("Asia/Yekaterinburg")  # UTC+5, no DST
MEMBER_SINCE = date(2025, 1, 1)


@dataclass
class World:
    """A region in UTC+5 with one school: a teacher, a «Сотрудник», a student, a parent, a director; a
    second school in another region; the regional operator acting."""

    organisation: Organisation
    other: Organisation
    people: dict[str, int]  # role → person id
    actor: object

    def event(self, role: str, at: datetime, **kw) -> dict:
        return {"organisation_id": kw.pop("organisation_id", self.organisation.pk), "person_id": self.people[role],
                "role": role, "source": kw.pop("source", "chat"), "kind": kw.pop("kind", "message"),
                "occurred_at": at, **kw}


def make_world() -> World:
    region = make_region(timezone="Asia/Yekaterinburg")
    organisation = make_organisation(municipality=make_municipality(region=region))
    other = make_organisation()
    people = {}
    for role in (Role.TEACHER, Role.STAFF, Role.STUDENT, Role.PARENT, Role.DIRECTOR):
        person = make_person()
        make_membership(person=person, role=role, organisation=organisation, start_date=MEMBER_SINCE)
        people[role] = person.pk
    user, membership = make_member(role=Role.REGIONAL_OPERATOR, region=region)
    return World(organisation, other, people, active_role_of(user, membership))


def local(y, m, d, hh=12, mm=0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=YEKT)


@pytest.fixture
def world() -> World:
    return make_world()


def rollup_days(organisation) -> set[tuple[str, int, date]]:
    return set(ActiveDay.objects.filter(organisation=organisation).values_list("group", "person_id", "day"))


def test_stores_events_and_rolls_up_counting_ones_R30(world):
    result = events_ingest(actor=world.actor, events=[
        world.event(Role.TEACHER, local(2025, 11, 18), external_id="m1"),
        world.event(Role.STAFF, local(2025, 11, 18), external_id="m2"),
        world.event(Role.STUDENT, local(2025, 11, 19), counts=False, external_id="m3"),  # not activity under R30
        world.event(Role.DIRECTOR, local(2025, 11, 19), external_id="m4"),  # stored, never rolled up
    ])
    assert (result.received, result.stored, result.duplicates, result.rejected) == (4, 4, 0, [])
    assert ActivityEvent.objects.count() == 4
    assert rollup_days(world.organisation) == {
        ("teachers", world.people[Role.TEACHER], date(2025, 11, 18)),
        ("teachers", world.people[Role.STAFF], date(2025, 11, 18)),
    }
    assert set(ActiveMonth.objects.values_list("group", "month")) == {("teachers", date(2025, 11, 1))}


def test_local_day_is_in_the_regions_time_zone_R31(world):
    """23:30 UTC on 17 November is 04:30 on 18 November in Yekaterinburg: the event's day is the 18th."""
    events_ingest(actor=world.actor, events=[
        world.event(Role.TEACHER, datetime(2025, 11, 17, 23, 30, tzinfo=dt_timezone.utc)),
        world.event(Role.STUDENT, "2025-11-30T19:00:00Z"),  # 1 December, 00:00 local: the December month
    ])
    assert rollup_days(world.organisation) == {
        ("teachers", world.people[Role.TEACHER], date(2025, 11, 18)),
        ("students", world.people[Role.STUDENT], date(2025, 12, 1)),
    }
    assert ActiveMonth.objects.get(group="students").month == date(2025, 12, 1)


def test_duplicates_are_skipped_and_ingest_is_idempotent(world):
    batch = [world.event(Role.TEACHER, local(2025, 11, 18), external_id="chat-1"),
             world.event(Role.TEACHER, local(2025, 11, 18), external_id="chat-1"),  # same batch
             world.event(Role.STUDENT, local(2025, 11, 18), external_id="chat-2")]
    first = events_ingest(actor=world.actor, events=batch)
    assert (first.stored, first.duplicates) == (2, 1)
    again = events_ingest(actor=world.actor, events=batch)
    assert (again.received, again.stored, again.duplicates) == (3, 0, 3)
    assert ActivityEvent.objects.count() == 2
    assert ActiveDay.objects.count() == 2
    # The same id from another source is another event.
    other = events_ingest(actor=world.actor, events=[
        world.event(Role.TEACHER, local(2025, 11, 18), external_id="chat-1", source="library")])
    assert other.stored == 1


def test_invalid_events_are_rejected_with_reasons_and_the_rest_stored(world):
    stranger = make_person()
    future = datetime.now(dt_timezone.utc) + timedelta(hours=1)
    result = events_ingest(actor=world.actor, events=[
        world.event(Role.TEACHER, local(2025, 11, 18)),  # fine
        world.event(Role.TEACHER, local(2025, 11, 18), organisation_id=world.other.pk),  # other region
        world.event(Role.TEACHER, local(2025, 11, 18), organisation_id=999_999),  # no such school
        {**world.event(Role.TEACHER, local(2025, 11, 18)), "person_id": stranger.pk},  # not a member
        {**world.event(Role.TEACHER, local(2025, 11, 18)), "role": Role.STUDENT},  # not a student there
        world.event(Role.TEACHER, local(2024, 12, 31)),  # before the membership started
        world.event(Role.TEACHER, future),
        world.event(Role.TEACHER, datetime(2025, 11, 18, 12, 0)),  # no time zone
        world.event(Role.TEACHER, "вчера"),
        world.event(Role.TEACHER, local(2025, 11, 18), source="telegram"),
        world.event(Role.TEACHER, local(2025, 11, 18), kind=""),
        {**world.event(Role.TEACHER, local(2025, 11, 18)), "role": "Оператор региона"},
    ])
    assert (result.received, result.stored) == (12, 1)
    reasons = {r.index: r.reason for r in result.rejected}
    assert sorted(reasons) == list(range(1, 12))
    assert reasons[1] == reasons[2] == "Организация не найдена или вне области роли токена."
    assert reasons[3] == "У человека нет роли «Учитель» в этой организации на дату события."
    assert reasons[4] == "У человека нет роли «Обучающийся» в этой организации на дату события."
    assert "нет роли" in reasons[5]
    assert reasons[6] == "Время события в будущем."
    assert "часового пояса" in reasons[7]
    assert "не распознано" in reasons[8]
    assert "telegram" in reasons[9]
    assert "kind" in reasons[10]
    assert "Неизвестная роль" in reasons[11]
    assert ActivityEvent.objects.count() == 1


def test_the_chat_kind_is_stored_for_messenger_events_and_checked_R30(world):
    """R30: a messenger event may say in which kind of chat it was written; blank for other sources, and an
    unknown kind, or a kind on a non-messenger event, is rejected with the reason — the rest is stored."""
    result = events_ingest(actor=world.actor, events=[
        world.event(Role.PARENT, local(2025, 11, 18), chat_kind=EventChatKind.PARENTS, external_id="c1"),
        world.event(Role.TEACHER, local(2025, 11, 18), external_id="c2"),  # no kind given: blank
        world.event(Role.STUDENT, local(2025, 11, 18), source="library", kind="book_opened", external_id="c3"),
        world.event(Role.TEACHER, local(2025, 11, 18), chat_kind="telegram", external_id="c4"),
        world.event(Role.TEACHER, local(2025, 11, 18), source="library", chat_kind="staff", external_id="c5"),
    ])
    assert (result.received, result.stored) == (5, 3)
    assert dict(ActivityEvent.objects.values_list("external_id", "chat_kind")) == {"c1": "parents", "c2": "",
                                                                                  "c3": ""}
    reasons = {r.external_id: r.reason for r in result.rejected}
    assert reasons["c4"].startswith("Неизвестный вид чата «telegram»")
    assert reasons["c5"] == "Вид чата (chat_kind) указывается только для событий мессенджера (source = chat)."


def test_russian_role_labels_are_accepted(world):
    result = events_ingest(actor=world.actor, events=[
        {**world.event(Role.STAFF, local(2025, 11, 18)), "role": "Сотрудник"}])
    assert result.stored == 1
    assert ActivityEvent.objects.get().role == Role.STAFF


def test_a_school_role_cannot_ingest(world):
    user, membership = make_member(role=Role.DIRECTOR, organisation=world.organisation)
    with pytest.raises(PermissionDenied):
        events_ingest(actor=active_role_of(user, membership), events=[world.event(Role.TEACHER, local(2025, 11, 18))])
    assert ActivityEvent.objects.count() == 0


def test_queries_do_not_grow_with_the_batch(world):
    """A chunk costs a fixed number of statements, however many events it holds."""
    def run(n: int, prefix: str) -> int:
        batch = [world.event(Role.TEACHER if i % 2 else Role.STUDENT, local(2025, 11, 1 + i % 28),
                             external_id=f"{prefix}{i}") for i in range(n)]
        with CaptureQueriesContext(connection) as captured:
            assert events_ingest(actor=world.actor, events=batch).stored == n
        return len(captured.captured_queries)

    assert run(10, "a") == run(1500, "b")


def test_rebuild_recomputes_the_rollups_from_the_events(world):
    events_ingest(actor=world.actor, events=[
        world.event(Role.TEACHER, local(2025, 11, 18)), world.event(Role.PARENT, local(2025, 10, 3)),
        world.event(Role.STUDENT, local(2025, 11, 18), counts=False)])
    before_days, before_months = rollup_days(world.organisation), set(ActiveMonth.objects.values_list(
        "organisation_id", "group", "person_id", "month"))
    ActiveDay.objects.all().delete()
    ActiveMonth.objects.all().delete()
    assert rollups_rebuild(organisation_ids=[world.organisation.pk]) == {"days": 2, "months": 2}
    assert rollup_days(world.organisation) == before_days
    assert set(ActiveMonth.objects.values_list("organisation_id", "group", "person_id", "month")) == before_months
    assert rollups_rebuild() == {"days": 2, "months": 2}


def test_event_dataclass_is_accepted(world):
    result = events_ingest(actor=world.actor, events=[EventIn(
        organisation_id=world.organisation.pk, person_id=world.people[Role.PARENT], role=Role.PARENT,
        source="library", kind="book_opened", occurred_at=local(2025, 11, 18), external_id="lib-1")])
    assert result.stored == 1
    assert rollup_days(world.organisation) == {("parents", world.people[Role.PARENT], date(2025, 11, 18))}
