"""Builders for the joining and parent tests (R20–R22): a school with an administrator, a class teacher,
class 5А with its roster (students with birth dates and their parents), and people who ask to join."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sreda.core.testing import (
    active_role_of,
    make_class,
    make_member,
    make_membership,
    make_organisation,
    make_person,
    make_user,
)
from sreda.onboarding import joining
from sreda.orgs.models import Organisation, SchoolClass
from sreda.people.models import Guardianship, Membership, MembershipOrigin, Person, User
from sreda.people.roles import Role

BORN = date(2014, 3, 8)


@dataclass
class School:
    organisation: Organisation
    admin: User
    admin_membership: Membership
    teacher: User
    teacher_membership: Membership
    class_5a: SchoolClass
    class_5b: SchoolClass
    roster: list[Person]

    @property
    def admin_role(self):
        return active_role_of(self.admin, self.admin_membership)

    @property
    def teacher_role(self):
        return active_role_of(self.teacher, self.teacher_membership)


def roster_student(school_class: SchoolClass, *, surname: str, name: str = "Пётр", patronymic: str = "Ильич",
                   birth_date: date | None = BORN) -> Person:
    person = make_person(surname=surname, name=name, patronymic=patronymic, birth_date=birth_date, snils=None)
    make_membership(person=person, role=Role.STUDENT, organisation=school_class.organisation,
                    school_class=school_class, origin=MembershipOrigin.ROSTER)
    return person


def make_school(*, students: int = 3, **kw) -> School:
    organisation = make_organisation(**kw)
    admin, admin_m = make_member(role=Role.ADMINISTRATOR, organisation=organisation,
                                 person=make_person(surname="Соколов", name="Пётр", patronymic="Андреевич"))
    teacher, teacher_m = make_member(role=Role.TEACHER, organisation=organisation,
                                     person=make_person(surname="Смирнова", name="Мария", patronymic="Ивановна",
                                                        birth_date=date(1985, 1, 2)))
    class_5a = make_class(organisation=organisation, grade=5, letter="А", class_teacher=teacher.person)
    class_5b = make_class(organisation=organisation, grade=5, letter="Б")
    roster = [roster_student(class_5a, surname=f"Орлов{i}") for i in range(students)]
    return School(organisation, admin, admin_m, teacher, teacher_m, class_5a, class_5b, roster)


def make_requester(*, surname: str = "Новиков", name: str = "Пётр", patronymic: str = "Ильич",
                   birth_date: date | None = BORN) -> User:
    """A signed-up person with an own account and a person of their own (not yet the school's)."""
    return make_user(person=make_person(surname=surname, name=name, patronymic=patronymic, birth_date=birth_date,
                                        account_confirmed=True))


def private(user: User):
    return active_role_of(user)


def student_request(school: School, user: User, *, school_class: SchoolClass | None = None, **typed):
    person = user.person
    data = {"surname": person.surname, "name": person.name, "patronymic": person.patronymic,
            "birth_date": person.birth_date}
    data.update(typed)
    return joining.join_request_send(actor=private(user), organisation=school.organisation, role=Role.STUDENT,
                                     school_class=school_class or school.class_5a, **data)


def parent_with_child(child: User) -> User:
    parent = make_requester(surname="Новикова", name="Ольга", patronymic="Петровна", birth_date=date(1988, 5, 5))
    Guardianship.objects.create(parent=parent.person, child=child.person)
    return parent


def joined_student(school: School, *, surname: str = "Орлов0") -> User:
    """A roster student who has an account (joined through an approved request)."""
    roster = Person.objects.get(surname=surname)
    user = make_user(person=roster)
    return user


def test_the_builders_make_a_class_with_its_roster(db):
    school = make_school(students=2)
    assert school.class_5a.title == "5А"
    assert Membership.objects.filter(school_class=school.class_5a, role=Role.STUDENT).count() == 2
