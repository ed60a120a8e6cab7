"""The chat sync of a school (R25–R28): plan → diff against Sreda's mirror → only the difference goes to the
messenger. One run is one ExchangeTask (R29): progress, counts, errors with what to do; a retryable failure
(server down, 429, 5xx) leaves the task RETRYING with an exponential backoff and the scheduler runs it again.

Locking: a task claims its school inside a short transaction that locks the school's MessengerSettings row
(select_for_update); the claimed RUNNING task is the lock while the sync runs outside that transaction, so each
room id and each mirror change is committed the moment its call succeeded (an interrupted run loses nothing)."""
from __future__ import annotations

import logging
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from sreda.chats.connector import Connector, MessengerError
from sreda.chats.models import (
    AccountStatus,
    Chat,
    ChatMember,
    ExchangeTask,
    MessengerAccount,
    MessengerSettings,
    TaskKind,
    TaskStatus,
    TaskTrigger,
)
from sreda.exchange.recorders import task_recorded
from sreda.people.roles import SCHOOL_STAFF_ROLES

log = logging.getLogger(__name__)

COUNT_KEYS = ("rooms_created", "members_added", "members_removed", "renamed", "archived", "unarchived", "unchanged")
STALE_AFTER = timedelta(minutes=30)  # a RUNNING task older than this died with its process
MAX_ATTEMPTS = 8
BACKOFF_CAP_MINUTES = 60
NOT_CONFIGURED = {"what": "Настройки", "message": "Интеграция с мессенджером для школы не настроена.",
                  "hint": "Заполните адрес сервера, токен и сервисную учётную запись на странице «Настройки мессенджера»."}
REMOVE_REASON = "Нет в контингенте школы (Среда)"
ACTIVE = (TaskStatus.PENDING, TaskStatus.RUNNING, TaskStatus.RETRYING)


class SyncBusy(Exception):
    """Another sync of the school is running."""

    def __init__(self, task: ExchangeTask):
        super().__init__(f"Синхронизация этой школы уже идёт (задача №{task.pk}).")
        self.task = task


def key_alias(organisation_id: int, key: str) -> str:
    """The room alias localpart carrying the chat's key: «parents:45» of school 12 → «sreda_12_parents_45»."""
    return f"sreda_{organisation_id}_" + key.replace(":", "_")


def connector_for(messenger: MessengerSettings) -> Connector:
    """The school's real connector (Matrix)."""
    from sreda.chats.matrix import MatrixConnector

    return MatrixConnector(messenger.homeserver_url, messenger.service_token, messenger.service_user_id,
                           messenger.server_name)


def empty_counts() -> dict:
    return {key: 0 for key in COUNT_KEYS}


def backoff(attempt: int, retry_after: float | None = None) -> timedelta:
    """1, 2, 4, … minutes (capped at an hour) for attempt 1, 2, 3, …, never sooner than the server asked."""
    wait = timedelta(minutes=min(2 ** max(attempt - 1, 0), BACKOFF_CAP_MINUTES))
    if retry_after:
        wait = max(wait, timedelta(seconds=float(retry_after)))
    return wait


# ------------------------------------------------------------------ tasks and the per-school lock

def start_task(organisation, *, trigger: str = TaskTrigger.MANUAL, dry_run: bool = False, actor=None) -> ExchangeTask:
    """A queued (PENDING) exchange task; `run_task` runs it."""
    user = getattr(actor, "user", None)
    return ExchangeTask.objects.create(organisation=organisation, kind=TaskKind.SYNC, trigger=trigger,
                                       dry_run=dry_run, counts=empty_counts(),
                                       created_by=user if user is not None and user.pk else None)


def running_task(organisation_id: int, kind: str = TaskKind.SYNC) -> ExchangeTask | None:
    """The school's live RUNNING task of that kind (not one whose process died long ago)."""
    fresh = timezone.now() - STALE_AFTER
    return (ExchangeTask.objects.filter(organisation_id=organisation_id, kind=kind, status=TaskStatus.RUNNING,
                                        started_at__gte=fresh).order_by("started_at").first())


