"""API of the chats sync part (mounted at /api/v1/ by api/ninja_api.py): start a sync of a school's chats and read
its exchange tasks (R25, R29). Scope `chats`; the token's role must manage the school's chats (director,
administrator, platform operator)."""
from datetime import datetime

from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from sreda.api.auth import api_actor
from sreda.api.models import SCOPE_CHATS
from sreda.api.schemas import ERRORS, PageOf, Pagination, example
from sreda.chats.models import ExchangeTask, MessengerSettings, TaskKind, TaskStatus
from sreda.chats.sync import task_dict
from sreda.chats.tasks import queue_backfill, queue_sync
from sreda.core.audit import audit
from sreda.core.permissions import Action
from sreda.orgs.selectors import access_organisation

router = Router(tags=["Чаты"])


class SyncIn(Schema):
    model_config = example({"dry_run": True})

    dry_run: bool = Field(False, description="Только план: посчитать, что изменится, ничего не меняя в мессенджере.")


class TaskError(Schema):
    what: str = Field(..., description="Что не удалось (чат, участник).")
    message: str = Field(..., description="Ошибка по-русски.")
    hint: str = Field("", description="Что сделать.")


class TaskOut(Schema):
    model_config = example({
        "id": 58, "kind": "sync", "status": "done", "progress": 100, "dry_run": False, "trigger": "manual",
        "attempt": 1,
        "counts": {"rooms_created": 3, "members_added": 54, "members_removed": 1, "renamed": 0, "archived": 0,
                   "unarchived": 0, "unchanged": 9},
        "errors": [], "created_at": "2025-11-20T07:15:00Z", "finished_at": "2025-11-20T07:16:12Z",
        "next_retry_at": None,
    })

    id: int
    kind: str = Field("sync", description="sync — синхронизация чатов; backfill — догрузка пропущенных сообщений (R30).")
    status: str = Field(..., description="pending, running, done, failed, retrying.")
    progress: int = Field(..., description="Выполнено, % (0–100).")
    dry_run: bool
    trigger: str = Field(..., description="schedule, roster, link, manual.")
    attempt: int
    counts: dict[str, int] = Field(..., description="Синхронизация: rooms_created, members_added, members_removed, "
                                                    "renamed, archived, unarchived, unchanged. Догрузка: rooms, "
                                                    "messages_read, events_added.")
    errors: list[TaskError]
    created_at: datetime
    finished_at: datetime | None = None
    next_retry_at: datetime | None = Field(None, description="Когда повтор (состояние retrying).")


def _school(request, org_id: int):
    actor = api_actor(request, SCOPE_CHATS)
    return actor, access_organisation(actor=actor, organisation_id=org_id, action=Action.MANAGE_CHATS)


@router.post("/orgs/{int:org_id}/chats/sync", response={202: TaskOut, 409: ERRORS[403], **ERRORS},
             summary="Синхронизировать чаты школы")
def chats_sync(request: HttpRequest, org_id: int, body: SyncIn):
    """R25: запускает синхронизацию чатов школы с мессенджером (dry_run — только план); ход —
    GET …/chats/tasks/{id}. Область `chats`."""
    actor, organisation = _school(request, org_id)
    if not MessengerSettings.objects.filter(organisation=organisation).exists():
        return Status(409, {"detail": "Интеграция с мессенджером для школы не настроена."})
    task = queue_sync(organisation, dry_run=body.dry_run, actor=actor)
    audit(actor=actor, action="chats.sync_start", obj=task, organisation=organisation, details={"dry_run": body.dry_run})
    task.refresh_from_db()
    return Status(202, task_dict(task))


@router.post("/orgs/{int:org_id}/chats/backfill", response={202: TaskOut, 409: ERRORS[403], **ERRORS},
             summary="Догрузить сообщения чатов школы")
def chats_backfill(request: HttpRequest, org_id: int):
    """R30: читает историю комнат школы с последней успешной догрузки (в первый раз — за сутки) и добавляет
    сообщения, которые не пришли от сервера сразу; повторная догрузка ничего не добавляет дважды. Ход и итог
    (rooms, messages_read, events_added) — GET …/chats/tasks/{id}. Область `chats`."""
    actor, organisation = _school(request, org_id)
    if not MessengerSettings.objects.filter(organisation=organisation).exists():
        return Status(409, {"detail": "Интеграция с мессенджером для школы не настроена."})
    task = queue_backfill(organisation, actor=actor)
    audit(actor=actor, action="chats.backfill_start", obj=task, organisation=organisation)
    task.refresh_from_db()
    return Status(202, task_dict(task))


class TaskFilters(Schema):
    status: TaskStatus | None = Field(None, description="Только задачи в этом состоянии: pending, running, done, "
                                                        "failed, retrying.")
    kind: TaskKind | None = Field(None, description="Только задачи этого вида: sync или backfill.")


@router.get("/orgs/{int:org_id}/chats/tasks", response={200: list[TaskOut], **ERRORS}, summary="Задачи обмена школы")
@paginate(Pagination)
def chats_tasks(request: HttpRequest, org_id: int, filters: Query[TaskFilters]):
    """R29: задачи обмена школы, новые первыми; по состоянию и виду. Область `chats`."""
    _, organisation = _school(request, org_id)
    tasks = ExchangeTask.objects.filter(organisation=organisation)
    if filters.status is not None:
        tasks = tasks.filter(status=filters.status.value)
    if filters.kind is not None:
        tasks = tasks.filter(kind=filters.kind.value)
    return PageOf(tasks.order_by("-created_at", "-id"), task_dict)


@router.get("/orgs/{int:org_id}/chats/tasks/{int:task_id}", response={200: TaskOut, **ERRORS},
            summary="Задача обмена")
def chats_task(request: HttpRequest, org_id: int, task_id: int):
    """R29: ход, итог и ошибки одной задачи обмена. Область `chats`."""
    _, organisation = _school(request, org_id)
    task = ExchangeTask.objects.filter(pk=task_id, organisation=organisation).first()
    if task is None:
        raise Http404("Задача обмена не найдена.")
    return task_dict(task)
