"""Builders for library tests: a teacher who passes every condition of R15, a student in a class, and the
reporting period that contains today. Shared by the catalogue, access and assignments tests; keep the names
stable."""
from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone

from sreda.access.models import AccessGroupMember
from sreda.access.tests.factories import ub_tsok_group  # survives the flush of transactional tests
from sreda.core.testing import make_member, make_membership, make_organisation, make_school_year, make_user
from sreda.orgs.models import Organisation, ReportingPeriod, SchoolClass, SchoolYear, Subject
from sreda.people.models import Confirmation, Membership, User
from sreda.people.roles import Role

DEFAULT_SUBJECT = "Математика"


def current_school_year(on: date | None = None) -> SchoolYear:
    """The school year (1 September – 31 August) that contains `on` (today by default)."""
    on = on or timezone.localdate()
    start = on.year if on.month >= 9 else on.year - 1
    return make_school_year(f"{start}/{start + 1}")


def current_period(organisation: Organisation | None = None) -> ReportingPeriod:
    """A reporting period of the current school year around today, for this school (R14); reused if present."""
    today = timezone.localdate()
    year = current_school_year(today)
    existing = ReportingPeriod.objects.filter(organisation=organisation, school_year=year,
                                              start__lte=today, end__gte=today).first()
    if existing:
        return existing
    return ReportingPeriod.objects.create(
        school_year=year, organisation=organisation, title="Текущая четверть",
        start=max(year.start, today - timedelta(days=30)), end=min(year.end, today + timedelta(days=30)),
    )


def school_class(organisation: Organisation, grade: int = 5, letter: str = "А") -> SchoolClass:
    """A class of the school in the current school year (created once)."""
    klass, _ = SchoolClass.objects.get_or_create(organisation=organisation, school_year=current_school_year(),
                                                 grade=grade, letter=letter)
    return klass


def _subject(value) -> Subject:
    if isinstance(value, Subject):
        return value
    subject, _ = Subject.objects.get_or_create(name=str(value), defaults={"supported": True})
    return subject


def teacher_with_access(organisation: Organisation | None = None, subjects=()) -> tuple[User, Membership]:
    """A teacher who passes all of R15: a confirmed «Учитель» membership teaching `subjects` (Subject objects or
    names; «Математика» when none), in «Педагоги. Доступ к УБ ЦОК» of the school, with a published lesson of
    each subject in the current reporting period."""
    organisation = organisation or make_organisation()
    user, membership = make_member(role=Role.TEACHER, organisation=organisation, confirmation=Confirmation.CONFIRMED)
    user.person.account_confirmed = True  # R15.1: a confirmed account (Госуслуги/ЕСИА)
    user.person.save(update_fields=["account_confirmed"])
    taught = [_subject(value) for value in (subjects or (DEFAULT_SUBJECT,))]
    membership.subjects.add(*taught)
    AccessGroupMember.objects.create(group=ub_tsok_group(),
                                     organisation=organisation, person=user.person)
    period = current_period(organisation)
    klass = school_class(organisation)
    day = min(max(timezone.localdate(), period.start), period.end)
    from sreda.library.models import ScheduleLesson

    for number, subject in enumerate(taught, start=1):
        ScheduleLesson.objects.create(organisation=organisation, day=day, number=number, school_class=klass,
                                      subject=subject, teacher=user.person, published_at=timezone.now())
    return user, membership


def student_in_class(klass: SchoolClass) -> tuple[User, Membership]:
    """A confirmed student of `klass` (R18: sees what is assigned to the class)."""
    user = make_user()
    membership = make_membership(person=user.person, role=Role.STUDENT, organisation=klass.organisation,
                                 school_class=klass, confirmation=Confirmation.CONFIRMED)
    return user, membership


def make_course(subject="Математика", grade: int = 5, title: str | None = None):
    """A catalogue course (R17) of a subject (object or name) for a grade."""
    from sreda.library.models import Course

    subject = _subject(subject)
    return Course.objects.create(title=title or f"{subject.name}. {grade} класс", subject=subject, grade=grade)


def make_item(course=None, title: str = "Сложение дробей", position: int = 1, content_types: str = "classwork",
              body: str = "<p>Текст урока.</p>", **kw):
    """A catalogue lesson of `course` (a new «Математика, 5 класс» course when none); grade/subject copied."""
    from sreda.library.models import CatalogueItem

    course = course or make_course()
    return CatalogueItem.objects.create(course=course, position=position, title=title, grade=course.grade,
                                        subject=course.subject, content_types=content_types, body=body, **kw)
