"""The class onboarding tracker (R23): for each student and parent of a class — registered, in the school,
confirmed by a parent (R21), in the class chats — with the school's deadline and who is still missing.

Who is on the list:
- students: active (not rejected) student memberships of the class, plus the people a pending join request
  asks to attach to the class as a student (R20, R22) — they are registered but not in the school yet;
- parents: the legal representatives (Guardianship) of those students, plus parent memberships of the class.

The columns:
- «Зарегистрирован» — the person has an account (User);
- «В школе» — an active, not rejected membership of the school in that role: a student's in this class, a
  parent's in this class or without a class (the roster gives parents no class);
- «Подтверждён» — a student: a parent gave ParentConsent for them in this school; a parent: gave it for a child
  of this class;
- «В чатах класса» — is a member (ChatMember mirror, by person or by their linked messenger id) of the class's
  students' chat (a student) or parents' chat (a parent); «нет чата» when the class has no such chat. A
  missing chat is the school's task, not the person's: it does not count against «подключён».

Everything for any number of classes is read in a fixed number of queries (the summary of a whole school costs
the same as one class). The deadline is a write: `deadline_set`.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from sreda.chats.models import (
    AccountStatus,
    Chat,
    ChatKind,
    ChatMember,
    MessengerAccount,
)
from sreda.core.active_role import ActiveRole
from sreda.core.audit import audit
from sreda.core.permissions import Action, can, require
from sreda.core.text import fold, full_name
from sreda.onboarding.models import (
    JoinRequest,
    JoinStatus,
    OnboardingDeadline,
    ParentConsent,
)
from sreda.orgs.models import Organisation, SchoolClass
from sreda.people.models import Confirmation, Guardianship, Membership
from sreda.people.roles import Role

STUDENT, PARENT = Role.STUDENT.value, Role.PARENT.value
ROLE_LABELS = {STUDENT: "Обучающийся", PARENT: "Законный представитель"}
COLUMNS = (
    ("registered", "Зарегистрирован"),
    ("joined", "В школе"),
    ("confirmed", "Подтверждён"),
    ("in_chats", "В чатах класса"),
)
CLASS_NOT_FOUND = "Класс не найден или недоступен в текущей роли."
NOT_CLASS_TEACHER = ("Подключение класса видит его классный руководитель. Вы не указаны классным руководителем "
                     "ни одного класса этой школы — если это ошибка, обратитесь к администратору ОО.")
DEADLINE_DENIED = "Срок подключения по приказу устанавливают администратор и руководитель ОО."


# --- who sees what ------------------------------------------------------------------------------------------

def leads_school(actor: ActiveRole | None, organisation: Organisation) -> bool:
    """The school's leaders (and the platform operator) see every class and set the deadline; a teacher sees
    only the class they lead."""
    return can(actor, Action.VIEW_ONBOARDING, organisation) and (actor.role != Role.TEACHER)


def latest_classes(organisation: Organisation) -> list[SchoolClass]:
    """The school's classes of its latest school year (the one with classes), «1А» … «11Б»; one query."""
    classes = list(SchoolClass.objects.filter(organisation=organisation)
                   .select_related("school_year", "class_teacher").order_by("-school_year__start", "grade", "letter"))
    if not classes:
        return []
    year_id = classes[0].school_year_id
    return [c for c in classes if c.school_year_id == year_id]


def visible_classes(*, actor: ActiveRole, organisation: Organisation) -> list[SchoolClass]:
    """The classes the active role may open in the tracker: all for the leaders, the led ones for a teacher."""
    if not can(actor, Action.VIEW_ONBOARDING, organisation):
        return []
    classes = latest_classes(organisation)
    if leads_school(actor, organisation):
        return classes
    membership = actor.membership
    person_id = membership.person_id if membership is not None and membership.person_id else \
        getattr(actor.person, "pk", None)
    return [c for c in classes if person_id and c.class_teacher_id == person_id]


def access_class(*, actor: ActiveRole, organisation: Organisation, class_id: int | None) -> SchoolClass:
    """One class the role may see; the same «not found» for a missing class, another school's and one the
    teacher does not lead."""
    for school_class in visible_classes(actor=actor, organisation=organisation):
        if school_class.pk == class_id:
            return school_class
    raise Http404(CLASS_NOT_FOUND)


# --- the deadline -------------------------------------------------------------------------------------------

