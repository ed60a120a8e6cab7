"""The school-wide report of library access (R15): every teacher of a school and every member of its
«Педагоги. Доступ к УБ ЦОК», conditions 1–5 each ✓ or ✗ with the reason, the library's subjects they teach.

`access_report(organisation)` costs a fixed number of queries for the whole school (`school_records`), then
calls the same `decide` as the teacher's own page: the page, the XLSX file, the API and the CLI read it.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from sreda.access.models import AccessGroupMember
from sreda.access.selectors import UB_TSOK_GROUP_CODE
from sreda.core.active_role import ActiveRole, for_membership
from sreda.core.text import fold
from sreda.library.access import (
    ACCOUNT_NOT_CONFIRMED,
    NO_LESSONS_IN_SCHEDULE,
    NOT_A_TEACHER,
    NOT_IN_ACCESS_GROUP,
    PRIVATE_PERSON_ROLE,
    AccessResult,
    Reason,
    StaffRecord,
    decide,
    facts_for,
    school_records,
)
from sreda.orgs.models import Organisation
from sreda.people.models import Confirmation, Membership, Person
from sreda.people.roles import Role

# Conditions 1–5 of R15 as the report's columns (condition 6 is per course: the subjects column stands for it).
CONDITIONS: tuple[tuple[int, str, str], ...] = (
    (1, ACCOUNT_NOT_CONFIRMED, "Учётная запись и роль подтверждены"),
    (2, PRIVATE_PERSON_ROLE, "Вход как сотрудник школы"),
    (3, NOT_IN_ACCESS_GROUP, "В группе «Педагоги. Доступ к УБ ЦОК»"),
    (4, NOT_A_TEACHER, "Учитель школы"),
    (5, NO_LESSONS_IN_SCHEDULE, "Уроки в расписании"),
)
REPORT_CODES = tuple(code for _, code, _ in CONDITIONS)


@dataclass(frozen=True)
class Check:
    number: int
    code: str
    title: str
    reason: Reason | None  # None: the condition holds

    @property
    def ok(self) -> bool:
        return self.reason is None


@dataclass(frozen=True)
class Row:
    person: Person
    membership: Membership | None  # as whom the person was checked: their teacher role there, else another staff role
    roles: tuple[str, ...]  # their staff roles at the school, Russian labels
    result: AccessResult
    subjects: tuple[str, ...]  # subjects they teach that the library supports (R16)

    @property
    def allowed(self) -> bool:
        return self.result.allowed

    @property
    def reasons(self) -> tuple[Reason, ...]:
        """Conditions 1–5 that fail, in R15 order."""
        return tuple(r for r in self.result.reasons if r.code in REPORT_CODES)

    @property
    def checks(self) -> list[Check]:
        failing = {}
        for reason in self.result.reasons:
            failing.setdefault(reason.code, reason)
        return [Check(number, code, title, failing.get(code)) for number, code, title in CONDITIONS]

    def as_dict(self) -> dict:
        """The API and CLI shape: {"person_id", "full_name", "allowed", "reasons": [...]}."""
        return {"person_id": self.person.pk, "full_name": self.person.full_name, "allowed": self.allowed,
                "reasons": [reason.as_dict() for reason in self.reasons]}


def acting_membership(record: StaffRecord) -> Membership | None:
    """As whom a person is checked in the report: the teacher role at the school (a confirmed one first), else
    another staff role there; None for a group member who no longer works at the school."""
    def rank(m: Membership) -> tuple:
        return (m.role != Role.TEACHER, m.confirmation == Confirmation.REJECTED,
                m.confirmation != Confirmation.CONFIRMED, m.pk)
    return min(record.memberships, key=rank, default=None)


def _row(record: StaffRecord, organisation: Organisation) -> Row:
    acting = acting_membership(record)
    label = for_membership(acting).label if acting is not None else ""
    result = decide(facts_for(record, organisation=organisation, acting=acting, active_label=label))
    roles = tuple(dict.fromkeys(m.get_role_display() for m in record.memberships))
    subjects = tuple(sorted((s.name for s in record.subjects.values() if s.supported), key=fold))
    return Row(person=record.person, membership=acting, roles=roles, result=result, subjects=subjects)


def access_report(organisation: Organisation, *, on: date | None = None) -> list[Row]:
    """R15 for the whole school: its teachers (active «Учитель» roles, confirmed or not) and anyone else in
    its «Педагоги. Доступ к УБ ЦОК», by ФИО. A fixed number of queries (seven) for any number of people.
    The caller checks who may read it (Action.VIEW_LIBRARY_ACCESS)."""
    on = on or timezone.localdate()
    records = school_records(organisation, on=on, with_subjects=True)
    wanted = [r for r in records.values() if r.in_group or any(m.role == Role.TEACHER for m in r.memberships)]
    wanted.sort(key=lambda r: (r.person.sort_key, r.person.pk))
    return [_row(record, organisation) for record in wanted]


def report_people(organisation: Organisation, *, on: date | None = None, query: str = "") -> QuerySet[Person]:
    """Who `access_report` lists, by ФИО, as a queryset: the API pages through it in the database and builds
    rows for one page only (`access_rows`). `query`: words of the ФИО (case and «ё» ignored)."""
    on = on or timezone.localdate()
    teacher = Membership.objects.active(on).filter(organisation=organisation, role=Role.TEACHER, person=OuterRef("pk"))
    in_group = AccessGroupMember.objects.filter(group__code=UB_TSOK_GROUP_CODE, organisation=organisation,
                                                removed_at__isnull=True, person=OuterRef("pk"))
    people = Person.objects.filter(Q(Exists(teacher)) | Q(Exists(in_group)))
    for word in fold(query).split():
        people = people.filter(sort_key__contains=word)
    return people.order_by("sort_key", "pk")


def access_rows(organisation: Organisation, people: list[Person], *, on: date | None = None) -> list[Row]:
    """The report's rows for `people` (a page of `report_people`), in their order: the same fixed number of
    queries as `access_report`, whatever the page."""
    on = on or timezone.localdate()
    records = school_records(organisation, on=on, person_ids=[person.pk for person in people], with_subjects=True)
    return [_row(records[person.pk], organisation) for person in people if person.pk in records]


def filter_rows(rows: list[Row], *, query: str = "", refused_only: bool = False) -> list[Row]:
    """«Только без доступа» and the search by ФИО (case and «ё» ignored)."""
    words = fold(query).split()
    return [row for row in rows
            if (not refused_only or not row.allowed) and all(word in row.person.sort_key for word in words)]


def report_actor(row: Row) -> ActiveRole | None:
    """The active role the row was evaluated in (for checks against `library_access_for`)."""
    return for_membership(row.membership) if row.membership is not None else None


# --- XLSX: the page's columns ------------------------------------------------------------------------------

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def report_header() -> list[str]:
    return ["ФИО", "Роли в школе", *(f"{n}. {title}" for n, _, title in CONDITIONS),
            "Предметы библиотеки, которые ведёт", "Доступ к библиотеке"]


def report_cells(row: Row) -> list[str]:
    """One line of the file: ✓, or ✗ with the reason and who fixes it, per condition."""
    checks = [("✓" if c.ok else f"✗ {c.reason.message} Кто исправит: {c.reason.fixed_by}.") for c in row.checks]
    return [row.person.full_name, ", ".join(row.roles), *checks, ", ".join(row.subjects),
            "да" if row.allowed else "нет"]


def report_xlsx(rows: list[Row]) -> bytes:
    from sreda.stats.exports import workbook  # the platform's one XLSX layout (bold header, frozen first row)

    return workbook("Доступ к библиотеке", report_header(), [report_cells(row) for row in rows])


def report_filename(organisation: Organisation) -> str:
    return f"dostup-biblioteka-{organisation.inn}-{timezone.localdate().isoformat()}.xlsx"
