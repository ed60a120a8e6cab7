"""Import of a platform's own statistics export, the A–Y table (R31, R35), as XLSX or CSV.

The platform's dashboard exports UTF-8 with commas; Excel re-saves it as Windows-1251 with semicolons.
Columns are found by their Russian titles (as in the seed, with or without the «А.» letter prefix) or,
in a file without a header, by position A–Y. A line with a bad value is reported and skipped; the rest
is written in one transaction. Organisations are matched by the platform's organisation id (H), else by
INN (W); unmatched lines are listed, never dropped silently. Re-importing the same file changes nothing.
"""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from django.db import IntegrityError, transaction
from django.db.models import Q

from sreda.core.active_role import ActiveRole
from sreda.core.audit import audit
from sreda.core.permissions import Action, in_scope, require
from sreda.core.text import decode
from sreda.orgs.models import Organisation
from sreda.stats.indicators import stats_changed
from sreda.stats.models import StatsImport, StatsSnapshot

# (letter, model field, title as the seed names it, kind)
COLUMNS: tuple[tuple[str, str, str, str], ...] = (
    ("A", "report_date", "Дата", "date"),
    ("B", "short_name", "Краткое название", "text"),
    ("C", "org_type", "Тип ОО", "text"),
    ("D", "municipality_name", "МО", "text"),
    ("E", "region_name", "Субъект", "text"),
    ("F", "region_code", "Код региона", "code"),
    ("G", "link", "Ссылка", "text"),
    ("H", "platform_org_id", "ID организации", "code"),
    ("I", "is_active", "Активна", "bool"),
    ("J", "people_total", "Учителей, учеников и родителей в школе всего", "int"),
    ("K", "teachers_total", "Учителей в школе всего", "int"),
    ("L", "students_total", "Учеников в школе всего", "int"),
    ("M", "parents_total", "Родителей в школе всего", "int"),
    ("N", "registrations_total", "Регистраций в школе всего", "int"),
    ("O", "teachers_registered", "Учителей зарегистрировано в Сферум", "int"),
    ("P", "teachers_linked", "Кол-во учителей, связавших аккаунты ЭЖД", "int"),
    ("Q", "students_registered", "Учеников зарегистрировано в Сферум", "int"),
    ("R", "students_linked", "Кол-во учеников, связавших аккаунты ЭЖД", "int"),
    ("S", "parents_registered", "Родителей зарегистрировано в Сферум", "int"),
    ("T", "parents_linked", "Кол-во родителей, связавших аккаунты ЭЖД", "int"),
    ("U", "students_active", "Активные ученики", "int"),
    ("V", "parents_active", "Активные родители", "int"),
    ("W", "inn", "ИНН", "inn"),
    ("X", "teachers_active", "Кол-во активных учителей", "int"),
    ("Y", "teachers_with_calls", "Кол-во учителей, совершивших минимум 1 звонок за неделю", "int"),
)
LETTERS = tuple(c[0] for c in COLUMNS)
FIELD_OF = {c[0]: c[1] for c in COLUMNS}
KIND_OF = {c[0]: c[3] for c in COLUMNS}
TITLE_OF = {c[0]: c[2] for c in COLUMNS}
VALUE_FIELDS = tuple(c[1] for c in COLUMNS if c[0] != "A")
MAX_LENGTH = {f.name: f.max_length for f in StatsSnapshot._meta.get_fields() if getattr(f, "max_length", None)}

# Cyrillic letters that look like (or stand for) the Latin column letters in «А. Дата», «С. Тип ОО» …
LOOKALIKE = str.maketrans({"а": "a", "в": "b", "с": "c", "е": "e", "н": "h", "к": "k", "м": "m", "о": "o",
                           "р": "p", "т": "t", "х": "x", "у": "y", "ү": "y"})
_PREFIX = re.compile(r"^([a-zа-яү])\s*[.)]\s*(.*)$")
BOOL_WORDS = {
    "да": True, "активна": True, "активен": True, "1": True, "true": True, "yes": True, "истина": True,
    "нет": False, "неактивна": False, "не активна": False, "неактивен": False, "0": False, "false": False,
    "no": False, "ложь": False,
}
EMPTY_WORDS = {"", "-", "—", "–", "нет данных", "н/д"}
SPACES = re.compile(r"[\s\u00a0\u202f\u2009]+")
HEADER_SCAN_ROWS = 10
DATA_LIKE_CELLS = 5