def _claim(task: ExchangeTask) -> bool:
    """Mark the task RUNNING unless another sync of the school runs (then SyncBusy) or it is no longer runnable."""
    with transaction.atomic():
        list(MessengerSettings.objects.select_for_update().filter(organisation_id=task.organisation_id))
        current = ExchangeTask.objects.select_for_update().get(pk=task.pk)
        if current.status not in (TaskStatus.PENDING, TaskStatus.RETRYING):
            return False
        other = running_task(task.organisation_id, task.kind)
        if other is not None and other.pk != task.pk:
            raise SyncBusy(other)
        retry = current.status == TaskStatus.RETRYING
        task.attempt = current.attempt + 1 if retry else current.attempt
        task.status, task.started_at, task.next_retry_at, task.errors = TaskStatus.RUNNING, timezone.now(), None, []
        task.counts = current.counts or empty_counts()
        task.progress = 0
        task.save(update_fields=["attempt", "status", "started_at", "next_retry_at", "errors", "counts", "progress"])
    return True


def sync_school(organisation, *, trigger: str = TaskTrigger.MANUAL, dry_run: bool = False, reconcile: bool = False,
                connector: Connector | None = None, actor=None) -> ExchangeTask:
    """Run one sync of the school now (synchronously) and return its task. Raises SyncBusy when another runs."""
    task = start_task(organisation, trigger=trigger, dry_run=dry_run, actor=actor)
    try:
        return run_task(task, reconcile=reconcile, connector=connector)
    except SyncBusy as busy:
        _finish(task, TaskStatus.FAILED, errors=[{"what": "Синхронизация", "message": str(busy),
                                                   "hint": "Дождитесь её окончания на странице «Задачи обмена»."}])
        raise


def run_task(task: ExchangeTask, *, reconcile: bool = False, connector: Connector | None = None) -> ExchangeTask:
    """Claim and run a PENDING or RETRYING task; a task already done or taken by another worker is returned as is."""
    if not _claim(task):
        task.refresh_from_db()
        return task
    messenger = MessengerSettings.objects.filter(organisation_id=task.organisation_id).first()
    if messenger is None:
        return _finish(task, TaskStatus.FAILED, errors=[NOT_CONFIGURED])
    own = connector is None and not task.dry_run
    try:
        run = _Run(task, messenger, connector_for(messenger) if own else connector)
        try:
            run.execute(reconcile=reconcile)
        finally:
            if own and hasattr(run.conn, "close"):
                run.conn.close()
    except Exception as exc:
        log.exception("chat sync of organisation %s failed", task.organisation_id)
        task.errors.append({"what": "Синхронизация", "message": f"Внутренняя ошибка: {exc}",
                            "hint": "Запустите синхронизацию ещё раз; если ошибка повторится — сообщите в поддержку."})
        return _finish(task, TaskStatus.FAILED)
    return run.result()


def _finish(task: ExchangeTask, status: str, *, errors: list | None = None, next_retry_at=None) -> ExchangeTask:
    now = timezone.now()
    if errors is not None:
        task.errors = errors
    task.status, task.finished_at, task.next_retry_at = status, now, next_retry_at
    if status == TaskStatus.DONE:
        task.progress = 100
    task.save(update_fields=["status", "finished_at", "next_retry_at", "errors", "counts", "progress"])
    if status in (TaskStatus.DONE, TaskStatus.FAILED) and not task.dry_run and task.started_at is not None:
        MessengerSettings.objects.filter(organisation_id=task.organisation_id).update(last_sync_at=now)
    task_recorded(task)  # the exchange journal (issue #10)
    return task


# ------------------------------------------------------------------ one run

