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
from sreda.exchange.recorders import task_recorded
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


def backfill_school(organisation, *, since: datetime | None = None, on_progress=None) -> BackfillResult:
    """Backfill every chat of the school that has a room; errors are collected per room, the rest go on.
    `on_progress(done, total, result)` is called after each room (the exchange task's progress)."""
    total = BackfillResult()
    settings = MessengerSettings.objects.filter(organisation=organisation).first()
    if settings is None:
        return total
    chats = list(Chat.objects.filter(organisation=organisation).exclude(room_id="")
                 .select_related("organisation__municipality__region").order_by("id"))
    with httpx.Client(timeout=TIMEOUT) as client:
        for index, chat in enumerate(chats, start=1):
            one = backfill_room(chat, since, settings=settings, client=client)
            total.rooms += one.rooms
            total.read += one.read
            total.stored += one.stored
            total.errors.extend(one.errors)
            if on_progress is not None:
                on_progress(index, len(chats), total)
    return total


# ------------------------------------------------------------------ the backfill as an exchange task (R29)

SCHEDULED_WINDOW = timedelta(hours=24)  # the first scheduled backfill of a school looks back this far (at least)
LONGEST_WINDOW = timedelta(days=30)
OVERLAP = timedelta(minutes=10)  # clock differences between Sreda and the homeserver; re-reading is free (idempotent)
BACKFILL_KEYS = ("rooms", "messages_read", "events_added")
NOT_CONFIGURED = {"what": "Настройки", "message": "Интеграция с мессенджером для школы не настроена.",
                  "hint": "Заполните адрес сервера, токен и сервисную учётную запись на странице «Настройки мессенджера»."}
NEXT_RUN_HINT = " Ничего не потеряно: следующая догрузка (каждый час или кнопкой «Догрузить сообщения») перечитает " \
                "историю с момента последней успешной."


class BackfillBusy(Exception):
    def __init__(self, task):
        super().__init__(f"Догрузка сообщений этой школы уже идёт (задача №{task.pk}).")
        self.task = task


def backfill_since(organisation, *, now: datetime | None = None) -> datetime:
    """Where a backfill of the school starts reading the history back to (R30):
    - since the start of the school's last successful backfill (minus OVERLAP): every message written after it
      is still in the rooms' history, pushed or not, so nothing is skipped however long the push was down;
    - the first time: since the newest message already stored for the school, or 24 hours, whichever is earlier
      (never more than LONGEST_WINDOW)."""
    from sreda.chats.models import ExchangeTask, TaskKind, TaskStatus

    now = now or timezone.now()
    last = (ExchangeTask.objects.filter(organisation=organisation, kind=TaskKind.BACKFILL, status=TaskStatus.DONE,
                                        started_at__isnull=False).order_by("-started_at")
            .values_list("started_at", flat=True).first())
    if last is not None:
        since = last - OVERLAP
    else:
        since = now - SCHEDULED_WINDOW
        newest = (ActivityEvent.objects.filter(organisation=organisation, source="chat")
                  .order_by("-occurred_at").values_list("occurred_at", flat=True).first())
        if newest is not None and newest < since:
            since = newest - OVERLAP
    return max(since, now - LONGEST_WINDOW)


def start_backfill(organisation, *, trigger: str, actor=None):
    """A queued (PENDING) backfill task of the school; `run_backfill` runs it."""
    from sreda.chats.models import ExchangeTask, TaskKind

    user = getattr(actor, "user", None)
    return ExchangeTask.objects.create(organisation=organisation, kind=TaskKind.BACKFILL, trigger=trigger,
                                       counts={key: 0 for key in BACKFILL_KEYS},
                                       created_by=user if user is not None and user.pk else None)


def _claim_backfill(task) -> bool:
    from django.db import transaction

    from sreda.chats.models import ExchangeTask, TaskKind, TaskStatus
    from sreda.chats.sync import running_task

    with transaction.atomic():
        list(MessengerSettings.objects.select_for_update().filter(organisation_id=task.organisation_id))
        current = ExchangeTask.objects.select_for_update().get(pk=task.pk)
        if current.status != TaskStatus.PENDING:
            return False
        other = running_task(task.organisation_id, TaskKind.BACKFILL)
        if other is not None:
            raise BackfillBusy(other)
        task.status, task.started_at, task.errors, task.progress = TaskStatus.RUNNING, timezone.now(), [], 0
        task.save(update_fields=["status", "started_at", "errors", "progress"])
    return True


def run_backfill(task, *, since: datetime | None = None):
    """Run a PENDING backfill task: read the school's rooms back to `since` (default `backfill_since`), store the
    missed messages, record the counts (rooms, messages_read, events_added) and the errors with what to do.
    Raises BackfillBusy when another backfill of the school runs (the task is then FAILED with that message)."""
    from sreda.chats.models import ExchangeTask, TaskStatus

    try:
        claimed = _claim_backfill(task)
    except BackfillBusy as busy:
        _end(task, TaskStatus.FAILED, errors=[{"what": "Догрузка сообщений", "message": str(busy),
                                               "hint": "Дождитесь её окончания на странице «Задачи обмена»."}])
        raise
    if not claimed:
        task.refresh_from_db()
        return task
    if not MessengerSettings.objects.filter(organisation_id=task.organisation_id).exists():
        return _end(task, TaskStatus.FAILED, errors=[NOT_CONFIGURED])
    since = since or backfill_since(task.organisation, now=task.started_at)

    def progress(done: int, total: int, result: BackfillResult) -> None:
        ExchangeTask.objects.filter(pk=task.pk).update(progress=int(100 * done / total), counts=_counts(result))

    try:
        result = backfill_school(task.organisation, since=since, on_progress=progress)
    except Exception as exc:  # noqa: BLE001 — the task must end with a message, not stay RUNNING
        return _end(task, TaskStatus.FAILED, errors=[{
            "what": "Догрузка сообщений", "message": f"Внутренняя ошибка: {exc}",
            "hint": "Запустите догрузку ещё раз; если ошибка повторится — сообщите в поддержку." + NEXT_RUN_HINT}])
    task.counts = _counts(result)
    errors = [{**e, "hint": (e.get("hint") or "") + NEXT_RUN_HINT} for e in result.errors]
    return _end(task, TaskStatus.FAILED if errors else TaskStatus.DONE, errors=errors)


def _counts(result: BackfillResult) -> dict:
    return {"rooms": result.rooms, "messages_read": result.read, "events_added": result.stored}


def _end(task, status: str, *, errors: list):
    from sreda.chats.models import TaskStatus

    task.status, task.errors, task.finished_at = status, errors, timezone.now()
    if status == TaskStatus.DONE:
        task.progress = 100
    task.save(update_fields=["status", "errors", "finished_at", "counts", "progress"])
    task_recorded(task)  # the exchange journal (issue #10)
    return task


def backfill_dict(task) -> dict:
    """The CLI's result: {"rooms", "messages_read", "events_added", "errors"}."""
    counts = task.counts or {}
    return {**{key: counts.get(key, 0) for key in BACKFILL_KEYS}, "errors": list(task.errors or [])}
