"""`python -m sreda library schedule import PATH --org INN [--json]` and
`python -m sreda library schedule publish --org INN [--json]` (R14). Both run synchronously as the
platform operator (the machine's operator); the JSON is the API's."""
from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import CommandError

from sreda.core.active_role import system_operator
from sreda.library.publication import publication_run
from sreda.library.schedule_files import ImportResult, schedule_import
from sreda.library.models import SchedulePublication
from sreda.orgs.models import Organisation

FAILED_IMPORT = "Ничего не загружено: исправьте отмеченные строки и загрузите файл ещё раз."


def add_arguments(parser) -> None:
    actions = parser.add_subparsers(dest="action", required=True, metavar="{import,publish}")
    one = actions.add_parser("import", help="загрузить уроки из .csv, .xlsx или OneRoster lessons.csv/.zip")
    one.add_argument("path", help="файл расписания")
    two = actions.add_parser("publish", help="«Выгрузка МояШкола»: опубликовать расписание школы в библиотеке")
    for sub in (one, two):
        sub.add_argument("--org", required=True, help="ИНН школы")
        sub.add_argument("--json", action="store_true", dest="as_json", help="вывести итог одним объектом JSON")


def _school(inn: str) -> Organisation:
    organisation = Organisation.objects.filter(inn=(inn or "").strip()).first()
    if organisation is None:
        raise CommandError(f"Школа с ИНН «{inn}» не найдена.")
    return organisation


def handle(command, *, action: str, org: str, as_json: bool = False, path: str | None = None, **options):
    organisation = _school(org)
    if action == "import":
        return _import(command, organisation, Path(path), as_json)
    return _publish(command, organisation, as_json)


def _import(command, organisation: Organisation, source: Path, as_json: bool) -> None:
    if not source.is_file():
        result = ImportResult()
        result.error(source.name, 0, "", f"Файл не найден: {source}")
    else:
        result = schedule_import(actor=system_operator(), organisation=organisation, data=source.read_bytes(),
                                 file_name=source.name)
    out = command.stdout
    if as_json:
        out.write(json.dumps(result.as_dict(), ensure_ascii=False))
    else:
        out.write(f"Новых уроков: {result.created}; изменено: {result.updated}; без изменений: {result.unchanged}; "
                  f"ошибок: {len(result.errors)}.")
        for e in result.errors:
            place = f"{e['file']}, строка {e['line']}" + (f", столбец «{e['column']}»" if e["column"] else "")
            out.write(command.style.ERROR(f"Ошибка: {place}: {e['reason']}"))
    if result.errors:
        raise CommandError(FAILED_IMPORT)


def _publish(command, organisation: Organisation, as_json: bool) -> None:
    row = SchedulePublication.objects.create(organisation=organisation, message="Запущена из командной строки")
    row = publication_run(publication_id=row.pk)
    data = {"id": row.pk, "status": row.status, "progress": row.progress, "lessons": row.lessons,
            "message": row.message, "contact": row.contact}
    if as_json:
        command.stdout.write(json.dumps(data, ensure_ascii=False))
    else:
        command.stdout.write(f"Выгрузка МояШкола: {row.get_status_display()}, {row.progress}%. {row.message}")
        if row.contact:
            command.stdout.write(f"Куда обратиться: {row.contact}")
    if row.status != "done":
        raise CommandError(row.message)
