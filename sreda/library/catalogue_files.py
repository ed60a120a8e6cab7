"""Loading the catalogue from a file (R16–R17): CSV or XLSX, one lesson a line.

Columns (found by their titles, in any order): Курс, Класс, Предмет, Урок №, Название, Типы материалов
(labels separated by «;» or «,»), Описание, Содержание (HTML, sanitised), Внешний ID. A course is found by
(Предмет, Класс, Курс) and made when new; a lesson by its Внешний ID, else by its course and number.
Every bad line is reported by line and column and then NOTHING is stored; a re-import of the same file
changes nothing. The format is described in docs/library-catalogue.md.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction

from sreda.core.active_role import ActiveRole
from sreda.core.audit import audit
from sreda.core.permissions import Action, require
from sreda.core.text import fold
from sreda.library.models import CatalogueItem, ContentType, Course
from sreda.library.sanitize import sanitize_html
from sreda.orgs.models import Subject
from sreda.stats.imports import FileRefused, read_rows

MAX_BYTES = 20 * 1024 * 1024
MAX_LINES = 100_000
# (key, title, aliases, required)
COLUMNS = (
    ("course", "Курс", ("название курса",), True),
    ("grade", "Класс", ("параллель",), True),
    ("subject", "Предмет", (), True),
    ("position", "Урок №", ("урок", "номер урока", "№ урока", "урок n"), True),
    ("title", "Название", ("название урока", "тема", "тема урока"), True),
    ("types", "Типы материалов", ("типы", "тип материала", "тип материалов"), False),
    ("description", "Описание", (), False),
    ("body", "Содержание", ("содержание (html)", "html"), False),
    ("external_id", "Внешний ID", ("внешний идентификатор", "external_id", "id"), False),
)
TITLE = {key: title for key, title, _, _ in COLUMNS}
_HEADER = {fold(name).rstrip(":"): key for key, title, aliases, _ in COLUMNS for name in (title, *aliases)}
_TYPE_OF = {fold(label): code for code, label in ContentType.choices} | {code: code for code in ContentType.values}


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[dict] = field(default_factory=list)

    def error(self, line: int, column: str, reason: str) -> None:
        self.errors.append({"line": line, "column": column, "reason": reason})

    def as_dict(self) -> dict:
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged, "errors": self.errors}


@dataclass
class Row:
    line: int
    course: str
    grade: int
    subject: Subject
    position: int
    title: str
    types: str
    description: str
    body: str
    external_id: str | None


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split()) if not isinstance(value, str) else value.strip()


def _int(value) -> int | None:
    text = _text(value).replace(" ", "")
    return int(text) if text.isdigit() else None


def _types(value, line: int, result: ImportResult) -> str:
    codes = []
    for part in _text(value).replace(",", ";").split(";"):
        if not part.strip():
            continue
        code = _TYPE_OF.get(fold(part))
        if code is None:
            labels = ", ".join(f"«{label}»" for label in ContentType.labels)
            result.error(line, TITLE["types"], f"тип «{part.strip()}» не распознан; допустимы: {labels}")
        else:
            codes.append(code)
    return " ".join(code for code in ContentType.values if code in codes)


def parse(rows, result: ImportResult) -> list[Row]:
    """The lines of the file as rows; every problem goes to `result.errors` with its line and column."""
    subjects = {fold(s.name): s for s in Subject.objects.all()}
    columns: dict[int, str] | None = None
    parsed: list[Row] = []
    for line, values in enumerate(rows, start=1):
        cells = list(values)
        if not any(_text(c) for c in cells):
            continue
        if columns is None:
            columns = {i: _HEADER[fold(_text(c)).rstrip(":")] for i, c in enumerate(cells)
                       if fold(_text(c)).rstrip(":") in _HEADER}
            missing = [title for key, title, _, required in COLUMNS if required and key not in columns.values()]
            if missing:
                result.error(line, "", "нет столбцов: " + ", ".join(f"«{m}»" for m in missing)
                             + ". Первая строка файла — заголовки столбцов (см. образец).")
                return []
            width = len(cells)
            continue
        if len(parsed) + len(result.errors) >= MAX_LINES:
            result.error(line, "", f"в файле больше {MAX_LINES} строк: разделите его на части")
            break
        raw = {key: cells[i] if i < len(cells) else None for i, key in columns.items()}
        before = len(result.errors)
        if any(_text(c) for c in cells[width:]):
            result.error(line, "", "в строке больше ячеек, чем столбцов в заголовке: вероятно, разделитель внутри "
                         "значения — возьмите значение в кавычки, а типы материалов разделяйте запятой")
            continue
        course = _text(raw.get("course"))
        if not course:
            result.error(line, TITLE["course"], "не указан курс")
        elif len(course) > 300:
            result.error(line, TITLE["course"], "название курса длиннее 300 знаков")
        grade = _int(raw.get("grade"))
        if grade is None or not 1 <= grade <= 11:
            result.error(line, TITLE["grade"], f"класс «{_text(raw.get('grade'))}» — нужно число от 1 до 11")
        subject = subjects.get(fold(_text(raw.get("subject"))))
        if subject is None:
            result.error(line, TITLE["subject"], f"предмет «{_text(raw.get('subject'))}» не найден в списке предметов "
                         "(добавьте его на странице «Предметы библиотеки»)")
        position = _int(raw.get("position"))
        if position is None or not 1 <= position <= 999:
            result.error(line, TITLE["position"], f"номер урока «{_text(raw.get('position'))}» — нужно число от 1 до 999")
        title = " ".join(_text(raw.get("title")).split())
        if not title:
            result.error(line, TITLE["title"], "не указано название урока")
        elif len(title) > 300:
            result.error(line, TITLE["title"], "название урока длиннее 300 знаков")
        types = _types(raw.get("types"), line, result)
        external_id = _text(raw.get("external_id")) or None
        if external_id and len(external_id) > 100:
            result.error(line, TITLE["external_id"], "внешний ID длиннее 100 знаков")
        if len(result.errors) == before:
            parsed.append(Row(line, course, grade, subject, position, title, types, _text(raw.get("description")),
                              sanitize_html(_text(raw.get("body"))), external_id))
    if columns is None:
        result.error(0, "", "файл пустой: нет ни заголовков, ни строк")
    _duplicates(parsed, result)
    return parsed


def _duplicates(rows: list[Row], result: ImportResult) -> None:
    seen_ids: dict[str, int] = {}
    seen_places: dict[tuple, int] = {}
    for row in rows:
        if row.external_id:
            if row.external_id in seen_ids:
                result.error(row.line, TITLE["external_id"],
                             f"внешний ID «{row.external_id}» уже был в строке {seen_ids[row.external_id]}")
            seen_ids.setdefault(row.external_id, row.line)
            continue
        place = (row.subject.pk, row.grade, fold(row.course), row.position)
        if place in seen_places:
            result.error(row.line, TITLE["position"],
                         f"урок № {row.position} курса «{row.course}» уже был в строке {seen_places[place]}")
        seen_places.setdefault(place, row.line)


def _course_key(subject_id: int, grade: int, title: str) -> tuple:
    return subject_id, grade, fold(title)


def apply(rows: list[Row], result: ImportResult) -> None:
    """Write the rows (the caller holds the transaction): courses first, then lessons, counting changes."""
    courses = {_course_key(c.subject_id, c.grade, c.title): c
               for c in Course.objects.filter(subject_id__in={r.subject.pk for r in rows})}
    by_external = {i.external_id: i for i in CatalogueItem.objects.filter(
        external_id__in=[r.external_id for r in rows if r.external_id])}
    by_place: dict[int, dict[int, CatalogueItem]] = {}  # course id → lesson number → lesson without external id
    for row in rows:
        key = _course_key(row.subject.pk, row.grade, row.course)
        course = courses.get(key)
        if course is None:
            course = courses[key] = Course.objects.create(title=row.course, subject=row.subject, grade=row.grade)
        values = {"course": course, "position": row.position, "title": row.title, "grade": row.grade,
                  "subject": row.subject, "content_types": row.types, "description": row.description,
                  "body": row.body, "external_id": row.external_id}
        if row.external_id:
            item = by_external.get(row.external_id)
        else:
            if course.pk not in by_place:
                by_place[course.pk] = {}
                for found in CatalogueItem.objects.filter(course=course, external_id__isnull=True).order_by("-pk"):
                    by_place[course.pk][found.position] = found  # the oldest of a number wins
            item = by_place[course.pk].get(row.position)
        if item is None:
            item = CatalogueItem.objects.create(**values)
            if not row.external_id:
                by_place[course.pk][row.position] = item
            result.created += 1
            continue
        changed = [name for name, value in values.items()
                   if getattr(item, name if name not in ("course", "subject") else f"{name}_id")
                   != (value.pk if name in ("course", "subject") else value)]
        if not changed:
            result.unchanged += 1
            continue
        for name in changed:
            setattr(item, name, values[name])
        item.save(update_fields=changed)
        result.updated += 1


def catalogue_rows(items) -> list[list]:
    """Lessons as lines of the import format (same columns, labels of the types): the file loads back unchanged."""
    labels = dict(ContentType.choices)
    return [[i.course.title, i.grade, i.subject.name, i.position, i.title,
             ", ".join(labels[c] for c in i.content_type_codes if c in labels), i.description, i.body,
             i.external_id or ""] for i in items]


def catalogue_xlsx(items) -> bytes:
    from sreda.stats.exports import workbook  # the project's one XLSX writer (bold header, frozen first row)

    return workbook("Каталог", [title for _, title, _, _ in COLUMNS], catalogue_rows(items))


def catalogue_import(*, actor: ActiveRole, data: bytes, file_name: str) -> ImportResult:
    """Check the whole file, then store all of it in one transaction — or nothing, when any line is bad."""
    require(actor, Action.MANAGE_CATALOGUE)
    result = ImportResult()
    if len(data) > MAX_BYTES:
        result.error(0, "", f"файл больше {MAX_BYTES // (1024 * 1024)} МБ")
        return result
    if not data:
        result.error(0, "", "файл пустой")
        return result
    try:
        rows = parse(read_rows(data, file_name), result)
    except FileRefused as exc:
        result.error(0, "", f"{exc}. Загрузите CSV (UTF-8 или Windows-1251) или XLSX.")
        return result
    if result.errors:
        result.errors.sort(key=lambda e: e["line"])
        return result
    with transaction.atomic():
        apply(rows, result)
        audit(actor=actor, action="library.catalogue.import",
              details={"file": Path(file_name).name[:200], **{k: v for k, v in result.as_dict().items() if k != "errors"}})
    return result
