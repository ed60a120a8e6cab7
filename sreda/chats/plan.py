"""The desired chats of a school, computed from the roster (R24, R27) — the contract; the computation is
filled in by the plan part.

`school_plan(organisation)` reads the roster in a fixed number of queries, whatever the size of the school;
`plans_for(ids)` does the same for many schools at once. The difference from the messenger is in chats/diff.py."""
from __future__ import annotations

import gc
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date

from django.db.models import FilteredRelation, Q
from django.utils import timezone

from sreda.chats.models import AccountStatus, Chat, ChatKind
from sreda.core.text import full_name
from sreda.orgs.models import Organisation, SchoolClass, SchoolYear
from sreda.people.models import Confirmation, Guardianship, Membership, Person
from sreda.people.roles import Role


@dataclass(frozen=True)
class PlannedMember:
    person_id: int
    full_name: str
    role: str  # Role value
    user_id: str | None  # the linked messenger id (R27); None — not linked, so not invited

    @property
    def linked(self) -> bool:
        return self.user_id is not None


@dataclass(frozen=True)
class PlannedChat:
    key: str  # «staff», «parents:<class id>», «students:<class id>», «subject:<class id>:<subject id>:<teacher id>»
    kind: str  # ChatKind value
    title: str
    read_only: bool
    class_id: int | None = None
    class_title: str | None = None
    members: tuple[PlannedMember, ...] = field(default_factory=tuple)
    # What the school should fix, for the plan page («Классный руководитель не привязал мессенджер»); "" — nothing
    warning: str = ""
    warning_hint: str = ""

    def as_dict(self) -> dict:
        """The CLI/API shape of `chats plan --json`."""
        return {"kind": self.kind, "class": self.class_title, "title": self.title, "read_only": self.read_only,
                "members": [{"person_id": m.person_id, "full_name": m.full_name, "role": m.role,
                             "linked": m.linked} for m in self.members]}


@dataclass
class ChatDiff:
    """What a sync must do to one chat: everything empty/False — nothing."""

    key: str
    title: str
    create: bool = False
    rename: bool = False
    read_only: bool | None = None  # the new setting, when it changes
    add: list[str] = field(default_factory=list)  # user ids
    remove: list[str] = field(default_factory=list)
    archive: bool = False
    unarchive: bool = False  # the room is archived but the chat is planned again (a reopened subject chat)
    archive_title: str = ""  # with `archive`: the title the archived room gets (diff.archived_title)

    @property
    def empty(self) -> bool:
        return not (self.create or self.rename or self.read_only is not None or self.add or self.remove
                    or self.archive or self.unarchive)


# --- the computation ---------------------------------------------------------------------------------------

STAFF_ROLE_ORDER = (Role.DIRECTOR, Role.ADMINISTRATOR, Role.TEACHER, Role.STAFF)
STUDENT, PARENT, TEACHER, DIRECTOR = Role.STUDENT.value, Role.PARENT.value, Role.TEACHER.value, Role.DIRECTOR.value
ROLE_RANK = {Role.DIRECTOR.value: 0, Role.ADMINISTRATOR.value: 1, TEACHER: 2, Role.STAFF.value: 3, PARENT: 4, STUDENT: 5}
STAFF_TITLE_DIRECTOR_LINKED = "Учительская"
STAFF_TITLE = "Сотрудники"
TEACHER_UNLINKED = "Классный руководитель не привязал мессенджер"
TEACHER_UNLINKED_HINT = ("{name} не входит в чат, пока не привяжет мессенджер (страница «Мессенджер», /chats/link/); "
                         "родители и ученики остаются в чате. Либо назначьте классу другого классного руководителя.")
NO_TEACHER = "У класса нет классного руководителя"
NO_TEACHER_HINT = ("Чат остаётся у родителей и учеников; назначьте классного руководителя в карточке класса — "
                   "когда он привяжет мессенджер, синхронизация добавит его в чат.")


def staff_key() -> str:
    return "staff"


def class_key(kind: str, class_id: int) -> str:
    return f"{kind}:{class_id}"


def subject_key(class_id: int, subject_id: int, teacher_id: int) -> str:
    return f"subject:{class_id}:{subject_id}:{teacher_id}"


def current_school_year(on: date | None = None) -> SchoolYear | None:
    on = on or timezone.localdate()
    return SchoolYear.objects.filter(start__lte=on, end__gte=on).order_by("-start").first()


def current_classes(organisation_ids, *, year: SchoolYear | None) -> list[SchoolClass]:
    if year is None:
        return []
    return list(SchoolClass.objects.filter(organisation_id__in=organisation_ids, school_year=year)
                .order_by("organisation_id", "grade", "letter", "pk"))


