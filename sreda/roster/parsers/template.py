"""The plain template (XLSX or CSV), one row per person-role, for one organisation.

CSV may be UTF-8 (with or without BOM, comma or semicolon) or Windows-1251 with semicolons, as
Excel saves it. IDs are local to the school, so a person's source id is «<ИНН>:<ID>».
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

from sreda.core.identifiers import validate_snils
from sreda.core.text import decode
from sreda.people.models import Sex
from sreda.people.roles import Role
from sreda.roster.parsers.base import (
    BadRow, ClassIn, GuardIn, LeadIn, MemberIn, PersonIn, Roster, Src, SubjectsIn,
    check, parse_class_title, parse_date, parse_email, parse_phone, split_list,
)

COLUMNS = ("ID", "Фамилия", "Имя", "Отчество", "Дата рождения", "Пол", "СНИЛС", "E-mail", "Телефон", "Роль",
           "Класс", "Предметы", "Дети")
REQUIRED = ("ID", "Фамилия", "Имя", "Роль")
ROLES = {
    "учитель": Role.TEACHER, "сотрудник": Role.STAFF, "администратор оо": Role.ADMINISTRATOR,
    "обучающийся": Role.STUDENT, "законный представитель": Role.PARENT,
}
# Optional columns that only some roles use; a value given for another role is dropped with a warning.
USED_BY = (("Класс", {Role.STUDENT, Role.TEACHER}), ("Предметы", {Role.TEACHER}), ("Дети", {Role.PARENT}))
SEXES = {"м": Sex.MALE, "муж": Sex.MALE, "мужской": Sex.MALE, "ж": Sex.FEMALE, "жен": Sex.FEMALE, "женский": Sex.FEMALE}


def _csv_rows(path: Path) -> Iterator[list]:
    text = decode(path.read_bytes())
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    yield from csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)


def _xlsx_rows(path: Path) -> Iterator[list]:
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True, data_only=True)
    try:
        for values in book.worksheets[0].iter_rows(values_only=True):
            yield list(values)
    finally:
        book.close()


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (datetime, date)):
        return value
    return str(value).strip()


def parse_sex(value, column: str) -> str | None:
    text = str(value or "").strip().lower()
    if text and text not in SEXES:
        raise BadRow(column, f"пол «{value}»: укажите «м» или «ж»")
    return SEXES.get(text)


def parse_template(path: Path, *, organisation) -> Roster:
    path = Path(path)
    roster = Roster(format="template", snils_column="СНИЛС", fixed_org=organisation)
    source = _xlsx_rows(path) if path.suffix.lower() == ".xlsx" else _csv_rows(path)
    _TemplateReader(roster, path.name, organisation.inn).read(source)
    return roster


class _TemplateReader:
    def __init__(self, roster: Roster, name: str, inn: str):
        self.r = roster
        self.name = name
        self.prefix = f"{inn}:"
        self.seen: dict[tuple[str, str], int] = {}
        self.snils_seen: dict[str, tuple[str, int]] = {}
        self.bad_ids: dict[str, Src] = {}
        self.children: list[tuple[str, list[str], Src]] = []
        self.leads: dict[str, int] = {}

    def read(self, source: Iterator[list]):
        header = [str(_cell(h)).lstrip("\ufeff").strip() for h in next(source, [])]
        missing = [c for c in REQUIRED if c not in header]
        for column in missing:
            self.r.problem(Src(self.name, 1), column, f"нет обязательного столбца «{column}»", fatal=True)
        if missing:
            return
        index = {c: header.index(c) for c in COLUMNS if c in header}
        for line, values in enumerate(source, start=2):
            values = [_cell(v) for v in values]
            if not any(values):
                continue
            row = {c: (values[i] if i < len(values) else "") for c, i in index.items()}
            self.r.rows += 1
            src = Src(self.name, line)
            warned = len(self.r.warnings)
            try:
                self.row(src, row)
            except BadRow as bad:
                del self.r.warnings[warned:]  # a rejected row is an error; what it would have dropped is moot
                self.r.problem(src, bad.column, bad.reason)
                if row.get("ID"):
                    self.bad_ids.setdefault(row["ID"], src)
                    self.r.frozen.add(self.prefix + row["ID"])
        self.guardians()

    def row(self, src: Src, row: dict):
        raw_id = str(row.get("ID") or "")
        if not raw_id:
            raise BadRow("ID", "не заполнено обязательное поле «ID»")
        role_text = str(row.get("Роль") or "")
        role = ROLES.get(" ".join(role_text.lower().split()))
        if role is None:
            raise BadRow("Роль", f"роль «{role_text}» неизвестна: Учитель, Сотрудник, Администратор ОО, "
                                 "Обучающийся или Законный представитель")
        if (raw_id, role) in self.seen:
            raise BadRow("ID", f"ID «{raw_id}» с ролью «{role_text}» повторяется (впервые в строке {self.seen[raw_id, role]})")
        key = self.prefix + raw_id
        person = self.person(src, row, key)
        class_key = None
        if row.get("Класс"):
            grade, letter = parse_class_title(str(row["Класс"]), "Класс")
            class_key = f"{grade}{letter}"
        elif role == Role.STUDENT:
            raise BadRow("Класс", "для обучающегося класс обязателен, например «5А»")
        if role == Role.TEACHER and class_key and class_key in self.leads:
            raise BadRow("Класс", f"у класса {class_key} уже есть классный руководитель (строка {self.leads[class_key]})")
        # The row is good: record it.
        self.unused(src, row, role)
        self.seen[(raw_id, role)] = src.line
        if person.snils:
            self.snils_seen[person.snils] = (raw_id, src.line)
        self.r.persons.setdefault(key, person)
        if class_key and class_key not in self.r.classes and role in (Role.STUDENT, Role.TEACHER):
            self.r.classes[class_key] = ClassIn(class_key, "", grade, letter, (), src, external=False)
        self.r.members.append(MemberIn(key, "", role, class_key if role == Role.STUDENT else None, src))
        if role == Role.TEACHER:
            self.r.subjects.append(SubjectsIn(key, "", tuple(split_list(str(row.get("Предметы") or ""), ";")), src))
            if class_key:
                self.leads[class_key] = src.line
                self.r.leads.append(LeadIn(key, class_key, src))
        if role == Role.PARENT:
            self.children.append((key, split_list(str(row.get("Дети") or ""), ";"), src))

    def unused(self, src: Src, row: dict, role: str) -> None:
        """A class, subjects or children given for a role that has none are not loaded: say so (issue #10)."""
        for column, roles in USED_BY:
            if row.get(column) and role not in roles:
                self.r.warn(src, column, f"«{row[column]}»: у роли «{Role(role).label}» нет значения «{column}» — "
                                         "значение не загружено, строка принята")

    def person(self, src: Src, row: dict, key: str) -> PersonIn:
        surname, name = str(row.get("Фамилия") or ""), str(row.get("Имя") or "")
        if not surname:
            raise BadRow("Фамилия", "не заполнено обязательное поле «Фамилия»")
        if not name:
            raise BadRow("Имя", "не заполнено обязательное поле «Имя»")
        snils = check("СНИЛС", validate_snils, str(row["СНИЛС"])) if row.get("СНИЛС") else None
        if snils and snils in self.snils_seen and self.snils_seen[snils][0] != row["ID"]:
            raise BadRow("СНИЛС", f"СНИЛС уже указан у ID «{self.snils_seen[snils][0]}» в строке {self.snils_seen[snils][1]}")
        birth_date = parse_date(row.get("Дата рождения"), "Дата рождения")
        # Issue #10: a wrong phone, e-mail or sex is dropped with a warning; the person is still loaded.
        optional = self.r.optional
        return PersonIn(
            key, surname, name, str(row.get("Отчество") or ""), snils=snils,
            email=optional(src, "E-mail", parse_email, str(row.get("E-mail") or "")),
            phone=optional(src, "Телефон", parse_phone, row.get("Телефон")),
            birth_date=birth_date, sex=optional(src, "Пол", parse_sex, row.get("Пол")), src=src,
        )

    def guardians(self):
        students = {m.person_key for m in self.r.members if m.role == Role.STUDENT}
        for parent, children, src in self.children:
            for child in children:
                if child in self.bad_ids:
                    bad = self.bad_ids[child]
                    self.r.problem(src, "Дети", f"зависит от ошибочной строки {bad.file}:{bad.line}", dependent=True)
                elif self.prefix + child not in students:
                    self.r.problem(src, "Дети", f"ребёнок с ID «{child}» не найден среди обучающихся в файле")
                else:
                    self.r.guards.append(GuardIn(parent, self.prefix + child, src))
