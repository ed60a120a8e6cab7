"""Lessons a teacher assigns to a class, and the students who open them (R18).

Writes: `assignment_create` (a teacher with library access, R15, to a class they teach) and
`assignment_open` (a student of that class opens it: every opening is a row). Reads: the teacher's
assignments with how many students opened each, who opened one and when, and a student's own list.
Objects are reached only through `access_*` functions: the active role first, one «not found» for missing
and forbidden (no existence leaks).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Exists, IntegerField, Max, Min, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from sreda.core.active_role import ActiveRole
from sreda.core.audit import audit
from sreda.core.permissions import Action, require
from sreda.core.school import parse_int
from sreda.core.text import parse_day
from sreda.library.access import AccessResult, library_access_for
from sreda.library.models import Assignment, AssignmentKind, AssignmentView, CatalogueItem, ScheduleLesson
from sreda.orgs.models import Organisation, SchoolClass
from sreda.people.confirmation import region_zone
from sreda.people.models import Membership, Person
from sreda.people.roles import Role

ASSIGNMENT_NOT_FOUND = "Назначенный урок не найден или недоступен в текущей роли."
ITEM_NOT_FOUND = "Урок каталога не найден."
NOT_YOUR_CLASS = ("Вы не ведёте уроки в классе «{title}» этой школы: назначать можно только своим классам "
                  "(по расписанию). Если класс ваш, попросите администратора школы проверить расписание.")
CLASS_REQUIRED = "Выберите класс, которому назначить урок."
KIND_INVALID = "Выберите вид работы: «Классная работа» или «Домашняя работа»."
DAY_REQUIRED = "Укажите дату, на которую назначен урок (например, 20.11.2025)."
DAY_IN_PAST = "Дата {day} уже прошла: назначить урок можно на сегодня ({today}) или позже."
NO_PERSON = "Назначать уроки может только учитель, вошедший под своей учётной записью."
NO_CLASS = ("У вашей роли обучающегося не указан класс. Его указывает администратор школы; до этого "
            "назначенные уроки не видны.")


class AccessRefused(PermissionDenied):
    """R15 refused the teacher: carries the result so that a page can list every reason and who fixes it."""

    def __init__(self, result: AccessResult):
        self.result = result
        reasons = " ".join(reason.message for reason in result.reasons)
        super().__init__(f"Библиотека недоступна: {reasons}")


def school_today(organisation: Organisation) -> date:
    """Today in the school's region's time zone (DOMAIN: days are local to the region)."""
    return timezone.localdate(timezone=ZoneInfo(region_zone(organisation)))


def _acting_person(actor: ActiveRole) -> Person | None:
    person = actor.person
    if person is None and actor.membership is not None and actor.membership.person_id:
        person = actor.membership.person  # an API token bound to a person's role
    return person


# --- the teacher's side ----------------------------------------------------------------------------------


def teacher_classes(*, person: Person, organisation: Organisation, on: date | None = None) -> QuerySet[SchoolClass]:
    """The classes a teacher teaches at a school: the classes of their lessons in its schedule, of the school
    years still running."""
    on = on or school_today(organisation)
    taught = ScheduleLesson.objects.filter(teacher=person, organisation=organisation).values("school_class_id")
    return (SchoolClass.objects.filter(pk__in=taught, organisation=organisation, school_year__end__gte=on)
            .order_by("grade", "letter", "pk"))


def access_item(*, item_id) -> CatalogueItem:
    item = CatalogueItem.objects.select_related("course__subject", "subject").filter(pk=item_id).first()
    if item is None:
        raise Http404(ITEM_NOT_FOUND)
    return item


def assign_access(*, actor: ActiveRole, item: CatalogueItem) -> AccessResult:
    """ASSIGN_LESSONS in the active role, then R15 live for this item's course."""
    require(actor, Action.ASSIGN_LESSONS, actor.organisation)
    return library_access_for(_acting_person(actor), actor, course=item.course)


@transaction.atomic
def assignment_create(*, actor: ActiveRole, item: CatalogueItem, school_class_id, kind: str, day) -> Assignment:
    """R18: the teacher assigns a catalogue lesson to one of their classes as class work or homework for a
    date (today or later). Refused (nothing stored) unless R15 allows the item's course."""
    access = assign_access(actor=actor, item=item)
    person = _acting_person(actor)
    if person is None:
        raise PermissionDenied(NO_PERSON)
    if not access.allowed:
        raise AccessRefused(access)
    organisation = actor.organisation
    errors: dict[str, str] = {}
    school_class = None
    class_pk = parse_int(school_class_id)
    if class_pk is None:
        errors["school_class"] = CLASS_REQUIRED
    else:
        school_class = teacher_classes(person=person, organisation=organisation).filter(pk=class_pk).first()
        if school_class is None:
            other = SchoolClass.objects.filter(pk=class_pk, organisation=organisation).first()
            errors["school_class"] = NOT_YOUR_CLASS.format(title=other.title if other else str(class_pk))
    if kind not in AssignmentKind.values:
        errors["kind"] = KIND_INVALID
    parsed = parse_day(day)
    today = school_today(organisation)
    if parsed is None:
        errors["day"] = DAY_REQUIRED
    elif parsed < today:
        errors["day"] = DAY_IN_PAST.format(day=f"{parsed:%d.%m.%Y}", today=f"{today:%d.%m.%Y}")
    if errors:
        raise ValidationError(errors)
    assignment = Assignment.objects.create(item=item, organisation=organisation, school_class=school_class,
                                           teacher=person, kind=kind, day=parsed)
    audit(actor=actor, action="library.assignment_create", obj=assignment, organisation=organisation,
          details={"item": item.pk, "class": school_class.title, "kind": kind, "day": parsed.isoformat()})
    return assignment