def _fold(text: str) -> str:
    """Lower case, «ё» as «е», Markdown bold and trailing colons gone, spaces collapsed."""
    text = str(text).replace("\ufeff", "").replace("*", "").lower().replace("ё", "е")
    return SPACES.sub(" ", text).strip().rstrip(":").strip()


def _title_key(text: str) -> str:
    return re.sub(r"[^0-9a-zа-я]+", "", _fold(text).translate(LOOKALIKE))


# Titles and the aliases seen in real exports (the seed itself writes «ID организация», «MO» in Latin).
_ALIASES = {
    "A": ["Дата отчета", "Дата формирования отчета"],
    "B": ["Краткое наименование", "Название"],
    "C": ["Тип", "Тип образовательной организации"],
    "D": ["Муниципальное объединение", "Муниципальный район", "Район"],
    "E": ["Регион"],
    "H": ["ID организация", "ID", "Идентификатор организации"],
    "I": ["Активность", "Статус активности"],
    "J": ["Учителей, учеников и родителей всего"],
    "K": ["Учителей всего"],
    "L": ["Учеников всего"],
    "M": ["Родителей всего"],
    "N": ["Регистраций всего"],
    "O": ["Учителей зарегистрировано"],
    "Q": ["Учеников зарегистрировано"],
    "S": ["Родителей зарегистрировано"],
    "X": ["Активные учителя", "Активных учителей"],
}
HEADER_KEYS: dict[str, str] = {}
for _letter, _field, _title, _kind in COLUMNS:
    for _name in [_title, *_ALIASES.get(_letter, [])]:
        HEADER_KEYS[_title_key(_name)] = _letter


def header_letter(cell) -> str | None:
    """The column letter a header cell names: by title («Активна», «I. Активна», «і. активна») or, when
    the title is unknown, by a bare letter prefix («I.», «Н»)."""
    if cell is None or isinstance(cell, (int, float, date)):
        return None
    text = _fold(cell)
    if not text:
        return None
    letter = None
    match = _PREFIX.match(text)
    if match:
        candidate = match.group(1).translate(LOOKALIKE).upper()
        if candidate in LETTERS:
            letter, text = candidate, match.group(2)
    by_title = HEADER_KEYS.get(_title_key(text))
    if by_title:
        return by_title
    if letter:
        return letter  # «K. Учителей в ОО всего»: a title worded differently, the letter still says which
    bare = _fold(cell).translate(LOOKALIKE).upper()
    return bare if len(bare) == 1 and bare in LETTERS else None


# ── reading the file ─────────────────────────────────────────────────────────────────────────────────

class FileRefused(Exception):
    """The file as a whole cannot be read; nothing is imported."""


def _csv_rows(data: bytes) -> Iterator[list]:
    if b"\x00" in data:
        raise FileRefused("файл не похож на текстовый CSV")
    try:
        text = decode(data)
    except UnicodeDecodeError:
        raise FileRefused("файл не читается как текст UTF-8 или Windows-1251") from None
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = max((";", ",", "\t"), key=first.count)
    try:
        yield from csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    except csv.Error as exc:
        raise FileRefused(f"CSV не читается: {exc}") from None


def _xlsx_rows(data: bytes) -> Iterator[list]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 — openpyxl raises many kinds for a broken book
        raise FileRefused(f"книга Excel не читается: {exc.__class__.__name__}") from None
    try:
        for values in book.worksheets[0].iter_rows(values_only=True):
            yield list(values)
    finally:
        book.close()


def read_rows(data: bytes, file_name: str) -> Iterator[list]:
    """Rows of the first sheet (XLSX, by content) or of the CSV, as lists of raw cell values."""
    if data[:4] == b"PK\x03\x04":
        return _xlsx_rows(data)
    if Path(file_name).suffix.lower() == ".xlsx":
        raise FileRefused("файл с расширением .xlsx не является книгой Excel")
    return _csv_rows(data)


# ── values ───────────────────────────────────────────────────────────────────────────────────────────

