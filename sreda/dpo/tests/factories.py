"""Builders for «Организация ДПО» tests: a school with its people, a DPO program with a group, applications."""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date, timedelta

from django.utils import timezone

from sreda.core.testing import active_role_of, make_member, make_organisation, make_person
from sreda.dpo.models import Application, DpoOrganisation, Group, Program, StudyForm
from sreda.dpo.statuses import Status
from sreda.people.roles import Role

_seq = itertools.count(1)


@dataclass
class School:
    organisation: object
    teacher: object
    teacher_membership: object
    director: object
    director_membership: object

    @property
    def region(self):
        return self.organisation.municipality.region

    def as_teacher(self):
        return active_role_of(self.teacher, self.teacher_membership)

    def as_director(self):
        return active_role_of(self.director, self.director_membership)


def make_school(*, municipality=None, teacher_email: str = "", short_name: str | None = None) -> School:
    organisation = make_organisation(municipality=municipality, **({"short_name": short_name} if short_name else {}))
    n = next(_seq)
    teacher, tm = make_member(role=Role.TEACHER, organisation=organisation, person=make_person(
        surname=f"Войсковая{n}", name="Юлия", patronymic="Олеговна", email=teacher_email))
    director, dm = make_member(role=Role.DIRECTOR, organisation=organisation, confirmation="confirmed",
                               person=make_person(surname=f"Петров{n}", name="Пётр", patronymic="Иванович"))
    return School(organisation, teacher, tm, director, dm)


def make_centre(region):
    """The regional centre: a regional operator of the region («Сотрудник центра»)."""
    user, membership = make_member(role=Role.REGIONAL_OPERATOR, region=region, person=make_person(
        surname=f"Центрова{next(_seq)}", name="Ольга", patronymic="Сергеевна"))
    return active_role_of(user, membership)


def make_group(*, region=None, capacity: int = 25, program_name: str | None = None, name: str | None = None,
               starts_on: date | None = None, study_form: str = StudyForm.MIXED) -> Group:
    n = next(_seq)
    organisation = DpoOrganisation.objects.create(
        name="Областное государственное бюджетное учреждение «Челябинский центр оценки профессионального "
             "мастерства и квалификаций педагогов»", short_name=f"ОГБУ ЧЦОПМКП {n}", region=region)
    program = Program.objects.create(
        organisation=organisation, name=program_name or f"Диагностика личностно-профессионального развития {n}",
        description="Программа для участников кадрового резерва", competences="Управленческие компетенции",
        listener_categories="Руководители и заместители", study_form=study_form, hours=36)
    starts_on = starts_on or timezone.localdate() + timedelta(days=30)
    return Group.objects.create(program=program, name=name or f"Диагностика. Кадровый резерв {n}",
                                starts_on=starts_on, ends_on=starts_on + timedelta(days=4), capacity=capacity)


def make_application(*, school: School, group: Group, status: str = Status.NEW, person=None,
                     membership=None) -> Application:
    """An application as if applied and moved to `status` (no history: tests of the machine use services)."""
    person = person or school.teacher.person
    application = Application(group=group, applicant=person, membership=membership or school.teacher_membership,
                              organisation=school.organisation, status=status)
    application.fill_search_text(applicant_name=person.full_name, program_name=group.program.name)
    application.save()
    return application
