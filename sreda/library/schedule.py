"""The school's schedule (R14): lessons by week, adding, editing and deleting a lesson, reporting periods.

Every write takes the acting role first and checks MANAGE_SCHEDULE for the school. Any change of a lesson
unpublishes it (`published_at = None`): the library sees it again only after «Выгрузка МояШкола».
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from sreda.core.active_role import ActiveRole
from sreda.core.audit import audit
from sreda.core.permissions import Action, require
from sreda.library.models import LessonSource, ScheduleLesson
from sreda.orgs.models import Organisation, ReportingPeriod, SchoolClass, SchoolYear, Subject
from sreda.people.models import Membership, Person
from sreda.people.roles import Role

# --- reads ---------------------------------------------------------------------------------------------


def week_of(day: date) -> tuple[date, date]:
    """Monday and Sunday of the week containing `day` (weeks start on Monday)."""
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=6)


def lessons_for(*, organisation: Organisation, start: date | None = None, end: date | None = None,
                class_id: int | None = None, teacher_id: int | None = None,
                subject_id: int | None = None) -> QuerySet[ScheduleLesson]:
    """The school's lessons, optionally within [start, end] and filtered by class, teacher and subject."""
    qs = ScheduleLesson.objects.filter(organisation=organisation).select_related("school_class", "subject", "teacher")
    if start:
        qs = qs.filter(day__gte=start)
    if end:
        qs = qs.filter(day__lte=end)
    if class_id:
        qs = qs.filter(school_class_id=class_id)
    if teacher_id:
        qs = qs.filter(teacher_id=teacher_id)
    if subject_id:
        qs = qs.filter(subject_id=subject_id)
    return qs.order_by("day", "number", "school_class__grade", "school_class__letter", "pk")


def unpublished_count(organisation: Organisation) -> int:
    """Lessons added or changed since the last «Выгрузка МояШкола»."""
    return ScheduleLesson.objects.filter(organisation=organisation, published_at__isnull=True).count()


def school_teachers(organisation: Organisation, on: date | None = None) -> QuerySet[Person]:
    """People holding an active «Учитель» role at the school, sorted by ФИО."""
    ids = Membership.objects.active(on).filter(organisation=organisation, role=Role.TEACHER).values("person_id")
    return Person.objects.filter(pk__in=ids).order_by("sort_key", "pk")


def school_classes(organisation: Organisation) -> QuerySet[SchoolClass]:
    return (SchoolClass.objects.filter(organisation=organisation).select_related("school_year")
            .order_by("-school_year__start", "grade", "letter"))


def subjects() -> QuerySet[Subject]:
    return Subject.objects.order_by("name")


def current_school_year(on: date | None = None) -> SchoolYear | None:
    on = on or timezone.localdate()
    return SchoolYear.objects.filter(start__lte=on, end__gte=on).order_by("-start").first()


def periods_for(*, organisation: Organisation, school_year: SchoolYear | None) -> QuerySet[ReportingPeriod]:
    """The reporting periods that apply to the school in a school year: its own and the common ones."""
    if school_year is None:
        return ReportingPeriod.objects.none()
    return (ReportingPeriod.objects.filter(Q(organisation=organisation) | Q(organisation__isnull=True),
                                           school_year=school_year).order_by("start", "pk"))


# --- lessons --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LessonData:
    """A lesson as a form, a file row or an API item describes it, already matched to the school's records."""

    day: date
    school_class_id: int
    subject_id: int
    teacher_id: int
    number: int | None = None
    external_id: str | None = None
    source: str = LessonSource.MANUAL

    @property
    def key(self) -> tuple:
        return (self.day, self.number, self.school_class_id, self.subject_id, self.teacher_id)


def check_lesson(*, organisation: Organisation, day, school_class: SchoolClass | None, subject: Subject | None,
                 teacher: Person | None, number=None) -> dict[str, str]:
    """Field → reason for every way the lesson does not fit the school (empty when it fits)."""
    errors: dict[str, str] = {}
    if day is None:
        errors["day"] = "Укажите дату урока."
    if number is not None and not 0 <= number <= 20:
        errors["number"] = "Номер урока — число от 0 до 20."
    if school_class is None or school_class.organisation_id != organisation.pk:
        errors["school_class"] = "Класс не найден в этой школе."
    if subject is None:
        errors["subject"] = "Предмет не найден."
    if teacher is None or not school_teachers(organisation).filter(pk=teacher.pk).exists():
        errors["teacher"] = "Учитель не найден среди учителей этой школы."
    return errors


