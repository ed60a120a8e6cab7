"""Backfill of chat activity (R30): the homeserver normally pushes every message to the application service,
but when Sreda was unreachable for longer than the homeserver keeps retrying, messages can be missed. This
reads a room's history (Client-Server API `/messages`, as the service account) backwards from the newest
message down to the `since` moment (default: DEFAULT_WINDOW ago; at most MAX_PAGES pages), skips messages
already counted (their event id is an ActivityEvent's external_id) and ingests the missed ones exactly as the
push does (idempotent by event id, so reading a message twice counts it once). It does not stop at the first
counted message: after an outage the homeserver's later pushes may be counted while earlier ones are not."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import quote

import httpx
from django.utils import timezone

from sreda.chats.appservice import MESSAGE_TYPES, ingest_messages, occurred_at
from sreda.chats.connector import MessengerError
from sreda.chats.models import Chat, MessengerSettings
from sreda.stats.models import ActivityEvent

PAGE = 100
MAX_PAGES = 50
DEFAULT_WINDOW = timedelta(days=2)  # how far back a backfill without `since` looks at most
TIMEOUT = 10
UNREACHABLE = "Сервер Matrix не отвечает: историю комнаты «{title}» прочитать не удалось."
UNREACHABLE_HINT = "Проверьте, что сервер запущен и адрес в настройках верен; повторите позже."
REFUSED = "Сервер Matrix отказал в чтении истории комнаты «{title}» (код {status})."
REFUSED_HINT = "Проверьте токен сервисной учётной записи и что она состоит в комнате."


@dataclass
class BackfillResult:
    rooms: int = 0
    read: int = 0  # message events read from the history
    stored: int = 0  # activity events added
    errors: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"rooms": self.rooms, "read": self.read, "stored": self.stored, "errors": self.errors}


def backfill_room(chat: Chat, since: datetime | None = None, *, settings: MessengerSettings | None = None,
                  client: httpx.Client | None = None) -> BackfillResult:
    """Ingest the messages of the chat's room written since `since` (default DEFAULT_WINDOW) and not yet counted."""
    result = BackfillResult()
    if not chat.room_id:
        return result
    settings = settings or MessengerSettings.objects.get(organisation_id=chat.organisation_id)
    since = since or timezone.now() - DEFAULT_WINDOW
    own = client is None
    client = client or httpx.Client(timeout=TIMEOUT)
    try:
        events = _read_back(chat, settings, client, since, result)
    except MessengerError as exc:
        result.errors.append(exc.as_dict(chat.title))
        return result
    finally:
        if own:
            client.close()
    result.rooms = 1
    result.stored = ingest_messages([(chat, e) for e in reversed(events)], services={settings.service_user_id})
    return result


def _read_back(chat: Chat, settings: MessengerSettings, client: httpx.Client, since: datetime,
               result: BackfillResult) -> list[dict]:
    """Message events newer than `since` not counted yet, newest first."""
    url = f"{settings.homeserver_url.rstrip('/')}/_matrix/client/v3/rooms/{quote(chat.room_id, safe='')}/messages"
    headers = {"Authorization": f"Bearer {settings.service_token}"}
    params: dict = {"dir": "b", "limit": PAGE}
    found: list[dict] = []
    for _ in range(MAX_PAGES):
        try:
            response = client.get(url, params=params, headers=headers)
        except httpx.HTTPError as exc:
            raise MessengerError(UNREACHABLE.format(title=chat.title), hint=UNREACHABLE_HINT, retryable=True) from exc
        if response.status_code != 200:
            raise MessengerError(REFUSED.format(title=chat.title, status=response.status_code), hint=REFUSED_HINT,
                                 retryable=response.status_code >= 500 or response.status_code == 429)
        body = response.json()
        page = [e for e in body.get("chunk") or [] if e.get("type") in MESSAGE_TYPES and e.get("event_id")]
        result.read += len(page)
        known = set(ActivityEvent.objects.filter(source="chat", external_id__in=[e["event_id"] for e in page])
                    .values_list("external_id", flat=True))
        for event in page:
            at = occurred_at(event)
            if at is None or at < since:
                return found
            if event["event_id"] not in known:
                found.append(event)
        token = body.get("end")
        if not token or not body.get("chunk"):
            break
        params["from"] = token
    return found


def backfill_school(organisation, *, since: datetime | None = None) -> BackfillResult:
    """Backfill every chat of the school that has a room; errors are collected per room, the rest go on."""
    total = BackfillResult()
    settings = MessengerSettings.objects.filter(organisation=organisation).first()
    if settings is None:
        return total
    with httpx.Client(timeout=TIMEOUT) as client:
        for chat in (Chat.objects.filter(organisation=organisation).exclude(room_id="")
                     .select_related("organisation__municipality__region").order_by("id")):
            one = backfill_room(chat, since, settings=settings, client=client)
            total.rooms += one.rooms
            total.read += one.read
            total.stored += one.stored
            total.errors.extend(one.errors)
    return total
