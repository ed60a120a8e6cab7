"""OneRoster 1.1 CSV bulk files (a folder or a .zip) → a Roster.

Only what Sreda keeps is read: orgs, academic sessions, homeroom and scheduled classes,
users, enrollments, demographics. Rows with status «tobedeleted» are treated as absent.
"""
from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sreda.core.identifiers import validate_org_inn, validate_snils
from sreda.people.models import Sex
from sreda.people.roles import Role
from sreda.roster.parsers.base import (
    BadRow, ClassIn, GuardIn, LeadIn, MemberIn, OrgIn, PersonIn, Roster, SessionIn, Src, SubjectsIn,
    check, parse_class_title, parse_date, parse_email, parse_phone, split_list,
)

REQUIRED_FILES = ("manifest.csv", "orgs.csv", "academicSessions.csv", "classes.csv", "users.csv", "enrollments.csv")
REQUIRED_COLUMNS = {
    "manifest.csv": ("propertyName", "value"),
    "orgs.csv": ("sourcedId", "name", "type"),
    "academicSessions.csv": ("sourcedId", "title", "type", "startDate", "endDate"),
    "classes.csv": ("sourcedId", "title", "classType", "schoolSourcedId"),
    "users.csv": ("sourcedId", "role", "givenName", "familyName"),
    "enrollments.csv": ("classSourcedId", "userSourcedId", "role"),
    "demographics.csv": ("sourcedId",),
}
ORG_KINDS = {"state": "region", "district": "municipality", "local": "municipality", "school": "school"}
IGNORED_ORG_TYPES = {"national", "department"}
USER_ROLES = {
    "teacher": Role.TEACHER, "administrator": Role.ADMINISTRATOR, "aide": Role.STAFF, "student": Role.STUDENT,
    "parent": Role.PARENT, "guardian": Role.PARENT, "relative": Role.PARENT,
}
STAFF_ROLES = {Role.TEACHER, Role.ADMINISTRATOR, Role.STAFF}
SESSION_KINDS = {"schoolYear": "year", "term": "period", "semester": "period", "gradingPeriod": "period"}
SEXES = {"male": Sex.MALE, "female": Sex.FEMALE}


