"""Ingest of activity events and upkeep of their rollups (R30–R31).

`events_ingest` validates a batch, appends the valid events to ActivityEvent and, in the same
transaction, adds the (organisation, group, person, local day) and (…, month) rows of the counting events
to ActiveDay / ActiveMonth with INSERT … ON CONFLICT DO NOTHING. Rollup rows are only ever added, so
events may arrive late, out of order and more than once: the rollups stay equal to a recount over the
events. `rollups_rebuild` recomputes them from the events (repair).

Rules an event must meet (anything else is rejected with a Russian reason, the rest of the batch is
stored):
- the organisation exists and is in the actor's scope (the token's region, municipality or school);
- the person held a membership of that role in that organisation on the event's local day (start_date ≤
  day < end_date; a rejected membership does not count);
- the role is a school role; «Учитель» and «Сотрудник» count as teachers, «Обучающийся» as students,
  «Законный представитель» as parents; «Руководитель ОО» / «Администратор ОО» events are stored
  but never rolled up (R31 counts X from teachers and staff);
- the time has a time zone and is not in the future (a clock skew of FUTURE_SKEW is tolerated);
- source is one of EventSource, kind is non-empty;
- chat_kind (optional) is one of EventChatKind and only on events of source «chat»: in which kind of chat the
  message was written (the staff room, a class's parents' or students' chat, …); blank otherwise.
`counts` (default true) is the source's verdict under R30 (e.g. a message in a chat of the
organisation's space); only counting events reach the rollups. An `external_id` seen before for the same
source (in an earlier batch or earlier in this one) is a duplicate: skipped, not an error.

Queries: the batch is processed in chunks of CHUNK events (one API batch is one chunk); each chunk costs
a fixed number of statements whatever its content: the scope of organisations not seen before in the call,
the memberships of its persons, one INSERT … ON CONFLICT DO NOTHING RETURNING of the events, one INSERT of
day rows and one of month rows. Each statement carries the whole chunk as one JSON parameter.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone as dt_timezone
from typing import Any, Iterable, Mapping
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import CharField, Value
from django.db.models.functions import TruncMonth
from django.utils import timezone

from sreda.core.active_role import ActiveRole
from sreda.core.audit import audit
from sreda.core.permissions import ALLOWED, DENIED_MESSAGE, Action, organisations_in_scope, role_key
from sreda.people.models import Confirmation, Membership
from sreda.people.roles import Role
from sreda.stats.indicators import stats_changed
from sreda.stats.models import (
    CALLS_GROUP,
    ROLE_GROUP,
    ActiveDay,
    ActiveMonth,
    ActivityEvent,
    EventChatKind,
    EventSource,
    RoleGroup,
)

MAX_BATCH = 10_000  # the API's limit per request
CHUNK = 10_000  # events per INSERT (one API batch)
FUTURE_SKEW = timedelta(minutes=5)
# Events are sent by the integrations of the oversight roles (a district's or region's messenger bridge).
INGEST_ACTION = Action.IMPORT_STATS
SCHOOL_ROLES = frozenset({Role.DIRECTOR, Role.ADMINISTRATOR, Role.TEACHER, Role.STAFF, Role.STUDENT, Role.PARENT})
_ROLE_BY_LABEL = {str(label).casefold(): value for value, label in Role.choices}
_SOURCES = frozenset(EventSource.values)
_CHAT_KINDS = frozenset(EventChatKind.values)

# Rejection reasons (shown to the integration as they are).
NO_ORGANISATION = "Организация не найдена или вне области роли токена."
NO_MEMBERSHIP = "У человека нет роли «{role}» в этой организации на дату события."
BAD_ROLE = ("Неизвестная роль «{role}»: ожидается роль в школе "
            "(teacher, staff, student, parent, director, administrator).")
BAD_SOURCE = "Неизвестный источник «{source}»: ожидается chat, library, call или other."
BAD_KIND = "Не указан вид события (kind), не длиннее 40 символов."
BAD_TIME = "Время события не распознано: ожидается ISO 8601 с часовым поясом, например 2025-11-20T10:15:00+03:00."
NAIVE_TIME = "У времени события нет часового пояса: укажите смещение, например +03:00."
FUTURE_TIME = "Время события в будущем."
BAD_CHAT_KIND = ("Неизвестный вид чата «{chat_kind}»: ожидается staff, parents, students, subject, group или direct "
                 "(или пусто).")
CHAT_KIND_NOT_CHAT = "Вид чата (chat_kind) указывается только для событий мессенджера (source = chat)."
BAD_ID = "Идентификатор у источника (external_id) длиннее 120 символов."
BAD_FIELD = "Не указано или неверно поле «{field}»."


@dataclass(frozen=True)
class EventIn:
    """One event as a source reports it."""

    organisation_id: int
    person_id: int
    role: str  # Role value ("teacher") or its Russian label («Учитель»)
    source: str  # EventSource value
    kind: str  # e.g. "message", "reaction", "book_opened"
    occurred_at: datetime | str  # aware datetime or ISO 8601 with offset
    counts: bool = True  # R30: does this activity count?
    external_id: str | None = None  # the source's id: makes ingest idempotent
    chat_kind: str = ""  # EventChatKind value for messenger events; blank otherwise


@dataclass(frozen=True)
class Rejected:
    index: int  # 0-based position in the batch
    external_id: str | None
    reason: str


@dataclass
class IngestResult:
    received: int = 0
    stored: int = 0
    duplicates: int = 0
    rejected: list[Rejected] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"received": self.received, "stored": self.stored, "duplicates": self.duplicates,
                "rejected": [{"index": r.index, "external_id": r.external_id, "reason": r.reason}
                             for r in self.rejected]}


# --- ingest ----------------------------------------------------------------------------------------------

def events_ingest(*, actor: ActiveRole, events: Iterable[EventIn | Mapping[str, Any]]) -> IngestResult:
    """Validate and append `events`; update the rollups in the same transaction. Idempotent per
    (source, external_id)."""
    if role_key(actor) not in ALLOWED[INGEST_ACTION]:
        raise PermissionDenied(DENIED_MESSAGE[INGEST_ACTION])
    result = IngestResult()
    now = timezone.now()
    scope = organisations_in_scope(actor)
    zones: dict[int, ZoneInfo | None] = {}  # organisation id → its region's time zone; None: not in scope
    with transaction.atomic():
        chunk: list[tuple[int, Any]] = []
        for index, event in enumerate(events):
            chunk.append((index, event))
            if len(chunk) == CHUNK:
                _ingest_chunk(chunk, scope=scope, zones=zones, now=now, result=result)
                chunk = []
        if chunk:
            _ingest_chunk(chunk, scope=scope, zones=zones, now=now, result=result)
        result.rejected.sort(key=lambda rejected: rejected.index)
        if result.stored:
            stats_changed()
        audit(actor=actor, action="stats.events_ingest", organisation=actor.organisation,
              details={"received": result.received, "stored": result.stored, "duplicates": result.duplicates,
                       "rejected": len(result.rejected)})
    return result


_zones: dict[str, ZoneInfo] = {}


def _zone(name: str) -> ZoneInfo:
    zone = _zones.get(name)
    if zone is None:
        zone = _zones[name] = ZoneInfo(name or "Europe/Moscow")
    return zone


_FIELDS = ("organisation_id", "person_id", "role", "source", "kind", "occurred_at", "counts", "external_id",
           "chat_kind")


def _as_id(value) -> int | None:
    if type(value) is int:
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def _parse(index: int, event, now_plus_skew: datetime) -> tuple | Rejected:
    """(organisation_id, person_id, role, source, kind, occurred_at, counts, external_id, chat_kind) or a
    rejection."""
    if type(event) is not dict:
        event = dict(event) if isinstance(event, Mapping) else {name: getattr(event, name, None) for name in _FIELDS}
    get = event.get
    external_id = get("external_id")
    if external_id is not None:
        external_id = str(external_id) or None
    organisation_id, person_id = _as_id(get("organisation_id")), _as_id(get("person_id"))
    if organisation_id is None or person_id is None:
        return Rejected(index, external_id,
                        BAD_FIELD.format(field="organisation_id" if organisation_id is None else "person_id"))
    role = get("role")
    if role not in SCHOOL_ROLES:
        role = _ROLE_BY_LABEL.get(str(role or "").strip().casefold())
        if role not in SCHOOL_ROLES:
            return Rejected(index, external_id, BAD_ROLE.format(role=get("role") or ""))
    source = get("source")
    if source not in _SOURCES:
        return Rejected(index, external_id, BAD_SOURCE.format(source=source))
    kind = get("kind")
    if type(kind) is not str or not (kind := kind.strip()) or len(kind) > 40:
        return Rejected(index, external_id, BAD_KIND)
    occurred_at = get("occurred_at")
    if type(occurred_at) is str:
        try:
            occurred_at = datetime.fromisoformat(occurred_at.strip().replace("Z", "+00:00"))
        except ValueError:
            return Rejected(index, external_id, BAD_TIME)
    elif not isinstance(occurred_at, datetime):
        return Rejected(index, external_id, BAD_TIME)
    if occurred_at.tzinfo is None or occurred_at.utcoffset() is None:
        return Rejected(index, external_id, NAIVE_TIME)
    if occurred_at > now_plus_skew:
        return Rejected(index, external_id, FUTURE_TIME)
    if external_id is not None and len(external_id) > 120:
        return Rejected(index, external_id[:120], BAD_ID)
    chat_kind = get("chat_kind") or ""
    if chat_kind:
        if isinstance(chat_kind, str):
            chat_kind = str(chat_kind)  # a TextChoices member (chats.ChatKind.PARENTS) → "parents"
        if type(chat_kind) is not str or chat_kind not in _CHAT_KINDS:
            return Rejected(index, external_id, BAD_CHAT_KIND.format(chat_kind=chat_kind))
        if source != EventSource.CHAT:
            return Rejected(index, external_id, CHAT_KIND_NOT_CHAT)
    counts = get("counts", True)
    return (organisation_id, person_id, role, source, kind, occurred_at, counts is None or bool(counts), external_id,
            chat_kind)


def _ingest_chunk(chunk: list[tuple[int, Any]], *, scope, zones: dict[int, ZoneInfo | None], now: datetime,
                  result: IngestResult) -> None:
    result.received += len(chunk)
    parsed: list[tuple[int, tuple]] = []
    now_plus_skew = now + FUTURE_SKEW
    for index, event in chunk:
        item = _parse(index, event, now_plus_skew)
        if type(item) is Rejected:
            result.rejected.append(item)
        else:
            parsed.append((index, item))
    if not parsed:
        return

    # At most 1 query: the organisations not seen before in this call that are in scope, with their time zone.
    unseen = {item[0] for _, item in parsed} - zones.keys()
    if unseen:
        found = dict(scope.filter(pk__in=unseen).values_list("pk", "municipality__region__timezone"))
        for pk in unseen:
            zones[pk] = _zone(found[pk]) if pk in found else None
    # 1 query: the memberships of these persons (matched to organisation, role and day below).
    spans = _membership_spans(person_ids={item[1] for _, item in parsed if zones.get(item[0])})
    wire_time, wire_date = _wire()

    rows = []
    append, reject = rows.append, result.rejected.append
    seen: set[tuple[str, str]] = set()
    group_of, zone_of, spans_of = ROLE_GROUP.get, zones.get, spans.get
    for index, (organisation_id, person_id, role, source, kind, occurred_at, counts, external_id, chat_kind) in parsed:
        zone = zone_of(organisation_id)
        if zone is None:
            reject(Rejected(index, external_id, NO_ORGANISATION))
            continue
        day = occurred_at.astimezone(zone).date()
        for start, end in spans_of((organisation_id, person_id, role), ()):
            if start <= day and (end is None or day < end):
                break
        else:
            reject(Rejected(index, external_id, NO_MEMBERSHIP.format(role=Role(role).label)))
            continue
        if external_id is not None:
            key = (source, external_id)
            if key in seen:  # repeated within the chunk; repeats of stored events are skipped by the INSERT
                result.duplicates += 1
                continue
            seen.add(key)
        append((organisation_id, person_id, role, group_of(role, ""), source, kind,
                wire_time(occurred_at), wire_date(day), counts, external_id, chat_kind))
    if not rows:
        return
    # One order for every batch: concurrent batches with the same ids then wait for each other instead of
    # deadlocking on the unique index.
    rows.sort(key=_event_order)
    stored = _insert_events(rows, now)
    result.stored += len(stored)
    result.duplicates += len(rows) - len(stored)  # stored before, by an earlier or a concurrent batch
    _add_rollups(stored)


# --- bulk SQL: a whole chunk as ONE JSON parameter, on PostgreSQL and SQLite ------------------------------
# Thousands of %s placeholders (or array parameters) make psycopg quote every value in Python, which costs
# more than the INSERT itself; json.dumps is C, and both databases unpack JSON arrays quickly.

def _is_pg() -> bool:
    return connection.vendor == "postgresql"


def _in(column: str, values, pg_type: str) -> tuple[str, list]:
    """`column IN values` with one parameter."""
    if _is_pg():
        return f"{column} IN (SELECT json_array_elements_text(%s::json)::{pg_type})", [json.dumps(list(values))]
    return f"{column} IN (SELECT value FROM json_each(%s))", [json.dumps(list(values))]


_EPOCH = datetime(1970, 1, 1, tzinfo=dt_timezone.utc)
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_MICROSECOND = timedelta(microseconds=1)


def _utc_text(value: datetime) -> str:
    """Django's SQLite format for an aware datetime: naive UTC «YYYY-MM-DD HH:MM:SS[.ffffff]»."""
    return str(value.astimezone(dt_timezone.utc).replace(tzinfo=None))


