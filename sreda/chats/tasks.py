"""Background work of the chat sync (huey): every minute the scheduler queues the schools whose sync is due
(R25: every `sync_interval_minutes`, or at its next tick — within a minute — after a roster change, which makes
the sync due at once: sreda.chats.triggers) and the retries whose time came; `sync_task` runs one exchange task.
The body is sreda.chats.sync."""
from __future__ import annotations

import logging
from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from sreda.chats.models import (
    ExchangeTask,
    MessengerSettings,
    TaskKind,
    TaskStatus,
    TaskTrigger,
)
from sreda.chats.sync import STALE_AFTER, SyncBusy, run_task, running_task, start_task

log = logging.getLogger(__name__)
INTERRUPTED = [{"what": "Синхронизация", "message": "Задача прервана: обработчик остановился, не закончив её.",
                "hint": "Ничего делать не нужно: следующая синхронизация продолжит с того же места."}]


def close_interrupted(now=None) -> int:
    """RUNNING tasks whose process died (started more than STALE_AFTER ago) become FAILED with an explanation."""
    now = now or timezone.now()
    return (ExchangeTask.objects.filter(status=TaskStatus.RUNNING, started_at__lt=now - STALE_AFTER)
            .update(status=TaskStatus.FAILED, finished_at=now, errors=INTERRUPTED))


def due_tasks(now=None) -> list[ExchangeTask]:
    """The tasks to run now: due retries, then one task per enabled school whose next_sync_at has come (a task a
    roster trigger queued, else a new scheduled one); each such school's next_sync_at moves on by its interval."""
    now = now or timezone.now()
    close_interrupted(now)
    sync = ExchangeTask.objects.filter(kind=TaskKind.SYNC)
    due = list(sync.filter(status=TaskStatus.RETRYING, next_retry_at__lte=now, dry_run=False))
    waiting = set(sync.filter(status=TaskStatus.RETRYING).values_list("organisation_id", flat=True))
    schools = (MessengerSettings.objects.filter(enabled=True)
               .filter(Q(next_sync_at__isnull=True) | Q(next_sync_at__lte=now)).select_related("organisation"))
    for messenger in schools:
        org_id = messenger.organisation_id
        if org_id in waiting or running_task(org_id) is not None:
            continue  # the retry or the running sync will bring the chats up to date
        with transaction.atomic():
            moved = (MessengerSettings.objects.filter(pk=messenger.pk, next_sync_at=messenger.next_sync_at)
                     .update(next_sync_at=now + timedelta(minutes=messenger.sync_interval_minutes or 30)))
            if not moved:
                continue  # another scheduler took it
            task = (sync.filter(organisation_id=org_id, status=TaskStatus.PENDING, dry_run=False)
                    .exclude(trigger=TaskTrigger.MANUAL).order_by("created_at").first())
            if task is None:
                task = start_task(messenger.organisation, trigger=TaskTrigger.SCHEDULE)
        due.append(task)
    return due


@db_task()
def sync_task(task_id: int, reconcile: bool = False) -> None:
    """Run one exchange task (queued by the page, the API or the scheduler)."""
    task = ExchangeTask.objects.filter(pk=task_id).first()
    if task is None:
        return
    try:
        run_task(task, reconcile=reconcile)
    except SyncBusy as busy:
        if task.trigger == TaskTrigger.MANUAL:
            task.status, task.finished_at = TaskStatus.FAILED, timezone.now()
            task.errors = [{"what": "Синхронизация", "message": str(busy),
                            "hint": "Дождитесь её окончания и запустите синхронизацию ещё раз."}]
            task.save(update_fields=["status", "finished_at", "errors"])
        else:  # stays queued and due: the scheduler skips the school while its sync runs, then takes this task
            MessengerSettings.objects.filter(organisation_id=task.organisation_id).update(
                next_sync_at=timezone.now())


def queue_sync(organisation, *, dry_run: bool = False, actor=None) -> ExchangeTask:
    """«Синхронизировать сейчас» / «Только план»: a manual task, queued at once."""
    task = start_task(organisation, trigger=TaskTrigger.MANUAL, dry_run=dry_run, actor=actor)
    sync_task(task.pk)
    return task


@db_periodic_task(crontab(minute="*"))
def chats_scheduler() -> None:
    """Every minute: queue the due syncs and retries."""
    for task in due_tasks():
        sync_task(task.pk)


# ------------------------------------------------------------------ R30: backfill of missed messages

@db_task()
def backfill_task(task_id: int) -> None:
    """Run one backfill exchange task (queued by the button, the API or the hourly scheduler)."""
    from sreda.chats.backfill import BackfillBusy, run_backfill

    task = ExchangeTask.objects.filter(pk=task_id, kind=TaskKind.BACKFILL).first()
    if task is None:
        return
    try:
        run_backfill(task)
    except BackfillBusy:
        pass  # the task says so; the running backfill reads the same history


NEVER_STARTED = [{"what": "Догрузка сообщений", "message": "Задача не была запущена: обработчик очереди не работал.",
                  "hint": "Ничего делать не нужно: следующая догрузка перечитает историю с последней успешной."}]


def queue_backfill(organisation, *, actor=None) -> ExchangeTask:
    """«Догрузить сообщения»: a manual backfill task, queued at once."""
    from sreda.chats.backfill import start_backfill

    task = start_backfill(organisation, trigger=TaskTrigger.MANUAL, actor=actor)
    backfill_task(task.pk)
    return task


def due_backfills(now=None) -> list[ExchangeTask]:
    """Hourly: one scheduled backfill task per school with enabled messenger settings, except schools whose
    backfill is still queued or running."""
    from sreda.chats.backfill import start_backfill

    now = now or timezone.now()
    (ExchangeTask.objects.filter(kind=TaskKind.BACKFILL, status=TaskStatus.PENDING, created_at__lt=now - STALE_AFTER)
     .update(status=TaskStatus.FAILED, finished_at=now, errors=NEVER_STARTED))
    busy = set(ExchangeTask.objects.filter(kind=TaskKind.BACKFILL, status__in=(TaskStatus.PENDING, TaskStatus.RUNNING),
                                           created_at__gte=now - STALE_AFTER)
               .values_list("organisation_id", flat=True))
    return [start_backfill(messenger.organisation, trigger=TaskTrigger.SCHEDULE)
            for messenger in MessengerSettings.objects.filter(enabled=True).select_related("organisation")
            .order_by("organisation_id") if messenger.organisation_id not in busy]


@db_periodic_task(crontab(minute="17"))
def chats_backfill_scheduler() -> None:
    """Every hour (at :17, away from the half-hourly syncs): backfill each school's chats (R30)."""
    for task in due_backfills():
        backfill_task(task.pk)
