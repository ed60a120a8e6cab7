"""Builders shared by the schedule tests (R14): a school of the current school year with a class, two
subjects, two teachers, an administrator and a reporting period around today. No tests here."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from django.utils import timezone

from sreda.core.testing import make_class, make_member, make_membership, make_organisation, make_person, make_school_year
from sreda.library.models import ScheduleLesson
from sreda.orgs.models import Organisation, ReportingPeriod, SchoolClass, SchoolYear, Subject
from sreda.orgs.school_year import school_year_start, school_year_title
from sreda.people.models import Membership, Person, User
from sreda.people.roles import Role

PETROVA_SNILS = "11223344595"


@dataclass
class School:
    organisation: Organisation
    year: SchoolYear
    school_class: SchoolClass
    maths: Subject
    russian: Subject
    petrova: Person
    smirnov: Person
    admin: User
    admin_membership: Membership
    period: ReportingPeriod | None


def this_year() -> SchoolYear:
    return make_school_year(school_year_title(school_year_start(timezone.localdate())))


def build_school(*, short_name: str = "МБОУ СОШ № 7", with_period: bool = True, external: str = "",
                 snils: str | None = PETROVA_SNILS) -> School:
    year = this_year()
    organisation = make_organisation(short_name=short_name)
    school_class = make_class(organisation=organisation, grade=5, letter="А", school_year=year,
                              external_id=f"{external}cls-5a" if external else None)
    maths, _ = Subject.objects.get_or_create(name="Математика", defaults={"supported": True})
    russian, _ = Subject.objects.get_or_create(name="Русский язык", defaults={"supported": True})
    petrova = make_person(surname="Петрова", name="Мария", patronymic="Ивановна",
                          snils=snils if not external else None,
                          external_id=f"{external}t-petrova" if external else None)
    smirnov = make_person(surname="Смирнов", name="Иван", patronymic="Андреевич")
    for person in (petrova, smirnov):
        make_membership(person=person, role=Role.TEACHER, organisation=organisation)
    admin, admin_membership = make_member(role=Role.ADMINISTRATOR, organisation=organisation)
    period = None
    if with_period:
        today = timezone.localdate()
        period = ReportingPeriod.objects.create(school_year=year, organisation=organisation, title="Текущий период",
                                                start=max(year.start, today - timedelta(days=30)),
                                                end=min(year.end, today + timedelta(days=30)))
    return School(organisation, year, school_class, maths, russian, petrova, smirnov, admin, admin_membership, period)


def add_lesson(school: School, *, day: date | None = None, teacher: Person | None = None, number: int = 1,
               published: bool = False) -> ScheduleLesson:
    return ScheduleLesson.objects.create(organisation=school.organisation, day=day or timezone.localdate(),
                                         number=number, school_class=school.school_class, subject=school.maths,
                                         teacher=teacher or school.petrova,
                                         published_at=timezone.now() if published else None)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "uploads"
    return settings.MEDIA_ROOT
