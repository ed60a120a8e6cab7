"""Pages of the chat sync (R29): the school's messenger settings with «Проверить соединение», the exchange tasks
(last run, progress polled by htmx, counts, result, errors with what to do), «Синхронизировать сейчас» and
«Только план» (a dry run)."""
from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sreda.chats.backfill import BACKFILL_KEYS
from sreda.chats.connector import MessengerError
from sreda.chats.forms_sync import MessengerSettingsForm, mask
from sreda.chats.models import ExchangeTask, MessengerSettings, TaskKind, TaskStatus
from sreda.chats.sync import COUNT_KEYS, connector_for
from sreda.chats.tasks import queue_backfill, queue_sync
from sreda.core.audit import audit
from sreda.core.permissions import Action
from sreda.core.school import acting_school, org_query, parse_int

PAGE_SIZE = 20
NO_SCHOOL = ("Чатами школы управляют руководитель и администратор ОО в роли своей школы. "
             "Смените роль («Сменить роль»).")
COUNT_LABELS = {"rooms_created": "Создано чатов", "members_added": "Добавлено участников",
                "members_removed": "Удалено участников", "renamed": "Переименовано", "archived": "В архив",
                "unarchived": "Возвращено из архива",
                "unchanged": "Без изменений"}
BACKFILL_LABELS = {"rooms": "Прочитано чатов", "messages_read": "Прочитано сообщений",
                   "events_added": "Добавлено событий активности"}
FINISHED = (TaskStatus.DONE, TaskStatus.FAILED)
NOT_CONFIGURED = ("Сначала заполните настройки мессенджера: адрес сервера, токен и сервисную учётную запись.")


def _school(request):
    return acting_school(request, Action.MANAGE_CHATS, no_school=NO_SCHOOL)


def _base(request, organisation) -> dict:
    operator = request.active_role.is_platform_operator
    return {"org": organisation, "org_q": org_query(request.active_role, organisation),
            "org_param": organisation.pk if operator else None}


def _back(request, name: str, organisation, **kwargs) -> str:
    return reverse(name, kwargs=kwargs or None) + _base(request, organisation)["org_q"]


def check_connection(messenger: MessengerSettings) -> tuple[bool, str]:
    """«Проверить соединение»: ask the server whether the service account exists; say what is wrong in Russian."""
    conn = None
    try:
        conn = connector_for(messenger)
        exists = conn.user_exists(messenger.service_user_id)
    except MessengerError as exc:
        return False, f"{exc.message} {exc.hint}".strip()
    except Exception as exc:  # noqa: BLE001 — a malformed address must become a message, not a 500
        return False, (f"Не удалось обратиться к серверу {messenger.homeserver_url}: {exc}. "
                       "Проверьте адрес сервера в настройках.")
    finally:
        if conn is not None and hasattr(conn, "close"):
            conn.close()
    if not exists:
        return False, (f"Сервер отвечает, но учётной записи {messenger.service_user_id} на нём нет. "
                       "Проверьте сервисную учётную запись и имя сервера или попросите район её создать.")
    return True, f"Соединение установлено: сервер {messenger.server_name} отвечает, {messenger.service_user_id} найден."


@login_required
@require_http_methods(["GET", "POST"])
def settings_page(request):
    """R29: the school's homeserver, service account, token (masked), group_id, interval, on/off."""
    organisation = _school(request)
    saved = MessengerSettings.objects.filter(organisation=organisation).first()
    instance = saved or MessengerSettings(organisation=organisation)
    check = None
    if request.method == "POST":
        form = MessengerSettingsForm(request.POST, instance=instance)
        if form.is_valid():
            messenger = form.save(commit=False)
            if "check" in request.POST:
                ok, text = check_connection(messenger)  # the typed values, not saved
                check = {"ok": ok, "text": text}
            else:
                changed = [f for f in form.changed_data if f != "service_token"]
                token_changed = bool(saved is None or messenger.service_token != form.saved_token)
                now = messenger.updated_at = timezone.now()
                soonest = now + timedelta(minutes=messenger.sync_interval_minutes)
                if messenger.next_sync_at is None or messenger.next_sync_at > soonest:
                    messenger.next_sync_at = soonest  # a shorter interval applies at once
                messenger.save()
                audit(actor=request.active_role, action="chats.settings_save", obj=messenger, organisation=organisation,
                      details={"fields": changed, "token_replaced": token_changed})
                messages.success(request, "Настройки мессенджера сохранены.")
                return redirect(_back(request, "chats:settings", organisation))
    else:
        form = MessengerSettingsForm(instance=instance)
    context = {**_base(request, organisation), "form": form, "saved": saved, "check": check,
               "token_mask": mask(saved.service_token) if saved else ""}
    return render(request, "chats/settings.html", context, status=400 if form.errors else 200)