class FileSet:
    """Open the CSV files of a folder or a zip by their names."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.zip = zipfile.ZipFile(self.path) if self.path.is_file() else None
        if self.zip:
            self.names = {Path(n).name: n for n in self.zip.namelist() if not n.endswith("/")}
        else:
            self.names = {p.name: p for p in self.path.iterdir() if p.is_file()}

    def __contains__(self, name: str) -> bool:
        return name in self.names

    @contextmanager
    def open(self, name: str):
        if self.zip:
            raw = self.zip.open(self.names[name])
            with io.TextIOWrapper(raw, encoding="utf-8-sig", newline="") as fh:
                yield fh
        else:
            with open(self.names[name], encoding="utf-8-sig", newline="") as fh:
                yield fh

    def close(self):
        if self.zip:
            self.zip.close()


def rows(files: FileSet, name: str, roster: Roster, deleted: set | None = None) -> Iterator[tuple[Src, dict]]:
    """Rows of one file as dicts, skipping «tobedeleted»; a missing required column stops the import."""
    with files.open(name) as fh:
        reader = csv.reader(fh)
        header = [h.strip() for h in next(reader, [])]
        missing = [c for c in REQUIRED_COLUMNS[name] if c not in header]
        for column in missing:
            roster.problem(Src(name, 1), column, f"нет обязательного столбца «{column}»", fatal=True)
        if missing:
            return
        for line, values in enumerate(reader, start=2):
            if not any(values):
                continue
            row = dict(zip(header, map(str.strip, values)))
            if row.get("status", "").lower() == "tobedeleted":
                if deleted is not None:
                    deleted.add(row.get("sourcedId", ""))
                continue
            roster.rows += 1
            yield Src(name, line), row


def parse_sex(value: str, column: str) -> str | None:
    text = (value or "").strip().lower()
    if text and text not in SEXES:
        raise BadRow(column, f"пол «{value}»: ожидается male или female")
    return SEXES.get(text)


def required(row: dict, column: str) -> str:
    value = row.get(column, "")
    if not value:
        raise BadRow(column, f"не заполнено обязательное поле «{column}»")
    return value


def parse_oneroster(path: Path) -> Roster:
    roster = Roster(format="oneroster", snils_column="identifier")
    files = FileSet(path)
    try:
        for name in REQUIRED_FILES:
            if name not in files:
                roster.problem(Src(name, 0), "", f"в наборе OneRoster нет файла {name}", fatal=True)
        if roster.problems:
            return roster
        _Reader(roster, files).read()
    finally:
        files.close()
    return roster


class _Reader:
    def __init__(self, roster: Roster, files: FileSet):
        self.r = roster
        self.files = files
        self.deleted: set[str] = set()  # sourcedIds marked «tobedeleted»: rows about them are absent too
        self.bad_users: dict[str, Src] = {}
        self.bad_classes: dict[str, Src] = {}
        self.user_role: dict[str, str] = {}
        self.user_orgs: dict[str, list[str]] = {}
        self.agents: dict[str, tuple[list[str], Src]] = {}
        self.scheduled: dict[str, tuple[str, tuple[str, ...]]] = {}
        self.placement: dict[tuple[str, str], tuple[str, Src]] = {}  # (student, school) → (class, src)

    def read(self):
        list(rows(self.files, "manifest.csv", self.r))
        for step in (self.orgs, self.sessions, self.classes, self.users, self.enrollments, self.demographics):
            step()
            if any(p.fatal for p in self.r.problems):
                return
        self.memberships_and_guardians()

    def each(self, name: str):
        """Rows of a file; a BadRow raised by the caller's body is recorded by `bad()`."""
        seen: dict[str, int] = {}
        for src, row in rows(self.files, name, self.r, self.deleted):
            sid = row.get("sourcedId", "")
            if sid and sid in seen and name != "enrollments.csv":
                yield src, row, BadRow("sourcedId", f"sourcedId «{sid}» повторяется (впервые в строке {seen[sid]})")
                continue
            if sid:
                seen[sid] = src.line
            yield src, row, None

    def orgs(self):
        for src, row, dup in self.each("orgs.csv"):
            try:
                if dup:
                    raise dup
                kind_raw = required(row, "type")
                if kind_raw in IGNORED_ORG_TYPES:
                    continue
                if kind_raw not in ORG_KINDS:
                    raise BadRow("type", f"тип организации «{kind_raw}» не поддерживается (state, district, school)")
                kind = ORG_KINDS[kind_raw]
                identifier = row.get("identifier", "")
                if kind == "school" and identifier:
                    identifier = check("identifier", validate_org_inn, identifier)
                sid = required(row, "sourcedId")
                self.r.orgs[sid] = OrgIn(sid, kind, required(row, "name"), identifier, row.get("parentSourcedId", ""), src)
            except BadRow as bad:
                # Everything hangs on organisations: a bad one stops the import even with --skip-bad.
                self.r.problem(src, bad.column, bad.reason, fatal=True)

    def sessions(self):
        for src, row, dup in self.each("academicSessions.csv"):
            try:
                if dup:
                    raise dup
                kind = SESSION_KINDS.get(row.get("type", ""))
                if kind is None:
                    continue
                start = parse_date(row.get("startDate"), "startDate")
                end = parse_date(row.get("endDate"), "endDate")
                if start and end and start > end:
                    raise BadRow("endDate", "дата окончания раньше даты начала")
                sid = required(row, "sourcedId")
                self.r.sessions[sid] = SessionIn(
                    sid, kind, row.get("title", ""), start, end, row.get("parentSourcedId", ""), row.get("schoolYear", ""), src
                )
            except BadRow as bad:
                self.r.problem(src, bad.column, bad.reason, fatal=True)

    def school_of(self, value: str, column: str) -> str:
        org = self.r.orgs.get(value)
        if org is None or org.kind != "school":
            raise BadRow(column, f"организация «{value}» не найдена среди школ в orgs.csv")
        return value

    def classes(self):
        for src, row, dup in self.each("classes.csv"):
            sid = row.get("sourcedId", "")
            try:
                if dup:
                    raise dup
                sid = required(row, "sourcedId")
                school = self.school_of(required(row, "schoolSourcedId"), "schoolSourcedId")
                kind = row.get("classType", "")
                if kind == "homeroom":
                    grade, letter = parse_class_title(required(row, "title"), "title")
                    terms = tuple(split_list(row.get("termSourcedIds", ""), ","))
                    self.r.classes[sid] = ClassIn(sid, school, grade, letter, terms, src)
                elif kind == "scheduled":
                    self.scheduled[sid] = (school, tuple(split_list(row.get("subjects", ""), ",")))
                else:
                    raise BadRow("classType", f"тип класса «{kind}» не поддерживается (homeroom, scheduled)")
            except BadRow as bad:
                self.r.problem(src, bad.column, bad.reason)
                if sid:
                    self.bad_classes.setdefault(sid, src)

    def users(self):
        snils_seen: dict[str, int] = {}
        for src, row, dup in self.each("users.csv"):
            sid = row.get("sourcedId", "")
            warned = len(self.r.warnings)
            try:
                if dup:
                    raise dup
                sid = required(row, "sourcedId")
                role_raw = required(row, "role")
                role = USER_ROLES.get(role_raw)
                if role is None:
                    raise BadRow("role", f"роль «{role_raw}» неизвестна (teacher, administrator, aide, student, parent, guardian, relative)")
                orgs = [self.school_of(o, "orgSourcedIds") for o in split_list(row.get("orgSourcedIds", ""), ",")
                        if self.r.orgs.get(o) is None or self.r.orgs[o].kind == "school"]
                snils = check("identifier", validate_snils, row["identifier"]) if row.get("identifier") else None
                if snils and snils in snils_seen:
                    raise BadRow("identifier", f"СНИЛС уже указан в строке {snils_seen[snils]}")
                family, given = required(row, "familyName"), required(row, "givenName")
                # Issue #10: a wrong phone or e-mail is dropped with a warning; the user is still loaded.
                phone_column = "sms" if row.get("sms") else "phone"
                person = PersonIn(
                    sid, family, given, row.get("middleName", ""), snils=snils,
                    email=self.r.optional(src, "email", parse_email, row.get("email", "")),
                    phone=self.r.optional(src, phone_column, parse_phone, row.get(phone_column)), src=src,
                )
            except BadRow as bad:
                del self.r.warnings[warned:]  # a rejected row is an error; what it would have dropped is moot
                self.r.problem(src, bad.column, bad.reason)
                if sid and not (dup and sid in self.r.persons):
                    self.bad_users[sid] = src
                    self.r.frozen.add(sid)
                continue
            if snils:
                snils_seen[snils] = src.line
            self.r.persons[sid] = person
            self.user_role[sid] = role
            self.user_orgs[sid] = orgs
            agents = split_list(row.get("agentSourcedIds", ""), ",")
            if agents:
                self.agents[sid] = (agents, src)

    def dependent(self, src: Src, bad: Src, user: str | None = None):
        self.r.problem(src, "", f"зависит от ошибочной строки {bad.file}:{bad.line}", dependent=True)
        if user:
            self.r.frozen.add(user)

    def enrollments(self):
        leads: dict[str, int] = {}
        for src, row, _ in self.each("enrollments.csv"):
            user, cls = row.get("userSourcedId", ""), row.get("classSourcedId", "")
            if user in self.deleted or cls in self.deleted:
                continue
            if user in self.bad_users:
                self.dependent(src, self.bad_users[user])
                continue
            if cls in self.bad_classes:
                self.dependent(src, self.bad_classes[cls], user)
                continue
            try:
                if user not in self.r.persons:
                    raise BadRow("userSourcedId", f"пользователь «{user}» не найден в users.csv")
                if cls not in self.r.classes and cls not in self.scheduled:
                    raise BadRow("classSourcedId", f"класс «{cls}» не найден в classes.csv")
                self.enrol(src, row, user, cls, leads)
            except BadRow as bad:
                self.r.problem(src, bad.column, bad.reason)
                self.r.frozen.add(user)

    def enrol(self, src: Src, row: dict, user: str, cls: str, leads: dict[str, int]):
        role = row.get("role", "")
        user_role = self.user_role[user]
        if cls in self.scheduled:
            school, subjects = self.scheduled[cls]
            if role == "teacher" and user_role in STAFF_ROLES:
                self.r.members.append(MemberIn(user, school, user_role, None, src))
                if user_role == Role.TEACHER and subjects:
                    self.r.subjects.append(SubjectsIn(user, school, subjects, src))
            return
        homeroom = self.r.classes[cls]
        if role == "student":
            if user_role != Role.STUDENT:
                raise BadRow("role", f"«{user}» в users.csv не обучающийся, а зачислен в класс как student")
            placed = self.placement.get((user, homeroom.org_key))
            if placed and placed[0] != cls:
                raise BadRow("classSourcedId", f"обучающийся уже зачислен в другой класс этой школы (строка {placed[1].line})")
            self.placement[(user, homeroom.org_key)] = (cls, src)
        elif role == "teacher" and user_role in STAFF_ROLES:
            self.r.members.append(MemberIn(user, homeroom.org_key, user_role, None, src))
            if row.get("primary", "").lower() == "true":
                if cls in leads:
                    raise BadRow("primary", f"у класса уже есть классный руководитель (строка {leads[cls]})")
                leads[cls] = src.line
                self.r.leads.append(LeadIn(user, cls, src))

    def demographics(self):
        if "demographics.csv" not in self.files:
            return
        for src, row, dup in self.each("demographics.csv"):
            sid = row.get("sourcedId", "")
            person = self.r.persons.get(sid)
            if person is None:
                if sid and sid not in self.bad_users and sid not in self.deleted:  # issue #10: not silently
                    self.r.warn(src, "sourcedId", f"пользователь «{sid}» не найден в users.csv — дата рождения и "
                                                  "пол не загружены")
                continue
            try:
                if dup:
                    raise dup
                birth = parse_date(row.get("birthDate"), "birthDate")
            except BadRow as bad:
                self.r.problem(src, bad.column, bad.reason)
                continue
            sex = self.r.optional(src, "sex", parse_sex, row.get("sex", ""))
            person.birth_date = birth or person.birth_date
            person.sex = sex or person.sex

    def memberships_and_guardians(self):
        r = self.r
        for sid, role in self.user_role.items():
            if sid not in r.persons or role == Role.PARENT:
                continue
            schools = list(self.user_orgs[sid])
            for school in dict.fromkeys(schools):
                placed = self.placement.get((sid, school)) if role == Role.STUDENT else None
                r.members.append(MemberIn(sid, school, role, placed[0] if placed else None, r.persons[sid].src))
        for (sid, school), (cls, src) in self.placement.items():
            if school not in self.user_orgs.get(sid, ()):
                r.members.append(MemberIn(sid, school, Role.STUDENT, cls, src))
        for sid, (agents, src) in self.agents.items():
            own = self.user_role[sid]
            for agent in agents:
                if agent in self.deleted:
                    continue
                if agent in self.bad_users:
                    self.dependent(src, self.bad_users[agent])
                    continue
                if agent not in self.user_role:
                    r.problem(src, "agentSourcedIds", f"пользователь «{agent}» не найден в users.csv")
                    continue
                other = self.user_role[agent]
                if own == Role.STUDENT and other == Role.PARENT:
                    r.guards.append(GuardIn(agent, sid, src))
                elif own == Role.PARENT and other == Role.STUDENT:
                    r.guards.append(GuardIn(sid, agent, src))
        self.parent_memberships()

    def parent_memberships(self):
        """A parent belongs to the schools listed for them, else to the schools of their children."""
        r = self.r
        student_schools: dict[str, set[str]] = {}
        for m in r.members:
            if m.role == Role.STUDENT:
                student_schools.setdefault(m.person_key, set()).add(m.org_key)
        children: dict[str, set[str]] = {}
        for g in r.guards:
            children.setdefault(g.parent_key, set()).add(g.child_key)
        for sid, role in self.user_role.items():
            if role != Role.PARENT or sid not in r.persons:
                continue
            schools = set(self.user_orgs[sid])
            if not schools:
                for child in children.get(sid, ()):
                    schools |= student_schools.get(child, set())
            for school in sorted(schools):
                r.members.append(MemberIn(sid, school, Role.PARENT, None, r.persons[sid].src))
