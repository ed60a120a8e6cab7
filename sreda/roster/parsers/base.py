"""What a parser hands to the engine: rows of one roster file set, each with where it came from.

Both formats (OneRoster CSV and the plain template) are parsed into this shape; the engine never
sees a file. A row that fails a rule becomes a `Problem`; rows that hang on it are pruned as
dependent problems, so `--skip-bad` can list them too.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import NamedTuple

from django.core.exceptions import ValidationError

from sreda.core.identifiers import validate_phone


class Src(NamedTuple):
    file: str
    line: int  # 1-based, the header is line 1


@dataclass
class Problem:
    file: str
    line: int
    column: str
    reason: str
    dependent: bool = False  # skipped only because a row it depends on is bad
    fatal: bool = False  # cannot be skipped (organisations, permissions)

    def as_error(self) -> dict:
        return {"file": self.file, "line": self.line, "column": self.column, "reason": self.reason}

    def as_skipped(self) -> dict:
        return {"file": self.file, "line": self.line, "reason": self.reason}


class BadRow(Exception):
    """A rule failed for one cell: raised while reading a row, turned into a Problem."""

    def __init__(self, column: str, reason: str):
        super().__init__(reason)
        self.column = column
        self.reason = reason


@dataclass
class OrgIn:
    key: str
    kind: str  # "region" | "municipality" | "school"
    name: str
    identifier: str
    parent_key: str
    src: Src


@dataclass
class SessionIn:
    key: str
    kind: str  # "year" | "period"
    title: str
    start: date | None
    end: date | None
    parent_key: str
    school_year: str  # OneRoster schoolYear: the year the school year ends in
    src: Src


@dataclass
class ClassIn:
    key: str
    org_key: str
    grade: int
    letter: str
    session_keys: tuple[str, ...]
    src: Src
    external: bool = True  # False for template classes: matched by grade and letter only


@dataclass(slots=True)
class PersonIn:
    key: str
    surname: str
    name: str
    patronymic: str
    snils: str | None = None
    email: str | None = None
    phone: str | None = None
    birth_date: date | None = None
    sex: str | None = None
    src: Src | None = None


class MemberIn(NamedTuple):
    person_key: str
    org_key: str
    role: str
    class_key: str | None
    src: Src


class SubjectsIn(NamedTuple):
    person_key: str
    org_key: str
    names: tuple[str, ...]
    src: Src


class LeadIn(NamedTuple):
    person_key: str
    class_key: str
    src: Src


class GuardIn(NamedTuple):
    parent_key: str
    child_key: str
    src: Src


@dataclass
class Roster:
    """Everything a file set says, keyed by source ids."""

    format: str
    orgs: dict[str, OrgIn] = field(default_factory=dict)
    sessions: dict[str, SessionIn] = field(default_factory=dict)
    classes: dict[str, ClassIn] = field(default_factory=dict)
    persons: dict[str, PersonIn] = field(default_factory=dict)
    members: list[MemberIn] = field(default_factory=list)
    subjects: list[SubjectsIn] = field(default_factory=list)
    leads: list[LeadIn] = field(default_factory=list)
    guards: list[GuardIn] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    # An optional value that is not valid is dropped, the row kept: each one is a warning (issue #10).
    warnings: list[Problem] = field(default_factory=list)
    # Persons with a bad row somewhere: their memberships are left exactly as they are.
    frozen: set[str] = field(default_factory=set)
    # The template names no organisation in its rows: the one it is imported into has key "".
    fixed_org: object | None = None
    snils_column: str = "identifier"
    rows: int = 0

    def problem(self, src: Src, column: str, reason: str, **kw) -> Problem:
        p = Problem(src.file, src.line, column, reason, **kw)
        self.problems.append(p)
        return p

    def warn(self, src: Src, column: str, reason: str) -> None:
        self.warnings.append(Problem(src.file, src.line, column, reason))

    def optional(self, src: Src, column: str, read, value):
        """Read an optional cell with `read(value, column)`; a value that does not pass is dropped with a
        warning (the row is kept, and Sreda keeps what it had: an empty optional value changes nothing)."""
        try:
            return read(value, column)
        except BadRow as bad:
            self.warn(src, bad.column, f"{bad.reason} — значение не загружено, строка принята")
            return None

    def drop_person(self, key: str, src: Src, reason: str, column: str) -> None:
        """A person row turned out bad: drop it and every row hanging on it (listed as dependent)."""
        self.problem(src, column, reason)
        self.persons.pop(key, None)
        self.frozen.add(key)
        because = f"зависит от ошибочной строки {src.file}:{src.line}"

        def keep(item, *keys):
            if key in keys:
                if item.src != src:
                    self.problem(item.src, "", because, dependent=True)
                return False
            return True

        self.members = [m for m in self.members if keep(m, m.person_key)]
        self.subjects = [s for s in self.subjects if keep(s, s.person_key)]
        self.leads = [x for x in self.leads if keep(x, x.person_key)]
        self.guards = [g for g in self.guards if keep(g, g.parent_key, g.child_key)]

    def drop_class(self, key: str, src: Src, reason: str, column: str) -> None:
        """A class turned out bad: its placements and class-teacher rows are skipped too."""
        self.problem(src, column, reason)
        self.classes.pop(key, None)
        because = f"зависит от ошибочной строки {src.file}:{src.line}"
        kept = []
        for m in self.members:
            if m.class_key == key:
                self.frozen.add(m.person_key)
                if m.src != src:
                    self.problem(m.src, "", because, dependent=True)
            else:
                kept.append(m)
        self.members = kept
        self.leads = [x for x in self.leads if x.class_key != key or self.problem(x.src, "", because, dependent=True) and False]


# --- cell rules shared by both formats
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
_CLASS_TITLE = re.compile(r"^\s*(\d{1,2})\s*[-\s]?\s*([^\W\d_]{1,3})\s*$")


def parse_class_title(value: str, column: str) -> tuple[int, str]:
    """«5А» → (5, "А"); anything that is not a grade 1–11 with a letter is a bad row."""
    m = _CLASS_TITLE.match(value or "")
    if not m or not 1 <= int(m.group(1)) <= 11:
        raise BadRow(column, f"класс «{value}»: ожидается параллель 1–11 и литера, например «5А»")
    return int(m.group(1)), m.group(2).upper()


def parse_date(value, column: str) -> date | None:
    """Accepts 20.11.2025 and 2025-11-20 (and a date cell of a spreadsheet)."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    if not text:
        return None
    if len(text) == 10 and text[4] == "-":
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
    for fmt in ("%d.%m.%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise BadRow(column, f"дата «{text}»: ожидается ДД.ММ.ГГГГ или ГГГГ-ММ-ДД, например 20.11.2025")


def check(column: str, validator, value: str) -> str:
    """Run an identifier validator; its Russian message becomes the reason."""
    try:
        return validator(value)
    except ValidationError as exc:
        raise BadRow(column, exc.messages[0]) from None


def parse_phone(value: str, column: str) -> str | None:
    value = str(value or "").strip()
    return check(column, validate_phone, value) if value else None


def parse_email(value: str, column: str) -> str | None:
    value = (value or "").strip()
    if not value:
        return None
    if not _EMAIL.match(value):
        raise BadRow(column, f"e-mail «{value}»: неверный адрес, ожидается вида name@school.ru")
    return value


def split_list(value: str, sep: str) -> list[str]:
    return [part.strip() for part in (value or "").split(sep) if part.strip()]
