"""Schedule files (R14): the plain table (CSV in UTF-8 or Windows-1251 with «,» or «;», or XLSX) and the
OneRoster-style `lessons.csv` (alone or in a .zip). Rows are read, matched to the school's classes,
subjects and teachers, and only then written — all or nothing: a file with any error changes nothing.

Plain columns: «Дата», «Урок №» (optional), «Класс», «Предмет», «Учитель» or «СНИЛС учителя».
OneRoster columns: sourcedId, date, classSourcedId, subject, teacherSourcedId (external ids as the roster
import stored them on SchoolClass and Person).
"""
from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Callable

from django.core.exceptions import ValidationError

from sreda.core.identifiers import digits
from sreda.core.text import fold
from sreda.exchange.models import RunKind
from sreda.exchange.recorders import schedule_recorded
from sreda.exchange.services import exchange_run
from sreda.library.models import LessonSource
from sreda.library.schedule import LessonData, UpsertResult, lessons_upsert, school_teachers
from sreda.orgs.models import Organisation, SchoolClass, Subject
from sreda.roster.parsers.base import BadRow, parse_class_title, parse_date
from sreda.stats.imports import FileRefused, read_rows

ONEROSTER_FILE = "lessons.csv"
COL_DAY, COL_NUMBER, COL_CLASS, COL_SUBJECT, COL_TEACHER, COL_SNILS = (
    "Дата", "Урок №", "Класс", "Предмет", "Учитель", "СНИЛС учителя")
PLAIN_COLUMNS = (COL_DAY, COL_NUMBER, COL_CLASS, COL_SUBJECT, COL_TEACHER, COL_SNILS)
ONEROSTER_COLUMNS = ("sourcedId", "date", "classSourcedId", "subject", "teacherSourcedId")
_ALIASES = {"урок": COL_NUMBER, "урок n": COL_NUMBER, "номер урока": COL_NUMBER, "№ урока": COL_NUMBER,
            "фио учителя": COL_TEACHER, "снилс": COL_SNILS}


@dataclass
class Row:
    """One lesson as written in the file, before it is matched to the school's records."""

    file: str
    line: int
    day: date | None = None
    number: int | None = None
    grade_letter: tuple[int, str] | None = None
    class_ext: str = ""
    subject: str = ""
    teacher: str = ""
    snils: str = ""
    teacher_ext: str = ""
    external_id: str | None = None
    oneroster: bool = False


@dataclass
class ImportResult(UpsertResult):
    runs: list = field(default_factory=list, repr=False, compare=False)  # its records in the exchange journal

    def error(self, file: str, line: int, column: str, reason: str) -> None:
        self.errors.append({"file": file, "line": line, "column": column, "reason": reason})


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return " ".join(str(value).split())


def _tables(data: bytes, file_name: str) -> tuple[str, list[list]]:
    """(the name errors cite, the rows of the table); a zip must hold lessons.csv."""
    if Path(file_name).suffix.lower() == ".zip":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                inner = next((n for n in zf.namelist() if Path(n).name.lower() == ONEROSTER_FILE), None)
                if inner is None:
                    raise FileRefused(f"в архиве нет файла {ONEROSTER_FILE}")
                return ONEROSTER_FILE, list(read_rows(zf.read(inner), ONEROSTER_FILE))
        except zipfile.BadZipFile:
            raise FileRefused("архив .zip повреждён") from None
    return file_name, list(read_rows(data, file_name))


def read_file(data: bytes, file_name: str, result: ImportResult) -> list[Row]:
    """The rows of the file; every unreadable cell becomes an error in `result` (line, column, reason)."""
    try:
        name, table = _tables(data, file_name)
    except FileRefused as exc:
        result.error(file_name, 0, "", f"Файл не принят: {exc}.")
        return []
    header_at = next((i for i, row in enumerate(table) if any(_text(v) for v in row)), None)
    if header_at is None:
        result.error(name, 0, "", "Файл пустой: нет строки заголовков.")
        return []
    header = [_text(v).lstrip("\ufeff") for v in table[header_at]]
    if {h.lower() for h in header} >= {c.lower() for c in ONEROSTER_COLUMNS}:
        return _read_oneroster(name, header, table, header_at, result)
    return _read_plain(name, header, table, header_at, result)