class BadValue(Exception):
    pass


def _is_empty(value) -> bool:
    return value is None or (isinstance(value, str) and _fold(value) in EMPTY_WORDS)


def parse_date(value) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip().split(" ")[0].split("T")[0]
    for fmt in ("%d.%m.%Y", "%Y-%m-%d", "%d.%m.%y", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise BadValue(f"дата «{value}» не распознана: ожидается ДД.ММ.ГГГГ (20.11.2025) или ГГГГ-ММ-ДД (2025-11-20)")


def parse_int(value) -> int:
    if isinstance(value, bool):
        raise BadValue(f"«{value}» не число")
    if isinstance(value, int):
        number = value
    elif isinstance(value, float):
        if not value.is_integer():
            raise BadValue(f"«{value:g}» не целое число")
        number = int(value)
    else:
        text = SPACES.sub("", str(value)).replace(",", ".")
        if re.fullmatch(r"[+-]?\d+(\.0*)?", text):
            number = int(text.split(".")[0])
        elif re.fullmatch(r"[+-]?\d*\.\d+", text):
            raise BadValue(f"«{value}» не целое число")
        else:
            raise BadValue(f"«{value}» не число")
    if number < 0:
        raise BadValue(f"«{value}»: количество не может быть отрицательным")
    if number > 2_147_483_647:
        raise BadValue(f"«{value}»: слишком большое число")
    return number


def parse_bool(value) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    answer = BOOL_WORDS.get(_fold(value))
    if answer is None:
        raise BadValue(f"«{value}» не распознано: ожидается да/нет, активна/неактивна, 1/0")
    return answer


def _code(value) -> str:
    """An identifier that Excel may have turned into a number: 78.0 → «78»."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return SPACES.sub(" ", str(value)).strip()


def parse_inn(value) -> str:
    digits = re.sub(r"\D", "", _code(value))
    if len(digits) not in (10, 12):
        raise BadValue(f"ИНН «{value}» должен состоять из 10 (организация) или 12 цифр")
    return digits


def parse_cell(letter: str, value):
    """The model value of one cell, or BadValue with a Russian reason."""
    kind = KIND_OF[letter]
    if _is_empty(value):
        if kind == "date":
            raise BadValue("не указана дата отчёта (столбец A, R31)")
        return "" if kind in ("text", "code", "inn") else None
    if kind == "date":
        return parse_date(value)
    if kind == "int":
        return parse_int(value)
    if kind == "bool":
        return parse_bool(value)
    if kind == "inn":
        return parse_inn(value)
    text = _code(value) if kind == "code" else SPACES.sub(" ", str(value)).strip()
    limit = MAX_LENGTH.get(FIELD_OF[letter])
    if limit and len(text) > limit:
        raise BadValue(f"значение длиннее {limit} символов")
    return text


# ── the table ────────────────────────────────────────────────────────────────────────────────────────

@dataclass
class Line:
    line: int
    values: dict  # model field → value
    raw_org_id: str = ""
    raw_inn: str = ""
    raw_name: str = ""


@dataclass
class Table:
    lines: list[Line] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)  # {"line", "column", "reason"}
    fatal: bool = False


def _cells(values: list) -> list:
    return [v.strip() if isinstance(v, str) else v for v in values]


def _header_of(row: list) -> dict[int, str] | None:
    """Index → letter, when the row is a header (at least three recognised titles, the date among them
    or the organisation id/INN)."""
    found: dict[int, str] = {}
    for i, cell in enumerate(row):
        letter = header_letter(cell)
        if letter and letter not in found.values():
            found[i] = letter
    return found if len(found) >= 3 else None


def _looks_like_date(value) -> bool:
    try:
        parse_date(value)
        return not _is_empty(value)
    except BadValue:
        return False


def parse_table(rows: Iterator[list]) -> Table:
    """Find the header (or take positions A–Y), then turn every line into model values or errors."""
    table = Table()
    columns: dict[int, str] | None = None
    passed: list[tuple[int, list]] = []  # lines above the table that look like data, not like a title
    for line_no, values in enumerate(rows, start=1):
        values = _cells(values)
        if not any(v not in (None, "") for v in values):
            continue
        if columns is None:
            header = _header_of(values)
            if header is not None:
                columns = header
                missing = [c for c in ("A",) if c not in header.values()]
                if not ({"H", "W"} & set(header.values())):
                    missing.append("H или W")
                if missing:
                    for letter in missing:
                        table.errors.append({"line": line_no, "column": letter, "reason": _missing(letter)})
                    table.fatal = True
                    return table
                continue
            if values and _looks_like_date(values[0]):
                columns = {i: letter for i, letter in enumerate(LETTERS)}  # header-less: by position A–Y
                for skipped_no, skipped in passed:  # data-like lines before the first date: not silently lost
                    _line(table, columns, skipped_no, skipped)
            elif line_no >= HEADER_SCAN_ROWS:
                break
            else:
                if sum(v not in (None, "") for v in values) >= DATA_LIKE_CELLS:
                    passed.append((line_no, values))
                continue
        _line(table, columns, line_no, values)
    if columns is None:
        table.errors.append({"line": 1, "column": "", "reason": (
            "не найдена строка заголовков таблицы A–Y (R31, R35): ожидаются столбцы «Дата», «ID организации», "
            "«ИНН» и другие, либо строки без заголовка, где первый столбец — дата")})
        table.fatal = True
    return table


def _missing(letter: str) -> str:
    if letter == "A":
        return "нет столбца «А. Дата»: без даты отчёта строку некуда записать (R31)"
    return "нет ни столбца «H. ID организации», ни «W. ИНН»: организацию не найти (R35)"


def _line(table: Table, columns: dict[int, str], line_no: int, values: list) -> None:
    parsed: dict = {}
    bad: list[dict] = []
    for i, letter in columns.items():
        raw = values[i] if i < len(values) else None
        try:
            parsed[FIELD_OF[letter]] = parse_cell(letter, raw)
        except BadValue as exc:
            bad.append({"line": line_no, "column": letter, "reason": str(exc)})
    for letter in LETTERS:
        parsed.setdefault(FIELD_OF[letter], "" if KIND_OF[letter] in ("text", "code", "inn") else None)
    raw_of = {letter: values[i] for i, letter in columns.items() if i < len(values)}
    line = Line(line=line_no, values=parsed, raw_org_id=_code(raw_of.get("H") or ""),
                raw_inn=_code(raw_of.get("W") or ""), raw_name=str(raw_of.get("B") or "").strip())
    if not bad and not parsed["platform_org_id"] and not parsed["inn"]:
        bad.append({"line": line_no, "column": "H", "reason": "не указаны ни ID организации (H), ни ИНН (W) (R35)"})
    if bad:
        table.errors.extend(bad)
    else:
        table.lines.append(line)


# ── the service ──────────────────────────────────────────────────────────────────────────────────────

@dataclass
class ImportResult:
    imported: int = 0
    unchanged: int = 0
    unmatched: list[dict] = field(default_factory=list)  # {"line", "org_id", "inn", "short_name", "reason"}
    errors: list[dict] = field(default_factory=list)  # {"line", "column", "reason"}
    stats_import: StatsImport | None = None

    def as_dict(self) -> dict:
        """Exactly the shape the CLI's --json prints (issue 4, item 3)."""
        return {
            "imported": self.imported, "unchanged": self.unchanged,
            "unmatched": [{k: u[k] for k in ("line", "org_id", "inn", "short_name")} for u in self.unmatched],
            "errors": [{k: e[k] for k in ("line", "column", "reason")} for e in self.errors],
        }


NOT_FOUND = "организация не найдена в Среде ни по ID организации, ни по ИНН"
OUT_OF_SCOPE = "организация вне области вашей роли: строка не загружена"
AMBIGUOUS = "ID организации есть у нескольких организаций Среды, а ИНН не указан"


def scope_key(actor: ActiveRole) -> str:
    """Which scope an import belongs to, so that colleagues in the same scope see it in the list."""
    if actor.is_platform_operator:
        return "operator"
    if actor.region_id:
        return f"region:{actor.region_id}"
    if actor.municipality_id:
        return f"municipality:{actor.municipality_id}"
    return f"organisation:{actor.organisation_id}"


def _read(path_or_file) -> bytes:
    if isinstance(path_or_file, (str, Path)):
        return Path(path_or_file).read_bytes()
    if hasattr(path_or_file, "seek"):
        path_or_file.seek(0)
    data = path_or_file.read()
    return data.encode("utf-8") if isinstance(data, str) else data


def stats_import(*, actor: ActiveRole, path_or_file, file_name: str) -> ImportResult:
    """Import one platform export of the A–Y table (R35) in the actor's scope; every line is accounted
    for as imported, unchanged, unmatched or an error. One transaction; the upload is recorded."""
    require(actor, Action.IMPORT_STATS)
    try:
        table = parse_table(read_rows(_read(path_or_file), file_name))
    except FileRefused as exc:
        table = Table(errors=[{"line": 0, "column": "", "reason": f"{file_name}: {exc}"}], fatal=True)
    for attempt in range(3):
        try:
            with transaction.atomic():
                return _apply(actor, table, file_name)
        except IntegrityError:
            # Another import of the same dates committed between our read and our insert: read again.
            if attempt == 2:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def _apply(actor: ActiveRole, table: Table, file_name: str) -> ImportResult:
    result = ImportResult(errors=list(table.errors))
    matched = _match(actor, table.lines, result) if not table.fatal else []
    seen: dict[tuple[int, date], int] = {}
    rows: list[tuple[Line, Organisation]] = []
    for line, org in matched:
        key = (org.pk, line.values["report_date"])
        if key in seen:
            result.errors.append({"line": line.line, "column": "H", "reason": (
                f"организация «{org.short_name}» за {key[1]:%d.%m.%Y} уже есть в строке {seen[key]}: строка пропущена")})
            continue
        seen[key] = line.line
        rows.append((line, org))
    record = StatsImport.objects.create(
        file_name=file_name[:255], uploaded_by=actor.user if getattr(actor.user, "pk", None) else None,
        scope=scope_key(actor),
    )
    existing = _existing(seen)
    new, changed = [], []
    for line, org in rows:
        snapshot = existing.get((org.pk, line.values["report_date"]))
        if snapshot is None:
            new.append(StatsSnapshot(organisation=org, stats_import=record, **line.values))
        elif all(getattr(snapshot, f) == line.values[f] for f in VALUE_FIELDS):
            result.unchanged += 1
        else:
            for f in VALUE_FIELDS:
                setattr(snapshot, f, line.values[f])
            snapshot.stats_import = record
            changed.append(snapshot)
    StatsSnapshot.objects.bulk_create(new, batch_size=500)
    StatsSnapshot.objects.bulk_update(changed, [*VALUE_FIELDS, "stats_import"], batch_size=500)
    result.imported = len(new) + len(changed)
    result.errors.sort(key=lambda e: (e["line"], LETTERS.index(e["column"]) if e["column"] in LETTERS else -1))
    result.unmatched.sort(key=lambda u: u["line"])
    record.imported, record.unchanged = result.imported, result.unchanged
    record.result = {"unmatched": result.unmatched, "errors": result.errors, "role": actor.label,
                     "dates": sorted({d.isoformat() for _, d in seen})}
    record.save(update_fields=["imported", "unchanged", "result"])
    result.stats_import = record
    if result.imported:
        stats_changed()
    audit(actor=actor, action="stats.import", obj=record, details={
        "file": file_name, "imported": result.imported, "unchanged": result.unchanged,
        "unmatched": len(result.unmatched), "errors": len(result.errors)})
    return result


def _existing(keys: dict[tuple[int, date], int]) -> dict[tuple[int, date], StatsSnapshot]:
    if not keys:
        return {}
    dates = {d for _, d in keys}
    orgs = {o for o, _ in keys}
    qs = StatsSnapshot.objects.filter(report_date__in=dates, organisation_id__in=orgs).select_for_update()
    return {(s.organisation_id, s.report_date): s for s in qs}


def _match(actor: ActiveRole, lines: list[Line], result: ImportResult) -> list[tuple[Line, Organisation]]:
    """Organisation of each line: by the platform's id (H), else by INN (W). Unmatched and out-of-scope
    lines go to `result.unmatched` with the reason."""
    ids = {ln.values["platform_org_id"] for ln in lines if ln.values["platform_org_id"]}
    inns = {ln.values["inn"] for ln in lines if ln.values["inn"]}
    by_id: dict[str, list[Organisation]] = {}
    by_inn: dict[str, Organisation] = {}
    if ids or inns:
        orgs = Organisation.objects.select_related("municipality").filter(
            Q(messenger_org_id__in=ids) | Q(inn__in=inns))
        for org in orgs:
            if org.messenger_org_id in ids:
                by_id.setdefault(org.messenger_org_id, []).append(org)
            by_inn[org.inn] = org
    matched = []
    for line in lines:
        candidates = by_id.get(line.values["platform_org_id"], []) if line.values["platform_org_id"] else []
        org = candidates[0] if len(candidates) == 1 else by_inn.get(line.values["inn"])
        if org is None:
            reason = AMBIGUOUS if len(candidates) > 1 else NOT_FOUND
        elif not in_scope(actor, org):
            reason, org = OUT_OF_SCOPE, None
        else:
            matched.append((line, org))
            continue
        result.unmatched.append({"line": line.line, "org_id": line.values["platform_org_id"],
                                 "inn": line.values["inn"] or line.raw_inn, "short_name": line.values["short_name"],
                                 "reason": reason})
    return matched


# ── uploads and the list of earlier imports ──────────────────────────────────────────────────────────

ALLOWED_SUFFIXES = (".xlsx", ".csv")
DEFAULT_MAX_BYTES = 20 * 1024 * 1024


def upload_limit() -> int:
    from django.conf import settings

    return int(getattr(settings, "STATS_UPLOAD_MAX_BYTES", DEFAULT_MAX_BYTES))


def check_upload(upload) -> None:
    """Refuse anything but a .xlsx or .csv whose content matches its name, within the size limit."""
    import zipfile

    from django.core.exceptions import ValidationError

    name = getattr(upload, "name", "") or ""
    suffix = Path(name).suffix.lower()
    if suffix not in ALLOWED_SUFFIXES:
        raise ValidationError(f"Файл «{name}» не подходит: загрузите выгрузку статистики в формате .xlsx или .csv.")
    limit = upload_limit()
    if upload.size > limit:
        raise ValidationError(f"Файл больше допустимого размера {limit // (1024 * 1024)} МБ.")
    if upload.size == 0:
        raise ValidationError("Файл пустой.")
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    if suffix == ".xlsx":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                is_book = "xl/workbook.xml" in zf.namelist()
        except zipfile.BadZipFile:
            is_book = False
        if data[:4] != b"PK\x03\x04" or not is_book:
            raise ValidationError(f"Файл «{name}» не является книгой Excel (.xlsx): содержимое не совпадает с расширением.")
    else:
        if b"\x00" in data or data[:4] == b"PK\x03\x04":
            raise ValidationError(f"Файл «{name}» не текстовый CSV.")
        try:
            decode(data)
        except UnicodeDecodeError:
            raise ValidationError(f"Файл «{name}» не читается как текст UTF-8 или Windows-1251.") from None


def stats_upload(*, actor: ActiveRole, upload) -> ImportResult:
    """An uploaded file (page or API): checked for type and size, then imported."""
    require(actor, Action.IMPORT_STATS)
    check_upload(upload)
    return stats_import(actor=actor, path_or_file=upload, file_name=Path(upload.name).name)


def stats_imports_for(*, actor: ActiveRole):
    """Earlier imports the actor may see: all for the platform operator; otherwise those made in the
    same scope (the same district or region) or by the same user."""
    require(actor, Action.IMPORT_STATS)
    qs = StatsImport.objects.select_related("uploaded_by__person")
    if actor.is_platform_operator:
        return qs
    visible = Q(scope=scope_key(actor))
    if getattr(actor.user, "pk", None):
        visible |= Q(uploaded_by=actor.user)
    return qs.filter(visible)


def access_stats_import(*, actor: ActiveRole, import_id: int) -> StatsImport:
    """One earlier import, or Http404 alike for a missing and a foreign one."""
    from django.http import Http404

    row = stats_imports_for(actor=actor).filter(pk=import_id).first()
    if row is None:
        raise Http404("Загрузка не найдена или недоступна в текущей роли.")
    return row