def local_today(organisation: Organisation) -> date:
    """Today in the school's region (deadlines are days there, DOMAIN)."""
    try:
        zone = ZoneInfo(organisation.municipality.region.timezone)
    except (LookupError, ValueError, AttributeError):
        zone = None
    return timezone.localtime(timezone.now(), zone).date()


def deadline_of(organisation: Organisation) -> OnboardingDeadline | None:
    return OnboardingDeadline.objects.filter(organisation=organisation).first()


def is_overdue(deadline: OnboardingDeadline | None, organisation: Organisation, today: date | None = None) -> bool:
    """The deadline's day is over in the school's region."""
    return deadline is not None and deadline.deadline < (today or local_today(organisation))


@transaction.atomic
def deadline_set(*, actor: ActiveRole, organisation: Organisation, deadline: date | None,
                 order_title: str = "") -> OnboardingDeadline:
    """R23: the school order's date by which every student and parent should be connected, and the order's
    title («Приказ № 192 от 25.04.2024»). Setting it again replaces it."""
    require(actor, Action.VIEW_ONBOARDING, organisation)
    if not leads_school(actor, organisation):
        raise PermissionDenied(DEADLINE_DENIED)
    title = " ".join((order_title or "").split())
    errors = {}
    if deadline is None:
        errors["deadline"] = ["Укажите срок подключения — дату, например 30.04.2026."]
    if len(title) > 300:
        errors["order_title"] = ["Название приказа — не длиннее 300 знаков."]
    if errors:
        raise ValidationError(errors)
    previous = OnboardingDeadline.objects.select_for_update().filter(organisation=organisation).first()
    user = actor.user if actor.user is not None and getattr(actor.user, "pk", None) else None
    row, _ = OnboardingDeadline.objects.update_or_create(
        organisation=organisation,
        defaults={"deadline": deadline, "order_title": title, "updated_at": timezone.now(), "updated_by": user},
    )
    audit(actor=actor, action="onboarding.deadline_set", obj=row, organisation=organisation,
          details={"deadline": deadline.isoformat(), "order_title": title,
                   "previous": previous.deadline.isoformat() if previous else None})
    return row


# --- the rows -----------------------------------------------------------------------------------------------

@dataclass
class TrackerRow:
    person_id: int
    full_name: str
    sort_key: str
    role: str
    registered: bool = False
    joined: bool = False
    confirmed: bool = False
    in_chats: bool | None = None  # None: the class has no such chat («нет чата»)
    children: list[str] = field(default_factory=list)  # a parent's children in this class
    requested: bool = False  # on the list by a pending join request only

    @property
    def role_label(self) -> str:
        return ROLE_LABELS[self.role]

    @property
    def connected(self) -> bool:
        return self.registered and self.joined and self.confirmed and self.in_chats is not False

    @property
    def missing(self) -> list[str]:
        """What is still missing, in the columns' words."""
        labels = []
        if not self.registered:
            labels.append("не зарегистрирован")
        if not self.joined:
            labels.append("не в школе")
        if not self.confirmed:
            labels.append("не подтверждён")
        if self.in_chats is False:
            labels.append("не в чате класса")
        return labels


@dataclass
class Counts:
    students: int = 0
    parents: int = 0
    registered: int = 0
    joined: int = 0
    confirmed: int = 0
    in_chats: int = 0
    connected: int = 0

    @property
    def total(self) -> int:
        return self.students + self.parents

    @property
    def missing(self) -> int:
        return self.total - self.connected

    @property
    def percent(self) -> int:
        return round(100 * self.connected / self.total) if self.total else 0


def counts_of(rows: list[TrackerRow]) -> Counts:
    counts = Counts()
    for row in rows:
        if row.role == STUDENT:
            counts.students += 1
        else:
            counts.parents += 1
        counts.registered += row.registered
        counts.joined += row.joined
        counts.confirmed += row.confirmed
        counts.in_chats += bool(row.in_chats)
        counts.connected += row.connected
    return counts


def _sort(rows: dict[int, TrackerRow]) -> list[TrackerRow]:
    return sorted(rows.values(), key=lambda r: (r.sort_key, r.person_id))