def _raise(errors: dict[str, str]) -> None:
    if errors:
        raise ValidationError({name: [reason] for name, reason in errors.items()})


@transaction.atomic
def lesson_save(*, actor: ActiveRole, organisation: Organisation, lesson: ScheduleLesson | None = None,
                day: date, school_class: SchoolClass, subject: Subject, teacher: Person,
                number: int | None = None) -> ScheduleLesson:
    """Add a lesson by hand, or change one; a changed lesson waits for the next «Выгрузка МояШкола»."""
    require(actor, Action.MANAGE_SCHEDULE, organisation)
    if lesson is not None and lesson.organisation_id != organisation.pk:
        raise ValidationError("Урок не найден в расписании этой школы.")
    _raise(check_lesson(organisation=organisation, day=day, school_class=school_class, subject=subject,
                        teacher=teacher, number=number))
    now = timezone.now()
    created = lesson is None
    if created:
        lesson = ScheduleLesson(organisation=organisation, source=LessonSource.MANUAL, created_at=now)
    lesson.day, lesson.number = day, number
    lesson.school_class, lesson.subject, lesson.teacher = school_class, subject, teacher
    lesson.published_at = None
    lesson.updated_at = now
    lesson.save()
    audit(actor=actor, action="library.lesson_add" if created else "library.lesson_edit", obj=lesson,
          organisation=organisation)
    return lesson


@transaction.atomic
def lesson_delete(*, actor: ActiveRole, organisation: Organisation, lesson: ScheduleLesson) -> None:
    require(actor, Action.MANAGE_SCHEDULE, organisation)
    if lesson.organisation_id != organisation.pk:
        raise ValidationError("Урок не найден в расписании этой школы.")
    audit(actor=actor, action="library.lesson_delete", obj=lesson, organisation=organisation)
    lesson.delete()


def access_lesson(*, actor: ActiveRole, organisation: Organisation, lesson_id: int | None) -> ScheduleLesson | None:
    """A lesson of the school, or None: one «not found» for missing and foreign."""
    require(actor, Action.MANAGE_SCHEDULE, organisation)
    if not lesson_id:
        return None
    return ScheduleLesson.objects.filter(pk=lesson_id, organisation=organisation).first()


@dataclass
class UpsertResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged, "errors": self.errors}


def lessons_upsert(*, actor: ActiveRole, organisation: Organisation, items: list[LessonData],
                   batch_size: int = 500) -> UpsertResult:
    """Write many checked lessons at once (a file, the API) in one transaction: matched by external id, else
    by (day, number, class, subject, teacher); a changed lesson is unpublished, an unchanged one keeps its
    publication. The caller matches and checks the items first (nothing is written when any is wrong)."""
    require(actor, Action.MANAGE_SCHEDULE, organisation)
    result = UpsertResult()
    existing = ScheduleLesson.objects.filter(organisation=organisation)
    ext_ids = [i.external_id for i in items if i.external_id]
    by_ext = {lesson.external_id: lesson for lesson in existing.filter(external_id__in=ext_ids)} if ext_ids else {}
    days = {i.day for i in items if not i.external_id}
    by_key: dict[tuple, ScheduleLesson] = {}
    if days:
        for lesson in existing.filter(day__in=days):
            by_key.setdefault((lesson.day, lesson.number, lesson.school_class_id, lesson.subject_id,
                               lesson.teacher_id), lesson)
    now = timezone.now()
    new: list[ScheduleLesson] = []
    changed: list[ScheduleLesson] = []
    seen: set = set()
    for item in items:
        marker = ("e", item.external_id) if item.external_id else ("k", item.key)
        if marker in seen:  # the same lesson twice in one file: once is enough
            result.unchanged += 1
            continue
        seen.add(marker)
        lesson = by_ext.get(item.external_id) if item.external_id else by_key.get(item.key)
        if lesson is None:
            new.append(ScheduleLesson(organisation=organisation, day=item.day, number=item.number,
                                      school_class_id=item.school_class_id, subject_id=item.subject_id,
                                      teacher_id=item.teacher_id, source=item.source, external_id=item.external_id,
                                      created_at=now, updated_at=now))
            continue
        current = (lesson.day, lesson.number, lesson.school_class_id, lesson.subject_id, lesson.teacher_id)
        if current == item.key:
            result.unchanged += 1
            continue
        (lesson.day, lesson.number, lesson.school_class_id, lesson.subject_id, lesson.teacher_id) = item.key
        lesson.published_at, lesson.updated_at = None, now
        changed.append(lesson)
    with transaction.atomic():
        ScheduleLesson.objects.bulk_create(new, batch_size=batch_size)
        ScheduleLesson.objects.bulk_update(changed, ["day", "number", "school_class_id", "subject_id", "teacher_id",
                                                     "published_at", "updated_at"], batch_size=batch_size)
        result.created, result.updated = len(new), len(changed)
        audit(actor=actor, action="library.schedule_upsert", organisation=organisation,
              details={"created": result.created, "updated": result.updated, "unchanged": result.unchanged})
    return result