def school_plan(organisation: Organisation, *, on: date | None = None) -> list[PlannedChat]:
    """The chats the school should have today (R24, R27, R28), in a fixed number of queries (7)."""
    return plans_for([organisation.pk], on=on)[organisation.pk]


@contextmanager
def gc_paused():
    """Building a region's plan makes about a million small objects; the cyclic collector would walk them all again
    and again while they are made (none of them are cycles). Paused for the build, restored after."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def plans_for(organisation_ids, *, on: date | None = None) -> dict[int, list[PlannedChat]]:
    """Plans of several schools at once (the region bench, the district view): still 7 queries in all."""
    with gc_paused():
        return _plans_for(organisation_ids, on=on)


def _plans_for(organisation_ids, *, on: date | None) -> dict[int, list[PlannedChat]]:
    on = on or timezone.localdate()
    ids = list(organisation_ids)
    year = current_school_year(on)
    classes = current_classes(ids, year=year)
    class_by_id = {c.pk: c for c in classes}
    active = (Membership.objects.active(on).filter(organisation_id__in=ids).exclude(confirmation=Confirmation.REJECTED)
              .annotate(account=_linked_account("person__messenger_accounts")))
    staff_rows = list(active.filter(role__in=STAFF_ROLE_ORDER)
                      .values_list("organisation_id", "person_id", "role", "person__surname", "person__name",
                                   "person__patronymic", "account__user_id"))
    students_q = active.filter(role=Role.STUDENT, school_class__school_year=year)
    student_rows = list(students_q.values_list("school_class_id", "person_id", "person__surname", "person__name",
                                               "person__patronymic", "account__user_id")) if classes else []
    guardian_rows = list(Guardianship.objects.filter(child_id__in=students_q.values("person_id"))
                         .annotate(account=_linked_account("parent__messenger_accounts"))
                         .values_list("parent_id", "child_id", "parent__surname", "parent__name",
                                      "parent__patronymic", "account__user_id")) if classes else []
    teachers_q = (SchoolClass.objects.filter(organisation_id__in=ids, school_year=year, class_teacher__isnull=False)
                  .values("class_teacher_id"))
    teacher_rows = list(Person.objects.filter(pk__in=teachers_q).annotate(account=_linked_account("messenger_accounts"))
                        .values_list("pk", "surname", "name", "patronymic", "account__user_id")) if classes else []
    chat_rows = list(Chat.objects.filter(organisation_id__in=ids)
                     .annotate(account=_linked_account("created_by__messenger_accounts"))
                     .values_list("organisation_id", "key", "kind", "read_only", "closed_at", "school_class_id",
                                  "subject_id", "subject__name", "created_by_id", "created_by__surname",
                                  "created_by__name", "created_by__patronymic", "room_id", "archived_at",
                                  "account__user_id"))
    # person id → linked messenger id (R27), read along with the rows above (one linked account per person)
    linked = {row[1]: row[-1] for rows in (staff_rows, student_rows) for row in rows if row[-1]}
    linked.update((row[0], row[-1]) for rows in (guardian_rows, teacher_rows) for row in rows if row[-1])
    linked.update((row[8], row[-1]) for row in chat_rows if row[-1])
    teacher_names = {row[0]: full_name(*row[1:4]) for row in teacher_rows}
    return _assemble(ids, classes=classes, class_by_id=class_by_id, staff_rows=staff_rows, student_rows=student_rows,
                     guardian_rows=guardian_rows, teacher_names=teacher_names, linked=linked, chat_rows=chat_rows)


def _linked_account(relation: str) -> FilteredRelation:
    """A LEFT JOIN to the person's linked messenger account (at most one, by constraint)."""
    return FilteredRelation(relation, condition=Q(**{f"{relation}__status": AccountStatus.LINKED}))


def _member(person_id, surname, name, patronymic, role: str, linked) -> PlannedMember:
    return PlannedMember(person_id, full_name(surname, name, patronymic), role, linked.get(person_id))


def _sorted(members: dict[int, PlannedMember]) -> tuple[PlannedMember, ...]:
    return tuple(sorted(members.values(), key=lambda m: (ROLE_RANK.get(m.role, 9), m.full_name.casefold(),
                                                         m.person_id)))