def _columns(header: list[str], known: tuple[str, ...]) -> dict[str, int]:
    by_fold = {fold(c): c for c in known} | _ALIASES
    found: dict[str, int] = {}
    for index, title in enumerate(header):
        column = by_fold.get(fold(title)) or by_fold.get(fold(title).replace("№", "").strip())
        if column and column not in found:
            found[column] = index
    return found


def _read_plain(name: str, header: list[str], table: list[list], header_at: int, result: ImportResult) -> list[Row]:
    cols = _columns(header, PLAIN_COLUMNS)
    missing = [c for c in (COL_DAY, COL_CLASS, COL_SUBJECT) if c not in cols]
    if COL_TEACHER not in cols and COL_SNILS not in cols:
        missing.append(f"{COL_TEACHER} или {COL_SNILS}")
    if missing:
        result.error(name, header_at + 1, "", "Нет столбцов: " + ", ".join(f"«{c}»" for c in missing)
                     + ". Ожидаются «Дата», «Урок №», «Класс», «Предмет», «Учитель» или «СНИЛС учителя».")
        return []
    rows = []
    for index in range(header_at + 1, len(table)):
        values = table[index]
        cell = {c: (values[i] if i < len(values) else None) for c, i in cols.items()}
        if not any(_text(v) for v in cell.values()):
            continue
        row = Row(file=name, line=index + 1)
        try:
            row.day = parse_date(cell[COL_DAY], COL_DAY)
            if row.day is None:
                raise BadRow(COL_DAY, "не указана дата урока")
            number = _text(cell.get(COL_NUMBER))
            if number:
                if not number.isdigit() or int(number) > 20:
                    raise BadRow(COL_NUMBER, f"номер урока «{number}»: ожидается число от 0 до 20")
                row.number = int(number)
            row.grade_letter = parse_class_title(_text(cell[COL_CLASS]), COL_CLASS)
            row.subject = _text(cell[COL_SUBJECT])
            if not row.subject:
                raise BadRow(COL_SUBJECT, "не указан предмет")
            row.teacher, row.snils = _text(cell.get(COL_TEACHER)), _text(cell.get(COL_SNILS))
            if not row.teacher and not row.snils:
                raise BadRow(COL_TEACHER, "не указан учитель: ФИО или СНИЛС")
        except BadRow as bad:
            result.error(name, row.line, bad.column, bad.reason)
            continue
        rows.append(row)
    return rows


def _read_oneroster(name: str, header: list[str], table: list[list], header_at: int, result: ImportResult) -> list[Row]:
    cols = {h.lower(): i for i, h in enumerate(header)}
    rows = []
    for index in range(header_at + 1, len(table)):
        values = table[index]
        cell = {c: _text(values[cols[c.lower()]]) if cols[c.lower()] < len(values) else "" for c in ONEROSTER_COLUMNS}
        if not any(cell.values()):
            continue
        row = Row(file=name, line=index + 1, external_id=cell["sourcedId"] or None, class_ext=cell["classSourcedId"],
                  subject=cell["subject"], teacher_ext=cell["teacherSourcedId"], oneroster=True)
        try:
            for column in ONEROSTER_COLUMNS:
                if not cell[column]:
                    raise BadRow(column, "пустое значение")
            row.day = parse_date(cell["date"], "date")
        except BadRow as bad:
            result.error(name, row.line, bad.column, bad.reason)
            continue
        rows.append(row)
    return rows