def rows_for(*, organisation: Organisation, classes: list[SchoolClass]) -> dict[int, list[TrackerRow]]:
    """class id → its rows (students first, then parents, each by surname): 9 queries for any number of
    classes and people."""
    class_ids = [c.pk for c in classes]
    result: dict[int, list[TrackerRow]] = {pk: [] for pk in class_ids}
    if not class_ids:
        return result
    students: dict[int, dict[int, TrackerRow]] = defaultdict(dict)
    active = Membership.objects.active().exclude(confirmation=Confirmation.REJECTED)
    # 1. students of the classes
    for class_id, person_id, surname, name, patronymic, key, user_id in (
            active.filter(organisation=organisation, role=STUDENT, school_class_id__in=class_ids)
            .values_list("school_class_id", "person_id", "person__surname", "person__name", "person__patronymic",
                         "person__sort_key", "person__user__id")):
        students[class_id][person_id] = TrackerRow(person_id, full_name(surname, name, patronymic), key, STUDENT,
                                                   registered=user_id is not None, joined=True)
    # 2. people a pending join request would attach to the class as students (R20, R22)
    for class_id, person_id, surname, name, patronymic, key, user_id in (
            JoinRequest.objects.filter(organisation=organisation, status=JoinStatus.PENDING, role=STUDENT,
                                       school_class_id__in=class_ids)
            .values_list("school_class_id", "subject_id", "subject__surname", "subject__name", "subject__patronymic",
                         "subject__sort_key", "subject__user__id")):
        if person_id not in students[class_id]:
            students[class_id][person_id] = TrackerRow(person_id, full_name(surname, name, patronymic), key,
                                                       STUDENT, registered=user_id is not None, requested=True)
    class_of_student: dict[int, set[int]] = defaultdict(set)
    for class_id, rows in students.items():
        for person_id in rows:
            class_of_student[person_id].add(class_id)
    student_ids = list(class_of_student)
    # 3. their legal representatives
    parents: dict[int, dict[int, TrackerRow]] = defaultdict(dict)
    child_names = {pid: row.full_name for rows in students.values() for pid, row in rows.items()}
    parent_info: dict[int, tuple] = {}
    children_of: dict[int, list[int]] = defaultdict(list)
    for parent_id, child_id, surname, name, patronymic, key, user_id in (
            Guardianship.objects.filter(child_id__in=student_ids)
            .values_list("parent_id", "child_id", "parent__surname", "parent__name", "parent__patronymic",
                         "parent__sort_key", "parent__user__id")):
        parent_info[parent_id] = (full_name(surname, name, patronymic), key, user_id)
        children_of[parent_id].append(child_id)
    # 4. every active parent membership of the school: «в школе», and the parents of the class by membership
    parent_classes: dict[int, set[int | None]] = defaultdict(set)
    for person_id, class_id, surname, name, patronymic, key, user_id in (
            active.filter(organisation=organisation, role=PARENT)
            .filter(Q(person_id__in=list(parent_info)) | Q(school_class_id__in=class_ids))
            .values_list("person_id", "school_class_id", "person__surname", "person__name", "person__patronymic",
                         "person__sort_key", "person__user__id")):
        parent_classes[person_id].add(class_id)
        parent_info.setdefault(person_id, (full_name(surname, name, patronymic), key, user_id))
    for parent_id, (name, key, user_id) in parent_info.items():
        listed_in = {c for child in children_of.get(parent_id, ()) for c in class_of_student[child]}
        listed_in |= {c for c in parent_classes.get(parent_id, ()) if c in result}
        for class_id in listed_in:
            in_school = bool(parent_classes.get(parent_id, set()) & {class_id, None})
            parents[class_id][parent_id] = TrackerRow(
                parent_id, name, key, PARENT, registered=user_id is not None, joined=in_school,
                children=sorted(child_names[c] for c in children_of.get(parent_id, ())
                                if class_id in class_of_student[c]))
    # 5. consents (R21)
    consents = list(ParentConsent.objects.filter(organisation=organisation, child_id__in=student_ids)
                    .values_list("child_id", "parent_id"))
    for child_id, parent_id in consents:
        for class_id in class_of_student[child_id]:
            students[class_id][child_id].confirmed = True
            if parent_id in parents[class_id]:
                parents[class_id][parent_id].confirmed = True
    # 6–8. the class chats, who is in them, and the linked messenger ids of the people listed
    chats = list(Chat.objects.filter(organisation=organisation, school_class_id__in=class_ids,
                                     kind__in=[ChatKind.STUDENTS, ChatKind.PARENTS], archived_at__isnull=True)
                 .values_list("pk", "kind", "school_class_id"))
    chat_of = {(class_id, kind): pk for pk, kind, class_id in chats}
    members_by_person: dict[int, set[int]] = defaultdict(set)
    members_by_user: dict[str, set[int]] = defaultdict(set)
    linked: dict[int, str] = {}
    if chats:
        for chat_id, person_id, user_id in ChatMember.objects.filter(chat_id__in=[c[0] for c in chats]).values_list(
                "chat_id", "person_id", "user_id"):
            if person_id:
                members_by_person[person_id].add(chat_id)
            members_by_user[user_id].add(chat_id)
        people = set(student_ids) | set(parent_info)
        linked = dict(MessengerAccount.objects.filter(status=AccountStatus.LINKED, person_id__in=list(people))
                      .values_list("person_id", "user_id"))
    for class_id in class_ids:
        for kind, rows in ((ChatKind.STUDENTS, students[class_id]), (ChatKind.PARENTS, parents[class_id])):
            chat_id = chat_of.get((class_id, kind))
            for row in rows.values():
                if chat_id is None:
                    row.in_chats = None
                else:
                    row.in_chats = (chat_id in members_by_person.get(row.person_id, ())
                                    or chat_id in members_by_user.get(linked.get(row.person_id, ""), ()))
        result[class_id] = _sort(students[class_id]) + _sort(parents[class_id])
    return result


