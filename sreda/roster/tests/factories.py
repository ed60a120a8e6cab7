"""Builders of roster files for tests: OneRoster 1.1 CSV sets and the plain template."""
from __future__ import annotations

import csv
import random
import zipfile
from pathlib import Path

from sreda.core.identifiers import make_org_inn, make_snils

HEADERS = {
    "manifest.csv": "propertyName,value",
    "orgs.csv": "sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId",
    "academicSessions.csv": "sourcedId,status,dateLastModified,title,type,startDate,endDate,parentSourcedId,schoolYear",
    "classes.csv": "sourcedId,status,dateLastModified,title,grades,courseSourcedId,classCode,classType,location,"
                   "schoolSourcedId,termSourcedIds,subjects,subjectCodes,periods",
    "users.csv": "sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,userIds,givenName,"
                 "familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password",
    "enrollments.csv": "sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,role,primary,"
                       "beginDate,endDate",
    "demographics.csv": "sourcedId,status,dateLastModified,birthDate,sex",
}
TEMPLATE_HEADER = ["ID", "Фамилия", "Имя", "Отчество", "Дата рождения", "Пол", "СНИЛС", "E-mail", "Телефон", "Роль",
                   "Класс", "Предметы", "Дети"]
rng = random.Random(2025)


def snils() -> str:
    return make_snils(rng)


def inn() -> str:
    return make_org_inn(rng, "78")


class OneRoster:
    """A OneRoster set in memory; `write()` puts it in a folder, `zip()` in an archive."""

    def __init__(self):
        self.files: dict[str, list[dict]] = {name: [] for name in HEADERS}
        self.files["manifest.csv"] = [{"propertyName": "manifest.version", "value": "1.0"},
                                      {"propertyName": "oneroster.version", "value": "1.1"}]
        self.enrolments = 0

    def add(self, file: str, /, **row) -> OneRoster:
        self.files[file].append({k: str(v) for k, v in row.items()})
        return self

    def org(self, sid, type, name, identifier="", parent=""):
        return self.add("orgs.csv", sourcedId=sid, name=name, type=type, identifier=identifier, parentSourcedId=parent)

    def session(self, sid, type, title, start, end, parent="", year="2026"):
        return self.add("academicSessions.csv", sourcedId=sid, title=title, type=type, startDate=start, endDate=end,
                        parentSourcedId=parent, schoolYear=year)

    def homeroom(self, sid, title, school, terms="y2026"):
        return self.add("classes.csv", sourcedId=sid, title=title, classType="homeroom", schoolSourcedId=school, termSourcedIds=terms)

    def scheduled(self, sid, title, school, subjects, terms="y2026"):
        return self.add("classes.csv", sourcedId=sid, title=title, classType="scheduled", schoolSourcedId=school,
                        termSourcedIds=terms, subjects=subjects)

    def user(self, sid, role, family, given, middle="", orgs="", identifier="", email="", phone="", agents="", status=""):
        return self.add("users.csv", sourcedId=sid, status=status, enabledUser="true", orgSourcedIds=orgs, role=role,
                        givenName=given, familyName=family, middleName=middle, identifier=identifier, email=email,
                        phone=phone, agentSourcedIds=agents)

    def enrol(self, cls, user, role, primary="false", school=""):
        self.enrolments += 1
        return self.add("enrollments.csv", sourcedId=f"e{self.enrolments}", classSourcedId=cls, userSourcedId=user,
                        role=role, primary=primary, schoolSourcedId=school)

    def demographic(self, sid, birth, sex):
        return self.add("demographics.csv", sourcedId=sid, birthDate=birth, sex=sex)

    def drop(self, name: str, **match) -> OneRoster:
        self.files[name] = [r for r in self.files[name] if any(r.get(k) != v for k, v in match.items())]
        return self

    def change(self, name: str, sid: str, **values) -> OneRoster:
        for r in self.files[name]:
            if r.get("sourcedId") == sid:
                r.update({k: str(v) for k, v in values.items()})
        return self

    def write(self, dest: Path) -> Path:
        dest.mkdir(parents=True, exist_ok=True)
        for name, rows in self.files.items():
            if name == "demographics.csv" and not rows:
                continue
            header = HEADERS[name].split(",")
            with open(dest / name, "w", encoding="utf-8", newline="") as fh:
                writer = csv.DictWriter(fh, fieldnames=header)
                writer.writeheader()
                for row in rows:
                    writer.writerow({k: row.get(k, "") for k in header})
        return dest

    def zip(self, dest: Path) -> Path:
        folder = self.write(dest.with_suffix(""))
        with zipfile.ZipFile(dest, "w") as zf:
            for f in folder.iterdir():
                zf.write(f, f.name)
        return dest