def match_rows(rows: list[Row], organisation: Organisation, result: ImportResult) -> list[LessonData]:
    """Each row's class, subject and teacher among the school's; every miss is an error by line and column."""
    classes = list(SchoolClass.objects.filter(organisation=organisation).select_related("school_year"))
    by_ext = {c.external_id: c for c in classes if c.external_id}
    subjects = {fold(s.name): s for s in Subject.objects.all()}
    teachers = list(school_teachers(organisation))
    by_name: dict[str, list] = {}
    for person in teachers:
        by_name.setdefault(fold(person.full_name), []).append(person)
        if person.patronymic:  # «Петрова Мария» finds «Петрова Мария Ивановна» too
            by_name.setdefault(fold(f"{person.surname} {person.name}"), []).append(person)
    by_snils = {p.snils: p for p in teachers if p.snils}
    by_teacher_ext = {p.external_id: p for p in teachers if p.external_id}
    items = []
    for row in rows:
        oneroster = row.oneroster
        problems = []
        if oneroster:
            school_class = by_ext.get(row.class_ext)
            if school_class is None:
                problems.append(("classSourcedId", f"класс «{row.class_ext}» не найден в школе"))
        else:
            grade, letter = row.grade_letter
            school_class = next((c for c in classes if c.grade == grade and c.letter.upper() == letter
                                 and c.school_year.start <= row.day <= c.school_year.end), None)
            if school_class is None:
                problems.append((COL_CLASS, f"класса «{grade}{letter}» нет в школе в учебном году на "
                                            f"{row.day:%d.%m.%Y}"))
        subject = subjects.get(fold(row.subject))
        if subject is None:
            problems.append(("subject" if oneroster else COL_SUBJECT, f"предмет «{row.subject}» не найден"))
        teacher, teacher_problem = _teacher(row, by_name, by_snils, by_teacher_ext)
        if teacher_problem:
            problems.append(teacher_problem)
        for column, reason in problems:
            result.error(row.file, row.line, column, reason)
        if problems:
            continue
        items.append(LessonData(day=row.day, number=row.number, school_class_id=school_class.pk,
                                subject_id=subject.pk, teacher_id=teacher.pk, external_id=row.external_id,
                                source=LessonSource.ONEROSTER if oneroster else LessonSource.FILE))
    return items


def _teacher(row: Row, by_name, by_snils, by_ext):
    if row.teacher_ext:
        found = by_ext.get(row.teacher_ext)
        return found, None if found else ("teacherSourcedId", f"учитель «{row.teacher_ext}» не найден среди учителей школы")
    if row.snils:
        found = by_snils.get(digits(row.snils))
        return found, None if found else (COL_SNILS, f"учитель со СНИЛС «{row.snils}» не найден среди учителей школы")
    found = by_name.get(fold(row.teacher), [])
    if len(found) > 1:
        return None, (COL_TEACHER, f"«{row.teacher}»: несколько учителей с таким ФИО — укажите СНИЛС учителя")
    if not found:
        return None, (COL_TEACHER, f"учитель «{row.teacher}» не найден среди учителей школы")
    return found[0], None


Progress = Callable[[int, str], None]


def schedule_import(*, actor, organisation: Organisation, data: bytes, file_name: str,
                    progress: Progress | None = None) -> ImportResult:
    """Read, match and write a schedule file: all rows or none (R14). Re-importing changes nothing.
    Every call is a run in the exchange journal (issue #10), failed ones too."""
    with exchange_run(kind=RunKind.SCHEDULE_IMPORT, actor=actor, organisation=organisation, title=file_name) as run:
        result = _schedule_import(actor=actor, organisation=organisation, data=data, file_name=file_name,
                                  progress=progress)
        schedule_recorded(run, result)
    result.runs = run.runs
    return result


def _schedule_import(*, actor, organisation: Organisation, data: bytes, file_name: str,
                     progress: Progress | None) -> ImportResult:
    progress = progress or (lambda percent, message: None)
    result = ImportResult()
    progress(10, "Чтение файла")
    rows = read_file(data, file_name, result)
    if result.errors:
        return result
    if not rows:
        result.error(file_name, 0, "", "В файле нет ни одного урока.")
        return result
    progress(40, f"Сопоставление строк: {len(rows)}")
    items = match_rows(rows, organisation, result)
    if result.errors:
        return result
    progress(70, "Запись уроков")
    try:
        written = lessons_upsert(actor=actor, organisation=organisation, items=items)
    except ValidationError as exc:
        result.error(file_name, 0, "", exc.messages[0])
        return result
    result.created, result.updated, result.unchanged = written.created, written.updated, written.unchanged
    progress(100, "Готово")
    return result
