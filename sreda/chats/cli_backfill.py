"""`python -m sreda chats backfill --org INN [--since 2025-11-20] [--json]` (R30): read the school's room history
for messages the homeserver's push did not deliver and store them as activity events, run synchronously as one
exchange task (kind «backfill», shown on /chats/tasks/). Without --since it reads back to the last successful
backfill (the first time: a day). Prints {"rooms", "messages_read", "events_added", "errors"}; exits non-zero
when there were errors."""
from __future__ import annotations

import json
from datetime import datetime, time

from django.core.management.base import CommandError
from django.utils import timezone

from sreda.chats.backfill import (
    BackfillBusy,
    backfill_dict,
    run_backfill,
    start_backfill,
)
from sreda.chats.models import MessengerSettings, TaskTrigger
from sreda.core.active_role import system_operator
from sreda.orgs.models import Organisation


def add_arguments(parser) -> None:
    parser.add_argument("--org", required=True, help="ИНН школы")
    parser.add_argument("--since", help="с какого дня читать историю, ГГГГ-ММ-ДД (по умолчанию — с последней "
                                        "успешной догрузки, в первый раз — за сутки)")
    parser.add_argument("--json", action="store_true", dest="as_json", help="вывести итог одним объектом JSON")


def parse_since(value: str | None) -> datetime | None:
    """«2025-11-20» → the start of that day, local time; a day in the future or garbage → CommandError."""
    if not value:
        return None
    try:
        day = datetime.strptime(value.strip(), "%Y-%m-%d").date()
    except ValueError:
        raise CommandError(f"Дата «{value}» не распознана: укажите её как ГГГГ-ММ-ДД, например 2025-11-20.") from None
    if day > timezone.localdate():
        raise CommandError(f"Дата {day:%d.%m.%Y} ещё не наступила: укажите прошедший день.")
    return timezone.make_aware(datetime.combine(day, time.min))


def handle(command, *, org: str, since: str | None = None, as_json: bool = False, **options):
    organisation = Organisation.objects.filter(inn=(org or "").strip()).first()
    if organisation is None:
        raise CommandError(f"Школа с ИНН «{org}» не найдена.")
    if not MessengerSettings.objects.filter(organisation=organisation).exists():
        raise CommandError(f"Для школы «{organisation.short_name}» не настроена интеграция с мессенджером "
                           "(страница «Настройки мессенджера»).")
    since_at = parse_since(since)
    task = start_backfill(organisation, trigger=TaskTrigger.MANUAL, actor=system_operator())
    try:
        task = run_backfill(task, since=since_at)
    except BackfillBusy as busy:
        raise CommandError(str(busy)) from None
    result = backfill_dict(task)
    out = command.stdout
    if as_json:
        out.write(json.dumps(result, ensure_ascii=False))
    else:
        out.write(f"Догрузка сообщений (задача №{task.pk}): прочитано чатов: {result['rooms']}; "
                  f"прочитано сообщений: {result['messages_read']}; добавлено событий: {result['events_added']}; "
                  f"ошибок: {len(result['errors'])}.")
        for e in result["errors"]:
            out.write(command.style.ERROR(f"Ошибка: {e['what']}: {e['message']} {e['hint']}".rstrip()))
    if result["errors"]:
        raise CommandError(f"Догрузка завершилась с ошибками: {len(result['errors'])}.")
