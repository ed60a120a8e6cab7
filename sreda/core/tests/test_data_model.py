"""Invariants the database itself keeps (Foundation data model): one active membership per
(person, organisation, role, class), INN unique per organisation, СНИЛС unique per person."""
import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from sreda.core import active_role as ar
from sreda.core.testing import (
    make_class, make_membership, make_municipality, make_organisation, make_person, make_region, make_user,
)
from sreda.orgs.models import Organisation
from sreda.people.models import Guardianship, Membership, Person
from sreda.people.roles import Role


def _raises_integrity(fn):
    with pytest.raises(IntegrityError), transaction.atomic():
        fn()


def test_one_active_membership_per_person_organisation_role(db):
    school, person = make_organisation(), make_person()
    make_membership(person=person, role=Role.TEACHER, organisation=school)
    _raises_integrity(lambda: make_membership(person=person, role=Role.TEACHER, organisation=school))


def test_an_ended_membership_does_not_block_a_new_one(db):
    school, person = make_organisation(), make_person()
    old = make_membership(person=person, role=Role.TEACHER, organisation=school)
    old.end_date = timezone.localdate()
    old.save()
    make_membership(person=person, role=Role.TEACHER, organisation=school)
    assert Membership.objects.filter(person=person).count() == 2


def test_one_active_student_membership_per_class(db):
    school, person = make_organisation(), make_person()
    five_a = make_class(organisation=school, grade=5, letter="А")
    make_membership(person=person, role=Role.STUDENT, organisation=school, school_class=five_a)
    _raises_integrity(lambda: make_membership(person=person, role=Role.STUDENT, organisation=school, school_class=five_a))


def test_a_membership_has_exactly_one_scope(db):
    school, person = make_organisation(), make_person()
    _raises_integrity(lambda: make_membership(person=person, role=Role.METHODIST, organisation=school, municipality=school.municipality))
    _raises_integrity(lambda: Membership.objects.create(person=person, role=Role.TEACHER))


def test_inn_is_unique_per_organisation(db):
    school = make_organisation()
    _raises_integrity(lambda: make_organisation(inn=school.inn))


def test_snils_is_unique_per_person_but_may_be_absent(db):
    first = make_person()
    _raises_integrity(lambda: make_person(snils=first.snils))
    make_person(snils=None)
    make_person(snils="")  # blank is stored as NULL, so two people without СНИЛС are fine
    assert Person.objects.filter(snils__isnull=True).count() == 2


def test_nobody_is_their_own_guardian(db):
    person = make_person()
    _raises_integrity(lambda: Guardianship.objects.create(parent=person, child=person))


def test_search_and_sort_keys_ignore_case_and_yo(db):
    """ФИО sorts by surname then name with «ё» as «е»; search ignores case (DOMAIN.md conventions)."""
    for surname in ("Ёжиков", "Егоров", "Жуков"):
        make_person(surname=surname, name="Иван")
    names = list(Person.objects.filter(surname__in=["Ёжиков", "Егоров", "Жуков"]).values_list("surname", flat=True))
    assert names == ["Егоров", "Ёжиков", "Жуков"]
    municipality = make_municipality(region=make_region(name="Тестовая область"))
    make_organisation(municipality=municipality, short_name="Школа «Ёлочка»", full_name="ГБОУ Школа «Ёлочка»")
    assert Organisation.objects.filter(search_text__contains="елочка").count() == 1


def test_role_choices_list_private_person_and_active_memberships_only(db):
    school = make_organisation()
    user = make_user()
    current = make_membership(person=user.person, role=Role.TEACHER, organisation=school)
    ended = make_membership(person=user.person, role=Role.ADMINISTRATOR, organisation=school, end_date=timezone.localdate())
    keys = [choice.key for choice in ar.role_choices(user)]
    assert keys == [ar.PRIVATE, f"m:{current.pk}"]
    assert ar.resolve(user, f"m:{ended.pk}") is None
    assert ar.resolve(user, ar.PLATFORM_OPERATOR) is None  # not a superuser
    assert ar.resolve(user, f"m:{current.pk}").label == f"Учитель — {school.short_name}"