class _Run:
    def __init__(self, task: ExchangeTask, messenger: MessengerSettings, connector: Connector | None):
        self.task, self.messenger, self.conn = task, messenger, connector
        self.organisation = task.organisation
        self.counts = {**empty_counts(), **(task.counts or {})}
        self.errors: list[dict] = []
        self.retry: MessengerError | None = None
        self.people: dict[str, int] = {}

    # plan and diff are the plan part's (sreda.chats.plan / sreda.chats.diff)
    def _plan_and_diff(self):
        from sreda.chats.diff import diff
        from sreda.chats.plan import school_plan

        plan = school_plan(self.organisation)
        return plan, diff(self.organisation, plan)

    def execute(self, *, reconcile: bool) -> None:
        if reconcile and not self.task.dry_run:
            self._reconcile(Chat.objects.filter(organisation=self.organisation, archived_at__isnull=True)
                            .exclude(room_id=""))
            if self.retry is not None:
                return
        plan, diffs = self._plan_and_diff()
        if self.task.dry_run:
            self._count_dry(diffs)
            return
        # An earlier run may have created a room and died before saving its id: find it by alias first.
        if self._adopt_existing([d for d in diffs if d.create], plan):
            plan, diffs = self._plan_and_diff()
        planned = {p.key: p for p in plan}
        self.people = self._people(plan)
        work = [d for d in diffs if not d.empty]
        self.counts["unchanged"] = len(diffs) - len(work)
        for index, change in enumerate(work, start=1):
            self._apply(change, planned.get(change.key))
            if self.retry is not None:
                break
            ExchangeTask.objects.filter(pk=self.task.pk).update(progress=int(100 * index / len(work)),
                                                                counts=self.counts, errors=self.errors)

    def result(self) -> ExchangeTask:
        task = self.task
        task.counts, task.errors = self.counts, self.errors
        if self.retry is not None:
            if task.attempt >= MAX_ATTEMPTS:
                task.errors.append({"what": "Синхронизация", "message": f"Не удалось после {task.attempt} попыток.",
                                    "hint": "Проверьте сервер мессенджера и запустите синхронизацию вручную."})
                return _finish(task, TaskStatus.FAILED)
            return _finish(task, TaskStatus.RETRYING,
                           next_retry_at=timezone.now() + backoff(task.attempt, self.retry.retry_after))
        return _finish(task, TaskStatus.FAILED if self.errors else TaskStatus.DONE)

    def _count_dry(self, diffs) -> None:
        c = self.counts = empty_counts()
        for d in diffs:
            c["rooms_created"] += int(d.create)
            c["renamed"] += int(d.rename)
            c["archived"] += int(d.archive)
            c["unarchived"] += int(d.unarchive)
            c["members_added"] += len(d.add)
            c["members_removed"] += len(d.remove)
            c["unchanged"] += int(d.empty)

    @staticmethod
    def _people(plan) -> dict[str, int]:
        return {m.user_id: m.person_id for p in plan for m in p.members if m.user_id}

    def _call(self, what: str, fn, *args, **kwargs):
        """Call the connector; a failure becomes an error row (and a retry when the server may recover)."""
        try:
            return True, fn(*args, **kwargs)
        except MessengerError as exc:
            self.errors.append(exc.as_dict(what))
            if exc.retryable:
                self.retry = exc
            return False, None

    def _reconcile(self, chats) -> None:
        """Re-read each live room into Sreda's state: its members into the mirror (someone joined or was kicked by
        hand), its title, and whether its power levels are still the planned one-way setting (R28) — so the diff
        that follows corrects whatever was changed on the server by hand."""
        from sreda.chats.plan import school_plan

        linked = dict(MessengerAccount.objects.filter(status=AccountStatus.LINKED).values_list("user_id", "person_id"))
        planned = {p.key: p for p in school_plan(self.organisation)}
        for chat in chats:
            ok, joined = self._call(f"«{chat.title}»: состав комнаты", self.conn.joined_members, chat.room_id)
            if not ok:
                if self.retry is not None:
                    return
                continue
            self._mirror_set(chat, joined, linked)
            ok, title = self._call(f"«{chat.title}»: название комнаты", self.conn.room_title, chat.room_id)
            if ok and title != chat.title:
                Chat.objects.filter(pk=chat.pk).update(title=title)  # the diff renames it back
            elif not ok and self.retry is not None:
                return
            plan = planned.get(chat.key)
            if plan is None:
                continue
            ok, matches = self._call(f"«{chat.title}»: кто может писать", self.conn.levels_match, chat.room_id,
                                     chat.read_only, self._staff(plan))
            if ok:  # not as planned → marked as the opposite, so the diff sets the planned levels again
                Chat.objects.filter(pk=chat.pk).update(read_only_applied=chat.read_only if matches
                                                       else not chat.read_only)
            elif self.retry is not None:
                return

    @staticmethod
    def _mirror_set(chat: Chat, joined: set[str], linked: dict[str, int]) -> None:
        ChatMember.objects.filter(chat=chat).exclude(user_id__in=joined).delete()
        have = set(ChatMember.objects.filter(chat=chat).values_list("user_id", flat=True))
        ChatMember.objects.bulk_create([ChatMember(chat=chat, user_id=u, person_id=linked.get(u))
                                        for u in sorted(joined - have)], ignore_conflicts=True)

    def _adopt_existing(self, creates, plan) -> bool:
        if not creates:
            return False
        planned = {p.key: p for p in plan}
        linked = dict(MessengerAccount.objects.filter(status=AccountStatus.LINKED).values_list("user_id", "person_id"))
        adopted = False
        for change in creates:
            alias = key_alias(self.organisation.pk, change.key)
            ok, room_id = self._call(f"«{change.title}»: поиск комнаты", self.conn.find_room, alias)
            if not ok:
                if self.retry is not None:
                    return adopted
                continue
            if room_id:
                chat = self._chat_row(change, planned.get(change.key))
                Chat.objects.filter(pk=chat.pk).update(room_id=room_id, updated_at=timezone.now())
                chat.room_id = room_id
                ok, joined = self._call(f"«{change.title}»: состав комнаты", self.conn.joined_members, room_id)
                if ok:
                    self._mirror_set(chat, joined, linked)
                adopted = True
        return adopted

    def _chat_row(self, change, planned) -> Chat:
        chat = Chat.objects.filter(organisation=self.organisation, key=change.key).first()
        if chat is None:
            chat = Chat.objects.create(organisation=self.organisation, key=change.key, title=change.title,
                                       kind=planned.kind if planned else change.key.split(":")[0],
                                       school_class_id=planned.class_id if planned else None,
                                       read_only=planned.read_only if planned else False)
        return chat

    def _staff(self, planned) -> list[str]:
        if planned is None:
            return []
        return sorted(m.user_id for m in planned.members if m.user_id and m.role in SCHOOL_STAFF_ROLES)

    def _apply(self, change, planned) -> None:
        title = change.title
        chat = self._chat_row(change, planned)
        if change.create:
            ok, room_id = self._call(f"«{title}»: создание комнаты", self.conn.create_room,
                                     key_alias=key_alias(self.organisation.pk, change.key), title=title,
                                     read_only=bool(planned and planned.read_only), space_id=self.messenger.group_id)
            if not ok:
                return
            chat.room_id, chat.title, chat.updated_at = room_id, title, timezone.now()
            chat.read_only_applied = False  # until set_read_only below succeeds
            chat.archived_at = None  # a reopened chat that never had a room
            chat.save(update_fields=["room_id", "title", "updated_at", "read_only_applied", "archived_at"])
            self.counts["rooms_created"] += 1
            if planned is not None and planned.read_only:
                ok, _ = self._call(f"«{title}»: только сотрудники пишут", self.conn.set_read_only, room_id, True,
                                   self._staff(planned))
                if ok:
                    Chat.objects.filter(pk=chat.pk).update(read_only_applied=True)
                elif self.retry is not None:
                    return
        if not chat.room_id:
            if change.archive:
                chat.archived_at = timezone.now()
                chat.save(update_fields=["archived_at"])
                self.counts["archived"] += 1
            return
        if change.archive:
            # the diff names the archived title: «… (2025/2026)» for a past year's class, else «… (архив)»
            archived_title = change.archive_title or (title if title.endswith("(архив)") else f"{title} (архив)")
            ok, _ = self._call(f"«{title}»: в архив", self.conn.archive_room, chat.room_id, archived_title)
            if ok:
                chat.archived_at, chat.title, chat.updated_at = timezone.now(), archived_title, timezone.now()
                chat.save(update_fields=["archived_at", "title", "updated_at"])
                self.counts["archived"] += 1
            return
        if change.unarchive and not change.create:
            read_only = bool(planned and planned.read_only)
            ok, _ = self._call(f"«{title}»: возврат из архива", self.conn.unarchive_room, chat.room_id, title,
                               read_only, self._staff(planned))
            if not ok:
                return
            chat.archived_at, chat.title, chat.read_only_applied, chat.updated_at = None, title, read_only, timezone.now()
            chat.save(update_fields=["archived_at", "title", "read_only_applied", "updated_at"])
            self.counts["unarchived"] += 1
            change.rename = False
        if change.rename and not change.create:
            ok, _ = self._call(f"«{title}»: переименование", self.conn.set_title, chat.room_id, title)
            if not ok:
                if self.retry is not None:
                    return
            else:
                chat.title, chat.updated_at = title, timezone.now()
                chat.save(update_fields=["title", "updated_at"])
                self.counts["renamed"] += 1
        if change.read_only is not None and not change.create:
            ok, _ = self._call(f"«{title}»: кто может писать", self.conn.set_read_only, chat.room_id,
                               bool(change.read_only), self._staff(planned))
            if ok:
                Chat.objects.filter(pk=chat.pk).update(read_only_applied=bool(change.read_only))
            elif self.retry is not None:
                return
        for user_id in change.add:
            ok, _ = self._call(f"«{title}»: добавить {user_id}", self.conn.add_member, chat.room_id, user_id)
            if not ok:
                if self.retry is not None:
                    return
                continue
            ChatMember.objects.get_or_create(chat=chat, user_id=user_id,
                                             defaults={"person_id": self.people.get(user_id)})
            self.counts["members_added"] += 1
        staff = set(self._staff(planned))
        if (planned is not None and planned.read_only and not change.create and change.read_only is None
                and not change.unarchive and staff & set(change.add)):
            # R28: staff who just joined a one-way room must be able to write in it
            ok, _ = self._call(f"«{title}»: кто может писать", self.conn.set_read_only, chat.room_id, True,
                               sorted(staff))
            if not ok and self.retry is not None:
                return
        for user_id in change.remove:
            ok, _ = self._call(f"«{title}»: удалить {user_id}", self.conn.remove_member, chat.room_id, user_id,
                               REMOVE_REASON)
            if not ok:
                if self.retry is not None:
                    return
                continue
            ChatMember.objects.filter(chat=chat, user_id=user_id).delete()
            self.counts["members_removed"] += 1


def task_dict(task: ExchangeTask) -> dict:
    """The API/CLI shape of a task."""
    counts = task.counts or {}
    if task.kind != TaskKind.SYNC:
        return {"id": task.pk, "kind": task.kind, "status": task.status, "progress": task.progress,
                "dry_run": task.dry_run, "trigger": task.trigger, "attempt": task.attempt, "counts": dict(counts),
                "errors": list(task.errors or []), "created_at": task.created_at, "finished_at": task.finished_at,
                "next_retry_at": task.next_retry_at}
    return {"id": task.pk, "kind": task.kind, "status": task.status, "progress": task.progress, "dry_run": task.dry_run,
            "trigger": task.trigger, "attempt": task.attempt, "counts": {**empty_counts(), **(task.counts or {})},
            "errors": list(task.errors or []), "created_at": task.created_at, "finished_at": task.finished_at,
            "next_retry_at": task.next_retry_at}
