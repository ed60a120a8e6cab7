"""Sreda as a Matrix application service (R30): the homeserver pushes every event of the rooms the service
account is in to `PUT /_matrix/app/v1/transactions/{txn_id}`.

- m.room.member in a room of a Chat updates the ChatMember mirror (join → add, leave/ban → remove). A join that
  Sreda did not cause (no invite from the service account before it, no mirror row yet) by a parent whose
  account is linked is recorded as a link-joined parent (`via_link`, R26).
- m.room.name and m.room.power_levels sent by anyone but the service account mark the Chat as changed by hand
  (its title; its one-way setting to re-apply), so the next sync corrects them.
- m.room.message (and m.room.encrypted) in a room of a Chat from a linked account becomes an activity event
  (stats.events.events_ingest, source «chat», kind «message», chat_kind = the Chat's kind, external_id = the
  event id): R30 counts any message in a chat of the organisation's space. The service account's and unlinked
  users' messages are ignored; an edit is not a new message.

A transaction is recorded (AppServiceTransaction) in the same database transaction as its effects, so a
redelivered transaction is a no-op and a failed one is redelivered by the homeserver and processed again.
The homeserver authenticates with the hs_token of the registration: settings/env SREDA_MATRIX_HS_TOKEN.
"""
from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from django.conf import settings as django_settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest, JsonResponse
from django.utils.crypto import constant_time_compare
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from sreda.chats.models import (
    AccountStatus,
    AppServiceTransaction,
    Chat,
    ChatKind,
    ChatMember,
    MessengerAccount,
    MessengerSettings,
)
from sreda.core.active_role import system_operator
from sreda.people.models import Confirmation, Membership
from sreda.people.roles import Role

log = logging.getLogger(__name__)

HS_TOKEN_SETTING = "SREDA_MATRIX_HS_TOKEN"  # the registration's hs_token: settings first, then the environment
MESSAGE_TYPES = frozenset({"m.room.message", "m.room.encrypted"})
STAFF_ROLES = (Role.TEACHER, Role.STAFF, Role.DIRECTOR, Role.ADMINISTRATOR)
# Which of a person's roles in the school a message in a chat of this kind is counted under, in order of
# preference (a class teacher writes in their class's chats as a teacher; a parent who also teaches writes in the
# parents' chat as a parent).
ROLES_BY_KIND = {
    ChatKind.STAFF: STAFF_ROLES,
    ChatKind.PARENTS: (Role.PARENT, *STAFF_ROLES),
    ChatKind.STUDENTS: (Role.STUDENT, *STAFF_ROLES),
    ChatKind.SUBJECT: (Role.STUDENT, Role.TEACHER, Role.PARENT, Role.STAFF, Role.DIRECTOR, Role.ADMINISTRATOR),
}


def hs_token() -> str:
    return getattr(django_settings, HS_TOKEN_SETTING, None) or os.environ.get(HS_TOKEN_SETTING, "")


def _error(status: int, errcode: str, error: str) -> JsonResponse:
    return JsonResponse({"errcode": errcode, "error": error}, status=status)


def _authorised(request: HttpRequest) -> bool:
    expected = hs_token()
    header = request.headers.get("Authorization", "")
    given = header[7:].strip() if header.startswith("Bearer ") else request.GET.get("access_token", "")
    return bool(expected) and bool(given) and constant_time_compare(given, expected)


def _forbidden() -> JsonResponse:
    return _error(403, "M_FORBIDDEN", "Неверный hs_token сервера Matrix.")


@csrf_exempt
@require_http_methods(["PUT"])
def transactions(request: HttpRequest, txn_id: str):
    """PUT /_matrix/app/v1/transactions/{txn_id}: apply the pushed events once; answer {}."""
    if not _authorised(request):
        return _forbidden()
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        return _error(400, "M_NOT_JSON", "Тело запроса — не JSON.")
    events = body.get("events") if isinstance(body, dict) else None
    if not isinstance(events, list):
        return _error(400, "M_BAD_JSON", "Нет списка events.")
    try:
        with transaction.atomic():
            AppServiceTransaction.objects.create(txn_id=txn_id[:255], events=len(events))
            apply_events([e for e in events if isinstance(e, dict)])
    except IntegrityError:
        pass  # a redelivery of a transaction already applied (or being applied right now): nothing to do
    return JsonResponse({})