def _task_context(request, organisation, task: ExchangeTask) -> dict:
    counts = task.counts or {}
    if task.kind == TaskKind.BACKFILL:
        shown = [(BACKFILL_LABELS[k], counts.get(k, 0)) for k in BACKFILL_KEYS]
    else:
        shown = [(COUNT_LABELS[k], counts.get(k, 0)) for k in COUNT_KEYS]
    return {**_base(request, organisation), "task": task, "finished": task.status in FINISHED, "counts": shown}


@login_required
@require_GET
def tasks_page(request):
    """R29: the school's exchange tasks, newest first, and the last one's live status."""
    organisation = _school(request)
    rows = ExchangeTask.objects.filter(organisation=organisation).select_related("created_by__person")
    status = request.GET.get("status") or ""
    if status in TaskStatus.values:
        rows = rows.filter(status=status)
    kind = request.GET.get("kind") or ""
    if kind in TaskKind.values:
        rows = rows.filter(kind=kind)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    last = ExchangeTask.objects.filter(organisation=organisation).first()
    messenger = MessengerSettings.objects.filter(organisation=organisation).first()
    context = {**_base(request, organisation), "page": page, "messenger": messenger, "status": status,
               "statuses": TaskStatus.choices, "count_labels": COUNT_LABELS, "kind": kind, "kinds": TaskKind.choices}
    if last is not None:
        context.update({"last": _task_context(request, organisation, last)})
    return render(request, "chats/tasks.html", context)


@login_required
@require_GET
def task_page(request, pk: int):
    """One exchange task; while it runs, htmx re-reads its status every second."""
    organisation = _school(request)
    task = ExchangeTask.objects.filter(pk=pk, organisation=organisation).first()
    if task is None:
        raise Http404("Задача обмена не найдена.")
    context = _task_context(request, organisation, task)
    template = "chats/_task_status.html" if request.htmx else "chats/tasks_detail.html"
    return render(request, template, context)


@login_required
@require_POST
def sync_now(request):
    """«Синхронизировать сейчас» / «Только план» (dry_run=1)."""
    organisation = _school(request)
    if not MessengerSettings.objects.filter(organisation=organisation).exists():
        messages.error(request, NOT_CONFIGURED)
        return redirect(_back(request, "chats:settings", organisation))
    dry_run = bool(parse_int(request.POST.get("dry_run")))
    task = queue_sync(organisation, dry_run=dry_run, actor=request.active_role)
    audit(actor=request.active_role, action="chats.sync_start", obj=task, organisation=organisation,
          details={"dry_run": dry_run})
    return redirect(_back(request, "chats:task", organisation, pk=task.pk))


@login_required
@require_POST
def backfill_now(request):
    """R30: «Догрузить сообщения» — read the rooms' history for messages the push did not deliver."""
    organisation = _school(request)
    if not MessengerSettings.objects.filter(organisation=organisation).exists():
        messages.error(request, NOT_CONFIGURED)
        return redirect(_back(request, "chats:settings", organisation))
    task = queue_backfill(organisation, actor=request.active_role)
    audit(actor=request.active_role, action="chats.backfill_start", obj=task, organisation=organisation)
    return redirect(_back(request, "chats:task", organisation, pk=task.pk))