def class_sizes() -> Subquery:
    """The number of students of the assignment's class today (for «открыли 3 из 25»)."""
    students = (Membership.objects.active().filter(role=Role.STUDENT, school_class=OuterRef("school_class"))
                .order_by().values("school_class").annotate(n=Count("person", distinct=True)).values("n"))
    return Coalesce(Subquery(students, output_field=IntegerField()), Value(0))


def teacher_assignments(*, actor: ActiveRole, class_id=None, day_from: date | None = None,
                        day_to: date | None = None) -> QuerySet[Assignment]:
    """The active teacher's assignments at their school, newest date first, each with the number of
    students who opened it and the class size. Two queries per page whatever the number of rows."""
    require(actor, Action.ASSIGN_LESSONS, actor.organisation)
    person = _acting_person(actor)
    if person is None:
        return Assignment.objects.none()
    rows = Assignment.objects.filter(teacher=person, organisation_id=actor.organisation_id)
    if parse_int(class_id) is not None:
        rows = rows.filter(school_class_id=parse_int(class_id))
    if day_from:
        rows = rows.filter(day__gte=day_from)
    if day_to:
        rows = rows.filter(day__lte=day_to)
    return (rows.select_related("item__subject", "school_class")
            .annotate(opened=Count("views__student", distinct=True), class_size=class_sizes())
            .order_by("-day", "-id"))


def access_assignment(*, actor: ActiveRole, assignment_id) -> Assignment:
    """The active teacher's own assignment; «not found» for anyone else's or a missing one."""
    require(actor, Action.ASSIGN_LESSONS, actor.organisation)
    person = _acting_person(actor)
    assignment = (Assignment.objects.select_related("item__subject", "item__course", "school_class", "organisation")
                  .filter(pk=parse_int(assignment_id), teacher=person, organisation_id=actor.organisation_id).first()
                  if person is not None and parse_int(assignment_id) is not None else None)
    if assignment is None:
        raise Http404(ASSIGNMENT_NOT_FOUND)
    return assignment


@dataclass(frozen=True)
class Opening:
    """One student of the class and their openings of an assignment (R18)."""

    student: Person
    count: int
    first: datetime | None
    last: datetime | None


def assignment_openings(*, assignment: Assignment) -> list[Opening]:
    """Every student of the class (and anyone who opened it and has since left the class), with the number
    of openings and the first and last one; those who opened first, in order of the first opening. Two
    queries."""
    stats = {row["student_id"]: row for row in AssignmentView.objects.filter(assignment=assignment)
             .values("student_id").order_by().annotate(n=Count("id"), first=Min("opened_at"), last=Max("opened_at"))}
    in_class = Membership.objects.active().filter(role=Role.STUDENT, school_class=assignment.school_class_id)
    people = Person.objects.filter(pk__in=set(stats) | set(in_class.values_list("person_id", flat=True)))
    result = []
    for person in people:
        row = stats.get(person.pk)
        result.append(Opening(student=person, count=row["n"] if row else 0, first=row["first"] if row else None,
                              last=row["last"] if row else None))
    result.sort(key=lambda o: (o.first is None, o.first or timezone.now(), person_order(o.student)))
    return result


def person_order(person: Person):
    return (getattr(person, "sort_key", "") or person.full_name, person.pk)


# --- the student's side ----------------------------------------------------------------------------------


def _student_class_id(actor: ActiveRole) -> int:
    require(actor, Action.VIEW_ASSIGNMENTS, actor.organisation)
    class_id = actor.membership.school_class_id if actor.membership is not None else None
    if not class_id:
        raise PermissionDenied(NO_CLASS)
    return class_id


def student_assignments(*, actor: ActiveRole) -> QuerySet[Assignment]:
    """R18: the lessons assigned to the active student's own class, newest date first, each marked opened
    (by this student) or new."""
    class_id = _student_class_id(actor)
    person = _acting_person(actor)
    mine = AssignmentView.objects.filter(assignment=OuterRef("pk"), student=person)
    return (Assignment.objects.filter(school_class_id=class_id, organisation_id=actor.organisation_id)
            .select_related("item__subject", "teacher", "school_class")
            .annotate(opened=Exists(mine)).order_by("-day", "-id"))


def access_student_assignment(*, actor: ActiveRole, assignment_id) -> Assignment:
    """An assignment of the active student's class; «not found» for another class's (R18)."""
    class_id = _student_class_id(actor)
    assignment = (Assignment.objects.select_related("item__subject", "item__course", "teacher", "school_class")
                  .filter(pk=parse_int(assignment_id), school_class_id=class_id, organisation_id=actor.organisation_id)
                  .first() if parse_int(assignment_id) is not None else None)
    if assignment is None:
        raise Http404(ASSIGNMENT_NOT_FOUND)
    return assignment


def assignment_open(*, actor: ActiveRole, assignment: Assignment) -> AssignmentView:
    """R18: a student opened the lesson — every opening is recorded (R19 counts the students who did)."""
    person = _acting_person(actor)
    if person is None:
        raise PermissionDenied(NO_PERSON)
    access_student_assignment(actor=actor, assignment_id=assignment.pk)
    return AssignmentView.objects.create(assignment=assignment, student=person,
                                         organisation_id=assignment.organisation_id)