# --- reporting periods ----------------------------------------------------------------------------------


def check_period(*, organisation: Organisation, school_year: SchoolYear | None, start: date | None,
                 end: date | None, period: ReportingPeriod | None = None) -> dict[str, str]:
    """Field → reason: dates present, start ≤ end, inside the school year, no overlap within the school."""
    errors: dict[str, str] = {}
    if start is None:
        errors["start"] = "Укажите начало периода."
    if end is None:
        errors["end"] = "Укажите окончание периода."
    if not errors and start > end:
        errors["end"] = "Окончание периода не может быть раньше начала."
    if not errors and school_year is None:
        errors["start"] = "Нет учебного года на эти даты: его заводит оператор платформы."
    if errors:
        return errors
    if start < school_year.start or end > school_year.end:
        errors["start"] = (f"Период должен лежать внутри учебного года {school_year.title} "
                           f"({school_year.start:%d.%m.%Y}–{school_year.end:%d.%m.%Y}).")
        return errors
    clash = periods_for(organisation=organisation, school_year=school_year).filter(start__lte=end, end__gte=start)
    if period is not None and period.pk:
        clash = clash.exclude(pk=period.pk)
    other = clash.first()
    if other is not None:
        errors["start"] = (f"Период пересекается с периодом «{other.title}» "
                           f"({other.start:%d.%m.%Y}–{other.end:%d.%m.%Y}).")
    return errors


@transaction.atomic
def period_save(*, actor: ActiveRole, organisation: Organisation, title: str, start: date, end: date,
                period: ReportingPeriod | None = None, school_year: SchoolYear | None = None) -> ReportingPeriod:
    """Add or change one of the school's own reporting periods (common ones are the operator's)."""
    require(actor, Action.MANAGE_SCHEDULE, organisation)
    if period is not None and period.organisation_id != organisation.pk:
        raise ValidationError("Общие отчётные периоды меняет оператор платформы.")
    school_year = school_year or (period.school_year if period else None) or current_school_year(start)
    errors = check_period(organisation=organisation, school_year=school_year, start=start, end=end, period=period)
    title = " ".join((title or "").split())
    if not title:
        errors["title"] = "Укажите название периода, например «1 четверть»."
    _raise(errors)
    created = period is None
    period = period or ReportingPeriod(organisation=organisation)
    period.school_year, period.title, period.start, period.end = school_year, title[:100], start, end
    period.save()
    audit(actor=actor, action="library.period_add" if created else "library.period_edit", obj=period,
          organisation=organisation)
    return period


def lessons_from_ids(*, organisation: Organisation, items: list[dict]) -> tuple[list[LessonData], list[dict]]:
    """API items (day, number, class_id, subject_id, teacher_id, external_id) checked against the school in a
    few queries; errors as {"index", "field", "reason"}."""
    class_ids = set(SchoolClass.objects.filter(organisation=organisation, pk__in={i["class_id"] for i in items})
                    .values_list("pk", flat=True))
    subject_ids = set(Subject.objects.filter(pk__in={i["subject_id"] for i in items}).values_list("pk", flat=True))
    teacher_ids = set(school_teachers(organisation).filter(pk__in={i["teacher_id"] for i in items})
                      .values_list("pk", flat=True))
    lessons, errors = [], []
    for index, item in enumerate(items):
        problems = []
        if item["class_id"] not in class_ids:
            problems.append(("class_id", "класс не найден в этой школе"))
        if item["subject_id"] not in subject_ids:
            problems.append(("subject_id", "предмет не найден"))
        if item["teacher_id"] not in teacher_ids:
            problems.append(("teacher_id", "учитель не найден среди учителей этой школы"))
        if item.get("number") is not None and not 0 <= item["number"] <= 20:
            problems.append(("number", "номер урока — число от 0 до 20"))
        errors += [{"index": index, "field": name, "reason": reason} for name, reason in problems]
        if not problems:
            lessons.append(LessonData(day=item["day"], number=item.get("number"), school_class_id=item["class_id"],
                                      subject_id=item["subject_id"], teacher_id=item["teacher_id"],
                                      external_id=item.get("external_id") or None, source=LessonSource.FILE))
    return lessons, errors
