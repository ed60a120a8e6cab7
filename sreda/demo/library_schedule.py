"""The demo schedule (R14): reporting periods of the current school year when the demo has none (the
четверти, common to all schools), and published lessons of every teacher of the demo schools over the
current period — one a week for each of their classes and subjects. Idempotent: a school that already has
lessons is left alone."""
from __future__ import annotations

import zlib
from datetime import date, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from sreda.core.active_role import ActiveRole
from sreda.core.audit import audit
from sreda.library.models import LessonSource, ScheduleLesson
from sreda.library.schedule import current_school_year
from sreda.orgs.models import Organisation, ReportingPeriod, SchoolClass, SchoolYear
from sreda.people.models import Membership
from sreda.people.roles import Role


def _quarters(year: SchoolYear) -> list[tuple[str, date, date]]:
    y = year.start.year
    quarters = [("1 четверть", date(y, 9, 1), date(y, 10, 26)), ("2 четверть", date(y, 11, 3), date(y, 12, 28)),
                ("3 четверть", date(y + 1, 1, 12), date(y + 1, 3, 22)), ("4 четверть", date(y + 1, 3, 30), date(y + 1, 5, 31))]
    return [(title, max(start, year.start), min(end, year.end)) for title, start, end in quarters]


def _current_period(periods: list[ReportingPeriod], today: date) -> ReportingPeriod | None:
    """The period containing today, else the last one begun before today, else the first."""
    containing = [p for p in periods if p.start <= today <= p.end]
    if containing:
        return containing[0]
    begun = [p for p in periods if p.start <= today]
    return begun[-1] if begun else (periods[0] if periods else None)


def _school_plan(school: Organisation, year: SchoolYear) -> list[tuple[int, int, int]]:
    """(teacher, class, subject) for the school's teachers: the classes they are linked to and their homeroom
    (else two classes of the school); each with every subject they teach."""
    teachers = (Membership.objects.active().filter(organisation=school, role=Role.TEACHER)
                .prefetch_related("subjects"))
    homerooms = dict(SchoolClass.objects.filter(organisation=school, school_year=year, class_teacher__isnull=False)
                     .values_list("class_teacher_id", "pk"))
    classes_of: dict[int, set[int]] = {}
    subjects_of: dict[int, set[int]] = {}
    for m in teachers:
        if m.school_class_id:
            classes_of.setdefault(m.person_id, set()).add(m.school_class_id)
        subjects_of.setdefault(m.person_id, set()).update(s.pk for s in m.subjects.all())
    year_classes = sorted(SchoolClass.objects.filter(organisation=school, school_year=year).values_list("pk", flat=True))
    if not year_classes:
        return []
    plan = []
    for person_id, subject_ids in subjects_of.items():
        classes = (classes_of.get(person_id, set()) | {homerooms.get(person_id)}) & set(year_classes)
        if not classes:  # the roster keeps only class teachers: give the others two classes of the school
            first = zlib.crc32(str(person_id).encode()) % len(year_classes)
            classes = {year_classes[first], year_classes[(first + 1) % len(year_classes)]}
        plan += [(person_id, class_id, subject_id) for class_id in sorted(classes) for subject_id in sorted(subject_ids)]
    return plan


@transaction.atomic
def ensure(actor: ActiveRole) -> str | None:
    today = timezone.localdate()
    year = current_school_year(today)
    if year is None:
        return None
    done = []
    if not ReportingPeriod.objects.filter(school_year=year).exists():
        for title, start, end in _quarters(year):
            ReportingPeriod.objects.create(school_year=year, organisation=None, title=title, start=start, end=end)
        done.append("отчётные периоды (четверти)")
    schools = Organisation.objects.filter(classes__school_year=year).distinct().order_by("pk")
    now = timezone.now()
    created = 0
    for school in schools:
        if ScheduleLesson.objects.filter(organisation=school).exists():
            continue
        periods = list(ReportingPeriod.objects.filter(Q(organisation=school) | Q(organisation__isnull=True),
                                                      school_year=year).order_by("start"))
        period = _current_period(periods, today)
        if period is None:
            continue
        lessons = []
        for teacher_id, class_id, subject_id in _school_plan(school, year):
            seed = zlib.crc32(f"{teacher_id}-{class_id}-{subject_id}".encode())
            weekday, number = seed % 5, 1 + seed // 5 % 6
            monday = period.start - timedelta(days=period.start.weekday())
            while monday <= period.end:
                day = monday + timedelta(days=weekday)
                if period.start <= day <= period.end:
                    lessons.append(ScheduleLesson(
                        organisation=school, day=day, number=number, school_class_id=class_id, subject_id=subject_id,
                        teacher_id=teacher_id, source=LessonSource.MANUAL, published_at=now, created_at=now,
                        updated_at=now, external_id=f"demo-{teacher_id}-{class_id}-{subject_id}-{day.isoformat()}"))
                monday += timedelta(days=7)
        ScheduleLesson.objects.bulk_create(lessons, batch_size=1000, ignore_conflicts=True)
        created += len(lessons)
        if lessons:
            audit(actor=actor, action="demo.schedule_lessons", organisation=school, details={"lessons": len(lessons)})
    if created:
        done.append(f"{created} опубликованных уроков")
    if not done:
        return None
    return "Расписание: " + ", ".join(done) + "."