def school_roster(*, school_inn: str, students: int = 2, school="sch1") -> OneRoster:
    """A region, a district and one school with two homerooms, a maths class, a teacher, students, a parent.

    Students s1..sN are in 5А (s1 has parent p1); teacher t1 leads 5А and teaches Математика.
    """
    r = OneRoster()
    r.org("reg78", "state", "Санкт-Петербург", "78").org("dist1", "district", "Калининский район", parent="reg78")
    r.org(school, "school", "ГБОУ СОШ № 1 Калининского района", school_inn, parent="dist1")
    r.session("y2026", "schoolYear", "2025/2026", "2025-09-01", "2026-08-31")
    r.session("t1", "term", "1 четверть", "2025-09-01", "2025-10-26", parent="y2026")
    r.homeroom("c5a", "5А", school).homeroom("c5b", "5Б", school)
    r.scheduled("math5a", "Математика 5А", school, "Математика")
    r.user("t1", "teacher", "Петрова", "Мария", "Ивановна", orgs=school, identifier=snils(), email="petrova@example.org",
           phone="+7 (921) 000-00-01")
    r.enrol("c5a", "t1", "teacher", primary="true").enrol("math5a", "t1", "teacher")
    for i in range(1, students + 1):
        r.user(f"s{i}", "student", f"Ученикова{i}", "Анна", "Сергеевна", orgs=school, identifier=snils())
        r.enrol("c5a", f"s{i}", "student").enrol("math5a", f"s{i}", "student")
    r.demographic("s1", "2014-03-05", "female")
    r.user("p1", "parent", "Ученикова1", "Ольга", "Петровна", orgs=school, agents="s1", phone="89210000002")
    return r


def write_template_csv(path: Path, rows: list[dict], *, encoding="utf-8", delimiter=",", bom=False) -> Path:
    with open(path, "w", encoding=("utf-8-sig" if bom else encoding), newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=TEMPLATE_HEADER, delimiter=delimiter)
        writer.writeheader()
        for row in rows:
            writer.writerow({k: row.get(k, "") for k in TEMPLATE_HEADER})
    return path


def write_template_xlsx(path: Path, rows: list[dict]) -> Path:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(TEMPLATE_HEADER)
    for row in rows:
        sheet.append([row.get(k, "") for k in TEMPLATE_HEADER])
    book.save(path)
    return path


def template_rows(n_students: int = 2) -> list[dict]:
    """A teacher leading 5А with two subjects, students of 5А, and the first student's parent."""
    rows = [{"ID": "T1", "Фамилия": "Петрова", "Имя": "Мария", "Отчество": "Ивановна", "СНИЛС": snils(),
             "E-mail": "petrova@example.org", "Телефон": "+7 921 000-00-01", "Роль": "Учитель", "Класс": "5А",
             "Предметы": "Математика; Информатика"}]
    for i in range(1, n_students + 1):
        rows.append({"ID": f"S{i}", "Фамилия": f"Ученикова{i}", "Имя": "Анна", "Отчество": "Сергеевна",
                     "Дата рождения": "05.03.2014", "Пол": "ж", "СНИЛС": snils(), "Роль": "Обучающийся", "Класс": "5А"})
    rows.append({"ID": "P1", "Фамилия": "Ученикова1", "Имя": "Ольга", "Отчество": "Петровна", "Телефон": "89210000002",
                 "Роль": "Законный представитель", "Дети": "S1"})
    return rows
