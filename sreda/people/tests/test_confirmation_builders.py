"""Builders for the confirmation tests (R8, R9): a school with a confirmed director, teachers and students.

No tests here; the other test_confirmation*.py modules import these. `add_people_fast` writes thousands of
rows with bulk_create (the sort key computed as Person.save would) for the size tests and the benchmark.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from sreda.core.active_role import ActiveRole
from sreda.core.testing import (
    active_role_of, make_class, make_member, make_membership, make_municipality, make_organisation, make_person,
    make_region,
)
from sreda.orgs.models import Organisation, SchoolClass
from sreda.people.models import Confirmation, Membership, Person, User, person_sort_key
from sreda.people.roles import Role

_fast = itertools.count(1)


@dataclass
class School:
    organisation: Organisation
    director_user: User
    director: Membership
    classes: list[SchoolClass]
    teachers: list[Membership] = field(default_factory=list)
    students: list[Membership] = field(default_factory=list)

    @property
    def actor(self) -> ActiveRole:
        return active_role_of(self.director_user, self.director)

    @property
    def region(self):
        return self.organisation.municipality.region

    @property
    def members(self) -> list[Membership]:
        return [*self.teachers, *self.students]


def make_school(*, teachers: int = 2, students: int = 3, director_confirmed: bool = True, municipality=None,
                **kw) -> School:
    """A school in its own district (or `municipality`) with classes 5А and 5Б, a director (confirmed by the
    regional operator unless told otherwise), `teachers` teachers and `students` students in 5А."""
    municipality = municipality or make_municipality(region=make_region())
    organisation = make_organisation(municipality=municipality, **kw)
    director_user, director = make_member(
        role=Role.DIRECTOR, organisation=organisation,
        confirmation=Confirmation.CONFIRMED if director_confirmed else None,
        person=make_person(surname="Директорова", name="Галина", patronymic="Ивановна"),
    )
    classes = [make_class(organisation=organisation, letter="А"), make_class(organisation=organisation, letter="Б")]
    school = School(organisation=organisation, director_user=director_user, director=director, classes=classes)
    school.teachers = [make_membership(person=make_person(name="Мария"), role=Role.TEACHER, organisation=organisation)
                       for _ in range(teachers)]
    school.students = [make_membership(person=make_person(name="Пётр"), role=Role.STUDENT, organisation=organisation,
                                       school_class=classes[0]) for _ in range(students)]
    return school


def add_member(school: School, *, surname: str, name: str, patronymic: str = "", role: str = Role.STUDENT,
               school_class: SchoolClass | None = None, **kw) -> Membership:
    """One named teacher or student (for search and filter tests)."""
    person = make_person(surname=surname, name=name, patronymic=patronymic)
    if role == Role.STUDENT and school_class is None:
        school_class = school.classes[0]
    membership = make_membership(person=person, role=role, organisation=school.organisation,
                                 school_class=school_class if role == Role.STUDENT else None, **kw)
    (school.students if role == Role.STUDENT else school.teachers).append(membership)
    return membership


def add_people_fast(*, organisation: Organisation, school_class: SchoolClass, students: int,
                    teachers: int = 0) -> list[int]:
    """`students` students of `school_class` and `teachers` teachers, pending, in a few bulk inserts;
    returns their membership ids."""
    batch = next(_fast)
    people = []
    for i in range(students + teachers):
        surname, name, patronymic = f"Фамилия{batch}x{i:05d}", "Имя", "Отчество"
        people.append(Person(surname=surname, name=name, patronymic=patronymic,
                             sort_key=person_sort_key(surname, name, patronymic)))
    people = Person.objects.bulk_create(people, batch_size=500)
    if any(p.pk is None for p in people):  # backends without RETURNING: read the ids back
        by_key = dict(Person.objects.filter(surname__startswith=f"Фамилия{batch}x").values_list("surname", "pk"))
        for p in people:
            p.pk = by_key[p.surname]
    memberships = [
        Membership(person_id=p.pk, organisation=organisation,
                   role=Role.STUDENT if i < students else Role.TEACHER,
                   school_class=school_class if i < students else None)
        for i, p in enumerate(people)
    ]
    Membership.objects.bulk_create(memberships, batch_size=500)
    return list(Membership.objects.filter(person__surname__startswith=f"Фамилия{batch}x").values_list("pk", flat=True))
