"""Builders for the page tests: a school with classes, students, parents and staff."""
from __future__ import annotations

from sreda.core.testing import make_class, make_member, make_membership, make_organisation, make_person
from sreda.orgs.models import Subject
from sreda.people.models import Guardianship, Membership
from sreda.people.roles import Role


def add_students(*, school_class, count: int, with_parents: bool = True) -> list[Membership]:
    """`count` students in the class, each with one parent who is a member of the school as a parent."""
    memberships = []
    for _ in range(count):
        child = make_person(name="Пётр")
        memberships.append(make_membership(person=child, role=Role.STUDENT, organisation=school_class.organisation,
                                           school_class=school_class))
        if with_parents:
            parent = make_person(name="Ольга")
            Guardianship.objects.create(parent=parent, child=child)
            make_membership(person=parent, role=Role.PARENT, organisation=school_class.organisation)
    return memberships


def add_teachers(*, organisation, count: int) -> list[Membership]:
    subjects = list(Subject.objects.order_by("name")[:2])
    teachers = []
    for _ in range(count):
        _, membership = make_member(role=Role.TEACHER, organisation=organisation)
        membership.subjects.set(subjects)
        teachers.append(membership)
    return teachers


def make_school_with_classes(*, classes: int = 2, students_per_class: int = 3, **kw):
    """A school with `classes` classes (5А, 5Б, 6А…) of students with parents, the first class with a class teacher."""
    organisation = make_organisation(**kw)
    letters = "АБВГ"
    made = []
    for i in range(classes):
        teacher = make_person(name="Мария") if i == 0 else None
        school_class = make_class(organisation=organisation, grade=5 + i // len(letters), letter=letters[i % len(letters)],
                                  class_teacher=teacher)
        if teacher is not None:
            make_membership(person=teacher, role=Role.TEACHER, organisation=organisation)
        add_students(school_class=school_class, count=students_per_class)
        made.append(school_class)
    return organisation, made