def _wire() -> tuple:
    """How a timestamp and a date travel in the JSON parameter: microseconds / days since 1970 on PostgreSQL,
    Django's own text formats on SQLite."""
    if _is_pg():
        return (lambda v: (v - _EPOCH) // _MICROSECOND), (lambda v: v.toordinal() - _EPOCH_ORDINAL)
    return _utc_text, date.isoformat


def _select_rows(types: list[str], rows: list[tuple], constant: datetime | None = None) -> tuple[str, list]:
    """A SELECT producing `rows` — already in the wire format of `_wire()` — and `constant` as a last column
    when given. Types: bigint, text, boolean, timestamp, date."""
    pg = _is_pg()
    if pg:
        exprs = []
        for i, kind in enumerate(types):
            if kind == "timestamp":
                exprs.append(f"TIMESTAMPTZ 'epoch' + (e->>{i})::bigint * INTERVAL '1 microsecond'")
            elif kind == "date":
                exprs.append(f"DATE '1970-01-01' + (e->>{i})::int")
            elif kind == "text":
                exprs.append(f"e->>{i}")
            else:
                exprs.append(f"(e->>{i})::{kind}")
        # In array order (the caller's sorted lock order).
        source, constant_sql = "json_array_elements(%s::json) WITH ORDINALITY AS x(e, n) ORDER BY n", "%s::timestamptz"
    else:
        exprs = [f"json_extract(value, '$[{i}]')" for i in range(len(types))]
        # «WHERE true» keeps SQLite from reading ON CONFLICT as a join clause of the SELECT.
        source, constant_sql = "json_each(%s) WHERE true", "%s"
    params = [json.dumps(rows)]
    if constant is not None:  # its placeholder comes before the rows'
        exprs.append(constant_sql)
        params.insert(0, constant if pg else _utc_text(constant))
    return f"SELECT {', '.join(exprs)} FROM {source}", params


def _membership_spans(*, person_ids: set[int]) -> dict[tuple[int, int, str], list[tuple[date, date | None]]]:
    """(organisation, person, role) → the [start, end) spans of its non-rejected memberships. By person only:
    a person has a handful of memberships, and the person index is the selective one."""
    spans: dict[tuple[int, int, str], list[tuple[date, date | None]]] = {}
    qn = connection.ops.quote_name
    people_sql, people_params = _in(qn("person_id"), person_ids, "bigint")
    sql = (f"SELECT {qn('organisation_id')}, {qn('person_id')}, {qn('role')}, {qn('start_date')}, {qn('end_date')} "
           f"FROM {qn(Membership._meta.db_table)} WHERE {people_sql} AND {qn('organisation_id')} IS NOT NULL "
           f"AND {qn('confirmation')} <> %s")
    with connection.cursor() as cursor:
        cursor.execute(sql, [*people_params, Confirmation.REJECTED])
        rows = cursor.fetchall()
    for organisation_id, person_id, role, start, end in rows:
        if isinstance(start, str):
            start = date.fromisoformat(start)
        if isinstance(end, str):
            end = date.fromisoformat(end)
        spans.setdefault((organisation_id, person_id, role), []).append((start, end))
    return spans


EVENT_COLUMNS = [("organisation_id", "bigint"), ("person_id", "bigint"), ("role", "text"), ("group", "text"),
                 ("source", "text"), ("kind", "text"), ("occurred_at", "timestamp"), ("day", "date"),
                 ("counts", "boolean"), ("external_id", "text"), ("chat_kind", "text")]


def _insert_events(rows: list[tuple], now: datetime) -> list[tuple]:
    """INSERT … ON CONFLICT DO NOTHING RETURNING: the (organisation, group, person, day, counts) of the events
    actually stored (an external id stored before, or by a concurrent batch, is skipped)."""
    qn = connection.ops.quote_name
    select, params = _select_rows([t for _, t in EVENT_COLUMNS], rows, constant=now)
    columns = ", ".join(qn(c) for c, _ in EVENT_COLUMNS)
    sql = (f"INSERT INTO {qn(ActivityEvent._meta.db_table)} ({columns}, {qn('received_at')}) {select} "
           f"ON CONFLICT DO NOTHING RETURNING {qn('organisation_id')}, {qn('group')}, {qn('person_id')}, "
           f"{qn('day')}, {qn('counts')}, {qn('source')}")
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        returned = cursor.fetchall()
    if returned and isinstance(returned[0][3], str):
        return [(o, g, p, date.fromisoformat(d), c, s) for o, g, p, d, c, s in returned]
    return returned


def _event_order(row: tuple) -> tuple:
    return (row[9] is None, row[4], row[9] or "")


def _add_rollups(stored: list[tuple]) -> None:
    days = {(o, g, p, d) for o, g, p, d, counts, _ in stored if counts and g}
    months = {(o, g, p, d.replace(day=1)) for o, g, p, d in days}
    # R31 Y: a teacher's call that day, counting or not (informational).
    days |= {(o, CALLS_GROUP, p, d) for o, g, p, d, _, source in stored
             if source == EventSource.CALL and g == RoleGroup.TEACHERS}
    if days:
        _insert_ignore(ActiveDay._meta.db_table, "day", days)
    if months:
        _insert_ignore(ActiveMonth._meta.db_table, "month", months)


def _insert_ignore(table: str, date_column: str, rows: set[tuple]) -> None:
    """INSERT … ON CONFLICT DO NOTHING of (organisation, group, person, date) rows: adding a rollup row
    twice is harmless, so late, repeated and concurrent batches all leave the same rollups."""
    qn = connection.ops.quote_name
    columns = ", ".join(qn(c) for c in ("organisation_id", "group", "person_id", date_column))
    wire_date = _wire()[1]
    rows = sorted(rows)  # one lock order for concurrent batches
    select, params = _select_rows(["bigint", "text", "bigint", "date"],
                                  [(o, g, p, wire_date(d)) for o, g, p, d in rows])
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {qn(table)} ({columns}) {select} ON CONFLICT DO NOTHING", params)


# --- repair ----------------------------------------------------------------------------------------------

def rollups_rebuild(*, organisation_ids: list[int] | None = None) -> dict[str, int]:
    """Recompute ActiveDay and ActiveMonth from the counting events (of `organisation_ids`, default all).
    Returns the number of rows of each rollup afterwards."""
    qn = connection.ops.quote_name
    events = ActivityEvent.objects.filter(counts=True, group__in=sorted(set(ROLE_GROUP.values())))
    days = ActiveDay.objects.all()
    months = ActiveMonth.objects.all()
    if organisation_ids is not None:
        organisation_ids = list(organisation_ids)
        events = events.filter(organisation_id__in=organisation_ids)
        days = days.filter(organisation_id__in=organisation_ids)
        months = months.filter(organisation_id__in=organisation_ids)
    day_select = events.values_list("organisation_id", "group", "person_id", "day").order_by().distinct()
    calls = ActivityEvent.objects.filter(source=EventSource.CALL, group=RoleGroup.TEACHERS)
    if organisation_ids is not None:
        calls = calls.filter(organisation_id__in=organisation_ids)
    call_select = (calls.annotate(calls=Value(CALLS_GROUP, output_field=CharField()))
                   .values_list("organisation_id", "calls", "person_id", "day").order_by().distinct())
    month_select = (events.annotate(first=TruncMonth("day"))
                    .values_list("organisation_id", "group", "person_id", "first").order_by().distinct())
    with transaction.atomic():
        days.delete()  # no relations point at rollup rows: one DELETE each
        months.delete()
        with connection.cursor() as cursor:
            for table, column, select in ((ActiveDay._meta.db_table, "day", day_select),
                                          (ActiveDay._meta.db_table, "day", call_select),
                                          (ActiveMonth._meta.db_table, "month", month_select)):
                sql, params = select.query.sql_with_params()
                columns = ", ".join(qn(c) for c in ("organisation_id", "group", "person_id", column))
                # ON CONFLICT: an ingest committing meanwhile may have added the same rows already.
                cursor.execute(f"INSERT INTO {qn(table)} ({columns}) {sql} ON CONFLICT DO NOTHING", params)
        stats_changed()
        audit(actor=None, action="stats.rollups_rebuild",
              details={"organisations": "все" if organisation_ids is None else len(organisation_ids)})
        return {"days": days.count(), "months": months.count()}