@csrf_exempt
@require_GET
def query_user(request: HttpRequest, user_id: str):
    """Sreda never creates users on demand."""
    return _forbidden() if not _authorised(request) else _error(404, "M_NOT_FOUND", "Нет такого пользователя.")


@csrf_exempt
@require_GET
def query_room(request: HttpRequest, alias: str):
    """Sreda never creates rooms on demand: rooms are made by the sync."""
    return _forbidden() if not _authorised(request) else _error(404, "M_NOT_FOUND", "Нет такой комнаты.")


@csrf_exempt
@require_http_methods(["POST"])
def ping(request: HttpRequest):
    return _forbidden() if not _authorised(request) else JsonResponse({})


# --- events -----------------------------------------------------------------------------------------------

def apply_events(events: list[dict]) -> dict:
    """Apply membership and message events of Sreda's rooms; {"members": n, "messages": stored}."""
    rooms = {e.get("room_id") for e in events if e.get("room_id")}
    chats = {c.room_id: c for c in Chat.objects.filter(room_id__in=rooms)
             .select_related("organisation__municipality__region")}
    if not chats:
        return {"members": 0, "messages": 0}
    services = set(MessengerSettings.objects.filter(organisation_id__in={c.organisation_id for c in chats.values()})
                   .values_list("service_user_id", flat=True))
    members = 0
    messages = []
    for event in events:
        chat = chats.get(event.get("room_id"))
        if chat is None:
            continue
        if event.get("type") == "m.room.member":
            members += _apply_membership(chat, event, services)
        elif event.get("type") in HAND_MADE_STATE and event.get("sender") not in services:
            _apply_hand_made_state(chat, event)
        elif event.get("type") in MESSAGE_TYPES:
            messages.append((chat, event))
    return {"members": members, "messages": ingest_messages(messages, services=services)}


HAND_MADE_STATE = ("m.room.name", "m.room.power_levels")


def _apply_hand_made_state(chat: Chat, event: dict) -> None:
    """Someone other than the service account renamed a live room or changed its power levels: Sreda's state
    records it, so the next sync (no --reconcile needed) puts the plan's title and one-way setting (R28) back."""
    if chat.archived_at is not None or not chat.room_id:
        return
    if event.get("type") == "m.room.name":
        name = str((event.get("content") or {}).get("name", ""))
        if name != chat.title:
            Chat.objects.filter(pk=chat.pk).update(title=name)
    elif chat.read_only_applied is not None:
        Chat.objects.filter(pk=chat.pk).update(read_only_applied=not chat.read_only)  # re-applied, if it differs


def _linked(user_ids: Iterable[str]) -> dict[str, int]:
    """Linked messenger id → person id."""
    return dict(MessengerAccount.objects.filter(user_id__in=set(user_ids), status=AccountStatus.LINKED)
                .values_list("user_id", "person_id"))


def _apply_membership(chat: Chat, event: dict, services: set[str]) -> int:
    user_id = event.get("state_key")
    content = event.get("content") or {}
    membership = content.get("membership")
    if not isinstance(user_id, str) or not user_id or user_id in services:
        return 0
    if membership in ("leave", "ban"):
        return ChatMember.objects.filter(chat=chat, user_id=user_id).delete()[0]
    if membership != "join":
        return 0
    unsigned = event.get("unsigned") or {}
    prev = unsigned.get("prev_content") or {}
    if prev.get("membership") == "join":
        return 0  # a profile change (name, avatar), not a new member
    person_id = _linked([user_id]).get(user_id)
    invited_by_sreda = prev.get("membership") == "invite" and unsigned.get("prev_sender") in services
    via_link = (not invited_by_sreda and person_id is not None
                and _is_parent(person_id, chat.organisation_id, _local_day(chat, occurred_at(event) or _now())))
    _, created = ChatMember.objects.get_or_create(chat=chat, user_id=user_id,
                                                  defaults={"person_id": person_id, "via_link": via_link})
    return int(created)


