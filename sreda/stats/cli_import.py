"""`python -m sreda stats import PATH [--json] [--as USERNAME]`: load a platform's A–Y export (R35).
Without --as the command acts as the platform operator (the machine's operator)."""
from __future__ import annotations

import json
from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.core.management.base import CommandError

from sreda.core import active_role as ar
from sreda.core.permissions import Action, can
from sreda.people.models import User
from sreda.stats.imports import ImportResult, stats_import

FAILED = "Загрузка завершена с ошибками: исправьте отмеченные строки и загрузите файл ещё раз."


def add_arguments(parser) -> None:
    parser.add_argument("path", help="выгрузка статистики платформы: .xlsx или .csv (таблица A–Y)")
    parser.add_argument("--json", action="store_true", dest="as_json", help="вывести итог одним объектом JSON")
    parser.add_argument("--as", dest="username",
                        help="от имени пользователя (его роль методиста района или оператора региона)")


def handle(command, *, path: str, as_json: bool = False, username: str | None = None, **options):
    source = Path(path)
    try:
        if not source.is_file():
            raise CommandError(f"Файл не найден: {source}")
        actor = _actor(username)
        result = stats_import(actor=actor, path_or_file=source, file_name=source.name)
    except (CommandError, PermissionDenied, OSError) as exc:
        result = ImportResult(errors=[{"line": 0, "column": "", "reason": str(exc)}])
    if as_json:
        command.stdout.write(json.dumps(result.as_dict(), ensure_ascii=False))
    else:
        _print_human(command, result)
    if result.errors:
        raise CommandError(FAILED)


def _actor(username: str | None) -> ar.ActiveRole:
    if not username:
        return ar.system_operator()
    user = User.objects.filter(username=username).first()
    if user is None:
        raise CommandError(f"Пользователь «{username}» не найден.")
    if user.is_superuser:
        return ar.ActiveRole(user=user, key=ar.PLATFORM_OPERATOR)
    for membership in ar.membership_choices(user):
        role = ar.for_membership(membership, user=user)
        if can(role, Action.IMPORT_STATS):
            return role
    raise PermissionDenied(f"У пользователя «{username}» нет роли, в которой можно загружать статистику: "
                           "нужна роль методиста района или оператора региона.")


def _print_human(command, result: ImportResult) -> None:
    out = command.stdout
    if not result.errors:
        out.write(command.style.SUCCESS("Выгрузка статистики загружена."))
    out.write(f"Загружено строк: {result.imported}; без изменений: {result.unchanged}; "
              f"не сопоставлено: {len(result.unmatched)}; ошибок: {len(result.errors)}.")
    if result.unmatched:
        out.write("Не сопоставлены с организациями Среды:")
        for u in result.unmatched:
            out.write(f"  строка {u['line']}: «{u['short_name'] or '—'}», ID {u['org_id'] or '—'}, "
                      f"ИНН {u['inn'] or '—'} — {u.get('reason', '')}")
    for e in result.errors:
        place = f"строка {e['line']}" + (f", столбец {e['column']}" if e["column"] else "")
        out.write(command.style.ERROR(f"Ошибка: {place}: {e['reason']}"))