def class_rows(*, actor: ActiveRole, organisation: Organisation, school_class: SchoolClass) -> list[TrackerRow]:
    """The rows of one class the role may see (access_class first)."""
    require(actor, Action.VIEW_ONBOARDING, organisation)
    return rows_for(organisation=organisation, classes=[school_class])[school_class.pk]


class Show:
    ALL = ""
    MISSING = "missing"


def filter_rows(rows: list[TrackerRow], *, only_missing: bool = False, role: str = "", query: str = "") -> list[TrackerRow]:
    """«Только неподключённые», students or parents only, ФИО (case and «ё» ignored)."""
    words = fold(query).split()
    chosen = []
    for row in rows:
        if only_missing and row.connected:
            continue
        if role in ROLE_LABELS and row.role != role:
            continue
        if words:
            text = fold(row.full_name + " " + " ".join(row.children))
            if not all(word in text for word in words):
                continue
        chosen.append(row)
    return chosen


# --- the school's summary -----------------------------------------------------------------------------------

@dataclass
class SummaryRow:
    school_class: SchoolClass
    counts: Counts

    @property
    def class_teacher(self) -> str:
        teacher = self.school_class.class_teacher
        return teacher.full_name if teacher is not None else ""


def school_summary(*, actor: ActiveRole, organisation: Organisation) -> list[SummaryRow]:
    """Per class of the school (latest year): the counts of every column, % connected and how many are missing;
    a fixed number of queries for the whole school. Only for the school's leaders."""
    if not leads_school(actor, organisation):
        return []
    classes = latest_classes(organisation)
    rows = rows_for(organisation=organisation, classes=classes)
    return [SummaryRow(c, counts_of(rows[c.pk])) for c in classes]


def summary_total(summary: list[SummaryRow]) -> Counts:
    total = Counts()
    for row in summary:
        for name in ("students", "parents", "registered", "joined", "confirmed", "in_chats", "connected"):
            setattr(total, name, getattr(total, name) + getattr(row.counts, name))
    return total


def yes_no(value: bool | None) -> str:
    if value is None:
        return "нет чата"
    return "да" if value else "нет"


ROW_HEAD = ["ФИО", "Роль", "Ребёнок", "Зарегистрирован", "В школе", "Подтверждён", "В чатах класса",
            "Чего не хватает"]
SUMMARY_HEAD = ["Класс", "Классный руководитель", "Обучающихся", "Родителей", "Зарегистрированы", "В школе",
                "Подтверждены", "В чатах класса", "Подключены, %", "Не подключены"]


def row_cells(row: TrackerRow) -> list:
    return [row.full_name, row.role_label, ", ".join(row.children), yes_no(row.registered), yes_no(row.joined),
            yes_no(row.confirmed), yes_no(row.in_chats), ", ".join(row.missing) or "подключён"]


def summary_cells(row: SummaryRow) -> list:
    c = row.counts
    return [row.school_class.title, row.class_teacher, c.students, c.parents, c.registered, c.joined, c.confirmed,
            c.in_chats, c.percent, c.missing]
