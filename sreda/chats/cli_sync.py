"""`python -m sreda chats sync --org INN [--dry-run] [--reconcile] [--json]` (R25–R28): one sync of the school's
chats, run synchronously as the platform operator. Prints what it did: {"rooms_created", "members_added",
"members_removed", "renamed", "archived", "unchanged", "errors"}; exits non-zero when there were errors."""
from __future__ import annotations

import json

from django.core.management.base import CommandError

from sreda.chats.models import MessengerSettings, TaskStatus
from sreda.chats.sync import COUNT_KEYS, SyncBusy, sync_school
from sreda.core.active_role import system_operator
from sreda.orgs.models import Organisation

LABELS = {"rooms_created": "создано чатов", "members_added": "добавлено участников",
          "members_removed": "удалено участников", "renamed": "переименовано", "archived": "в архив",
          "unarchived": "возвращено из архива",
          "unchanged": "без изменений"}


def add_arguments(parser) -> None:
    parser.add_argument("--org", required=True, help="ИНН школы")
    parser.add_argument("--dry-run", action="store_true", dest="dry_run",
                        help="только план: посчитать изменения, ничего не меняя в мессенджере")
    parser.add_argument("--reconcile", action="store_true",
                        help="сначала перечитать состав комнат из мессенджера (если их меняли вручную)")
    parser.add_argument("--json", action="store_true", dest="as_json", help="вывести итог одним объектом JSON")


def handle(command, *, org: str, dry_run: bool = False, reconcile: bool = False, as_json: bool = False, **options):
    organisation = Organisation.objects.filter(inn=(org or "").strip()).first()
    if organisation is None:
        raise CommandError(f"Школа с ИНН «{org}» не найдена.")
    if not MessengerSettings.objects.filter(organisation=organisation).exists():
        raise CommandError(f"Для школы «{organisation.short_name}» не настроена интеграция с мессенджером "
                           "(страница «Настройки мессенджера»).")
    try:
        task = sync_school(organisation, dry_run=dry_run, reconcile=reconcile, actor=system_operator())
    except SyncBusy as busy:
        raise CommandError(str(busy)) from None
    counts = task.counts or {}
    result = {key: counts.get(key, 0) for key in COUNT_KEYS}
    result["errors"] = list(task.errors or [])
    out = command.stdout
    if as_json:
        out.write(json.dumps(result, ensure_ascii=False))
    else:
        head = "Только план (в мессенджере ничего не изменено): " if dry_run else ""
        out.write(head + "; ".join(f"{LABELS[k]}: {result[k]}" for k in COUNT_KEYS) + f"; ошибок: {len(result['errors'])}.")
        for e in result["errors"]:
            out.write(command.style.ERROR(f"Ошибка: {e['what']}: {e['message']} {e['hint']}".rstrip()))
        if task.status == TaskStatus.RETRYING:
            out.write(f"Сервер временно недоступен: повтор запланирован на {task.next_retry_at:%d.%m.%Y %H:%M}.")
    if result["errors"]:
        raise CommandError(f"Синхронизация завершилась с ошибками: {len(result['errors'])}.")
