"""`python -m sreda library catalogue import PATH [--json]` and
`python -m sreda library catalogue search QUERY [--grade N] [--subject NAME] [--json]` (R16–R17).
The machine's operator acts as the platform operator."""
from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import CommandError

from sreda.core import active_role as ar
from sreda.core.text import fold
from sreda.library.catalogue import CatalogueFilters, catalogue_search
from sreda.library.catalogue_files import ImportResult, catalogue_import
from sreda.orgs.models import Subject

FAILED = "Каталог не загружен: исправьте отмеченные строки и загрузите файл ещё раз (ничего не сохранено)."
SEARCH_LIMIT = 50


def add_arguments(parser) -> None:
    actions = parser.add_subparsers(dest="catalogue_action", required=True, metavar="{import,search}")
    load = actions.add_parser("import", help="загрузить уроки из CSV/XLSX (см. docs/library-catalogue.md)")
    load.add_argument("path", help="файл каталога .xlsx или .csv")
    load.add_argument("--json", action="store_true", dest="as_json", help="итог одним объектом JSON")
    find = actions.add_parser("search", help="найти уроки по названию и фильтрам")
    find.add_argument("query", nargs="?", default="", help="слова названия")
    find.add_argument("--grade", type=int, help="класс 1–11")
    find.add_argument("--subject", help="предмет, например «Математика»")
    find.add_argument("--json", action="store_true", dest="as_json", help="итог одним объектом JSON")


def handle(command, *, catalogue_action: str, as_json: bool = False, **options):
    if catalogue_action == "import":
        return _import(command, Path(options["path"]), as_json)
    return _search(command, options.get("query") or "", options.get("grade"), options.get("subject"), as_json)


def _import(command, source: Path, as_json: bool) -> None:
    if not source.is_file():
        result = ImportResult()
        result.error(0, "", f"файл не найден: {source}")
    else:
        result = catalogue_import(actor=ar.system_operator(), data=source.read_bytes(), file_name=source.name)
    if as_json:
        command.stdout.write(json.dumps(result.as_dict(), ensure_ascii=False))
    else:
        if not result.errors:
            command.stdout.write(command.style.SUCCESS("Каталог загружен."))
        command.stdout.write(f"Новых уроков: {result.created}; изменено: {result.updated}; "
                             f"без изменений: {result.unchanged}; ошибок: {len(result.errors)}.")
        for e in result.errors:
            place = f"строка {e['line']}" if e["line"] else "файл"
            place += f", столбец «{e['column']}»" if e["column"] else ""
            command.stdout.write(command.style.ERROR(f"Ошибка: {place}: {e['reason']}"))
    if result.errors:
        raise CommandError(FAILED)


def _search(command, query: str, grade: int | None, subject_name: str | None, as_json: bool) -> None:
    if grade is not None and not 1 <= grade <= 11:
        raise CommandError("Класс — число от 1 до 11.")
    subject_id = None
    if subject_name:
        wanted = fold(subject_name)
        subject = next((s for s in Subject.objects.all() if fold(s.name) == wanted), None)
        if subject is None:
            raise CommandError(f"Предмет «{subject_name}» не найден.")
        subject_id = subject.pk
    filters = CatalogueFilters(q=query, grade=grade, subject_id=subject_id)
    items = catalogue_search(filters=filters, supported_only=False)
    count = items.count()
    rows = [{"id": i.pk, "title": i.title, "course": i.course.title, "grade": i.grade, "subject": i.subject.name,
             "position": i.position, "content_types": i.content_type_codes} for i in items[:SEARCH_LIMIT]]
    if as_json:
        command.stdout.write(json.dumps({"count": count, "results": rows}, ensure_ascii=False))
        return
    if not rows:
        command.stdout.write("Ничего не найдено.")
        return
    command.stdout.write(f"Найдено уроков: {count}" + (f" (показаны первые {SEARCH_LIMIT})" if count > SEARCH_LIMIT else ""))
    for row in rows:
        command.stdout.write(f"{row['id']:>7}  {row['subject']}, {row['grade']} кл., урок {row['position']}: "
                             f"{row['title']} — {row['course']}")