def _now() -> datetime:
    return datetime.now(UTC)


def _is_parent(person_id: int, organisation_id: int, on) -> bool:
    return (Membership.objects.active(on).filter(person_id=person_id, organisation_id=organisation_id,
                                                 role=Role.PARENT)
            .exclude(confirmation=Confirmation.REJECTED).exists())


def occurred_at(event: dict) -> datetime | None:
    ts = event.get("origin_server_ts")
    if not isinstance(ts, int) or isinstance(ts, bool):
        return None
    return datetime.fromtimestamp(ts / 1000, tz=UTC)


def _is_edit(event: dict) -> bool:
    relates = (event.get("content") or {}).get("m.relates_to") or {}
    return isinstance(relates, dict) and relates.get("rel_type") == "m.replace"


def ingest_messages(messages: list[tuple[Chat, dict]], *, services: set[str] | None = None) -> int:
    """R30: turn messages of linked people in Sreda's chats into activity events; returns how many were stored
    (a message seen before — same event id — is skipped by the ingest)."""
    from sreda.stats.events import events_ingest

    if services is None:
        services = set(MessengerSettings.objects.values_list("service_user_id", flat=True))
    messages = [(chat, e) for chat, e in messages
                if e.get("sender") not in services and e.get("event_id") and not _is_edit(e) and occurred_at(e)]
    people = _linked(e.get("sender") for _, e in messages)
    messages = [(chat, e) for chat, e in messages if e.get("sender") in people]
    if not messages:
        return 0
    roles = _roles(set(people.values()), {chat.organisation_id for chat, _ in messages})
    batch = []
    for chat, event in messages:
        person_id = people[event["sender"]]
        at = occurred_at(event)
        role = _role_for(chat, roles.get((person_id, chat.organisation_id), []), _local_day(chat, at))
        if role is None:
            continue  # no role of theirs in this school that day: not the school's activity
        batch.append({"organisation_id": chat.organisation_id, "person_id": person_id, "role": role,
                      "source": "chat", "kind": "message", "chat_kind": chat.kind, "occurred_at": at,
                      "counts": True, "external_id": event["event_id"]})
    if not batch:
        return 0
    result = events_ingest(actor=system_operator(), events=batch)
    for rejected in result.rejected:
        log.info("chat message %s not counted: %s", rejected.external_id, rejected.reason)
    return result.stored


def _roles(person_ids: set[int], organisation_ids: set[int]) -> dict[tuple[int, int], list[Membership]]:
    found: dict[tuple[int, int], list[Membership]] = {}
    rows = (Membership.objects.filter(person_id__in=person_ids, organisation_id__in=organisation_ids)
            .exclude(confirmation=Confirmation.REJECTED).select_related("school_class"))
    for m in rows:
        found.setdefault((m.person_id, m.organisation_id), []).append(m)
    return found


def _local_day(chat: Chat, at: datetime):
    """The event's day in the school's region (the day the ingest checks the membership on)."""
    region = chat.organisation.municipality.region
    return at.astimezone(ZoneInfo(region.timezone or "Europe/Moscow")).date()


def _role_for(chat: Chat, memberships: list[Membership], day) -> str | None:
    """The person's role that fits the chat kind on that day (see ROLES_BY_KIND)."""
    held = {m.role for m in memberships
            if m.start_date <= day and (m.end_date is None or m.end_date > day)}
    for role in ROLES_BY_KIND.get(chat.kind, STAFF_ROLES):
        if role in held:
            return role
    return None