def _assemble(ids, *, classes, class_by_id, staff_rows, student_rows, guardian_rows, teacher_names, linked,
              chat_rows) -> dict[int, list[PlannedChat]]:
    staff: dict[int, dict[int, PlannedMember]] = defaultdict(dict)
    director_linked: dict[int, bool] = defaultdict(bool)
    for org_id, person_id, role, surname, name, patronymic, _account in staff_rows:
        current = staff[org_id].get(person_id)
        if current is None or ROLE_RANK[role] < ROLE_RANK[current.role]:
            staff[org_id][person_id] = _member(person_id, surname, name, patronymic, role, linked)
        if role == DIRECTOR and person_id in linked:
            director_linked[org_id] = True
    students: dict[int, dict[int, PlannedMember]] = defaultdict(dict)
    class_of_student: dict[int, set[int]] = defaultdict(set)
    account = linked.get  # the two loops below run once per student and parent of a region: kept lean
    for class_id, person_id, surname, name, patronymic, _account in student_rows:
        students[class_id][person_id] = PlannedMember(
            person_id, f"{surname} {name} {patronymic}" if patronymic else f"{surname} {name}", STUDENT,
            account(person_id))
        class_of_student[person_id].add(class_id)
    parents: dict[int, dict[int, PlannedMember]] = defaultdict(dict)
    for parent_id, child_id, surname, name, patronymic, _account in guardian_rows:
        for class_id in class_of_student.get(child_id, ()):
            parents[class_id][parent_id] = PlannedMember(
                parent_id, f"{surname} {name} {patronymic}" if patronymic else f"{surname} {name}", PARENT,
                account(parent_id))
    existing = {(row[0], row[1]): row for row in chat_rows}

    def read_only(org_id, key) -> bool:
        row = existing.get((org_id, key))
        return bool(row and row[3])

    def has_live_room(org_id, key) -> bool:
        """The chat has a room in the messenger that is not archived: it stays, whoever its class teacher is."""
        row = existing.get((org_id, key))
        return bool(row and row[12] and row[13] is None)

    def teacher_member(org_id, person_id) -> PlannedMember:
        as_staff = staff[org_id].get(person_id)
        if as_staff is not None:
            return as_staff
        return PlannedMember(person_id=person_id, full_name=teacher_names.get(person_id, ""), role=TEACHER,
                             user_id=linked.get(person_id))

    plans: dict[int, list[PlannedChat]] = {org_id: [] for org_id in ids}
    for org_id in ids:
        title = STAFF_TITLE_DIRECTOR_LINKED if director_linked[org_id] else STAFF_TITLE
        plans[org_id].append(PlannedChat(key=staff_key(), kind=ChatKind.STAFF.value, title=title,
                                         read_only=read_only(org_id, staff_key()), members=_sorted(staff[org_id])))
    for c in classes:  # already sorted by grade, letter
        teacher_linked = bool(c.class_teacher_id) and c.class_teacher_id in linked
        teacher = teacher_member(c.organisation_id, c.class_teacher_id) if c.class_teacher_id else None
        for kind, others, label in ((ChatKind.PARENTS, parents[c.pk], "родители"),
                                    (ChatKind.STUDENTS, students[c.pk], "ученики")):
            key = class_key(kind.value, c.pk)
            # R27: a class's chats appear once its class teacher's account is linked. The class teacher is a
            # member only while linked: when they unlink (or the class gets a teacher who has not linked), an
            # existing room is kept for the parents and students, without the teacher, and the plan says why.
            if not teacher_linked and not has_live_room(c.organisation_id, key):
                continue
            warning = hint = ""
            if teacher is None:
                warning, hint = NO_TEACHER, NO_TEACHER_HINT
            elif not teacher_linked:
                warning, hint = TEACHER_UNLINKED, TEACHER_UNLINKED_HINT.format(name=teacher.full_name)
            members = {**others, teacher.person_id: teacher} if teacher is not None else dict(others)
            plans[c.organisation_id].append(PlannedChat(
                key=key, kind=kind.value, title=f"{c.title} — {label}", read_only=read_only(c.organisation_id, key),
                class_id=c.pk, class_title=c.title, members=_sorted(members), warning=warning, warning_hint=hint))
    subject_chats = []
    for row in chat_rows:
        (org_id, key, kind, ro, closed_at, class_id, _subject_id, subject_name, teacher_id, surname, name,
         patronymic, _room_id, _archived_at, _account) = row
        if kind != ChatKind.SUBJECT or closed_at is not None or class_id not in class_by_id or not teacher_id:
            continue
        c, subject_name = class_by_id[class_id], subject_name or ""
        teacher = PlannedMember(person_id=teacher_id, full_name=full_name(surname, name, patronymic),
                                role=TEACHER, user_id=linked.get(teacher_id))
        members = {**students[class_id], teacher_id: teacher}
        subject_chats.append((c.grade, c.letter, subject_name.casefold(), teacher.full_name, org_id, PlannedChat(
            key=key, kind=kind, title=f"{c.title} — {subject_name}", read_only=bool(ro), class_id=class_id,
            class_title=c.title, members=_sorted(members))))
    for *_, org_id, chat in sorted(subject_chats, key=lambda t: t[:4]):
        plans[org_id].append(chat)
    return plans
