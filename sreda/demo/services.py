"""Writes of the demo: ОО-1 totals for the generated schools and one sign-in account per role.

Both are idempotent: a second `generate` or `demo` finds what the first one made and changes nothing.
"""
from __future__ import annotations

import random
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from sreda.core import active_role as ar
from sreda.core.audit import audit
from sreda.core.permissions import Action, require
from sreda.orgs.models import Organisation, OrganisationStatistics, SchoolClass, SchoolYear, Subject
from sreda.people.models import Confirmation, Guardianship, Membership, MembershipOrigin, Person, User
from sreda.people.roles import TEACHING_ROLES, Role

DEMO_PASSWORD = "sreda-demo-2025"


def school_year_of(start_year: int) -> SchoolYear | None:
    from sreda.demo.synth import school_year_id

    return (SchoolYear.objects.filter(external_id=school_year_id(start_year)).first()
            or SchoolYear.objects.filter(title=f"{start_year}/{start_year + 1}").first())


@transaction.atomic
def oo1_statistics_record(*, actor: ar.ActiveRole, organisations: list[Organisation], school_year: SchoolYear,
                          seed: int) -> int:
    """R4: ОО-1 totals for generated schools — the roster's teachers and students plus a few the school IS
    does not list (form ОО-1 counts everyone on the payroll and on the register).

    The "few" come from the seed, so a rerun writes the same numbers; returns how many rows changed.
    """
    for organisation in organisations:
        require(actor, Action.MANAGE_ORGANISATIONS, organisation)
    counts: dict[tuple[int, str], int] = {}
    rows = (Membership.objects.active()
            .filter(organisation__in=organisations, role__in=(*TEACHING_ROLES, Role.STUDENT))
            .values("organisation_id", "role").annotate(n=Count("person_id", distinct=True)))
    for row in rows:
        group = "students" if row["role"] == Role.STUDENT else "teachers"
        counts[(row["organisation_id"], group)] = counts.get((row["organisation_id"], group), 0) + row["n"]
    existing = {s.organisation_id: s for s in OrganisationStatistics.objects.filter(
        organisation__in=organisations, school_year=school_year)}
    changed = 0
    for organisation in sorted(organisations, key=lambda o: o.pk):
        rng = random.Random(f"{seed}:{organisation.external_id or organisation.pk}")
        teachers = counts.get((organisation.pk, "teachers"), 0) + rng.randint(1, 4)
        students = counts.get((organisation.pk, "students"), 0) + rng.randint(2, 9)
        current = existing.get(organisation.pk)
        if current and (current.teachers_total, current.students_total) == (teachers, students):
            continue
        if current:
            current.teachers_total, current.students_total = teachers, students
            current.save(update_fields=["teachers_total", "students_total"])
        else:
            current = OrganisationStatistics.objects.create(
                organisation=organisation, school_year=school_year, teachers_total=teachers, students_total=students)
        audit(actor=actor, action="oo1_statistics.record", obj=current, organisation=organisation,
              details={"school_year": school_year.title, "teachers_total": teachers, "students_total": students})
        changed += 1
    return changed


@dataclass(frozen=True)
class DemoAccount:
    role: str
    username: str
    person: str
    look_at: str
    created: bool


# The people the demo adds who are not in any roster: fixed, so a second run finds them by external_id.
_OWN_PEOPLE = {
    "operator": ("Соколова", "Ирина", "Андреевна", "F"),
    "region": ("Белов", "Игорь", "Николаевич", "M"),
    "methodist": ("Комарова", "Елена", "Викторовна", "F"),
    "director": ("Орлов", "Андрей", "Сергеевич", "M"),
    "director2": ("Лебедева", "Ольга", "Ивановна", "F"),
}


@transaction.atomic
def demo_accounts_ensure(*, actor: ar.ActiveRole, password: str = DEMO_PASSWORD) -> list[DemoAccount]:
    """One account per role for a walk through the demo; nothing is created twice.

    The accounts have no consent on purpose: the first sign-in shows the consent page (R3).
    Only the platform operator may hand out accounts with a known password.
    """
    require(actor, Action.MANAGE_REGIONS)
    school = first_school()
    if school is None:
        raise ValueError("В базе нет ни одной школы: сначала выполните `python -m sreda generate`.")
    region = school.municipality.region
    homeroom = demo_class(school)
    accounts = [
        _account(actor, password, "operator", "Оператор платформы", _own_person("operator"), superuser=True,
                 look_at="Администрирование (/admin/), все регионы и школы, импорт контингента"),
        _account(actor, password, "region", Role.REGIONAL_OPERATOR.label,
                 _with_membership("region", Role.REGIONAL_OPERATOR, region=region),
                 look_at=f"Школы региона «{region.name}», показатели"),
        _account(actor, password, "methodist", Role.METHODIST.label,
                 _with_membership("methodist", Role.METHODIST, municipality=school.municipality),
                 look_at=f"Школы района «{school.municipality.name}»"),
        _account(actor, password, "director", Role.DIRECTOR.label + ", подтверждён", _director(school),
                 look_at=f"{school.short_name}: подтверждение педагогов и обучающихся, отчёт (R9); "
                         "две роли — руководитель и учитель, «Сменить роль» (R1)"),
    ]
    second = _second_school(school)
    if second is not None:
        accounts.append(_account(
            actor, password, "director2", Role.DIRECTOR.label + ", не подтверждён",
            _with_membership("director2", Role.DIRECTOR, organisation=second),
            look_at=f"{second.short_name}: подтверждение личности руководителя, заявка оператору региона (R6–R8)"))
    admin = _imported(school, Role.ADMINISTRATOR, "admin")
    if admin is not None:
        accounts.append(_account(actor, password, "admin", Role.ADMINISTRATOR.label, admin,
                                 look_at="Контингент школы, импорт, классы"))
    teacher = _linked("teacher") or (homeroom.class_teacher if homeroom else None)
    if teacher is not None:
        title = homeroom.title if homeroom else ""
        accounts.append(_account(actor, password, "teacher", f"{Role.TEACHER.label}, кл. руководитель {title}".strip(),
                                 teacher, look_at=f"Свой класс {title}, предметы, ученики и родители".strip()))
    student = _linked("student") or _student_with_parent(homeroom)
    if student is not None:
        accounts.append(_account(actor, password, "student", Role.STUDENT.label, student, look_at="Свой класс и задания"))
        parent = _linked("parent") or _parent_of(student)
        if parent is not None:
            accounts.append(_account(actor, password, "parent", Role.PARENT.label, parent,
                                     look_at=f"Ребёнок: {student.full_name}"))
    return accounts


def first_school() -> Organisation | None:
    return Organisation.objects.select_related("municipality__region").order_by("pk").first()


def _second_school(first: Organisation) -> Organisation | None:
    """A school of the same region whose director is not confirmed yet: the R6–R8 walk-through."""
    return (Organisation.objects.filter(municipality__region_id=first.municipality.region_id, pk__gt=first.pk)
            .order_by("pk").first())


def demo_class(school: Organisation) -> SchoolClass | None:
    """The class whose teacher, student and parent get accounts: 5А if it has a class teacher."""
    classes = SchoolClass.objects.filter(organisation=school, class_teacher__isnull=False).select_related("class_teacher")
    return classes.filter(grade=5).order_by("letter").first() or classes.order_by("grade", "letter").first()


def _linked(username: str) -> Person | None:
    user = User.objects.filter(username=username).select_related("person").first()
    return user.person if user else None


def _free(persons):
    """Persons not yet tied to an account (User.person is one-to-one)."""
    return persons.filter(user__isnull=True).order_by("sort_key", "pk")


def _imported(school: Organisation, role: str, username: str) -> Person | None:
    return _linked(username) or _free(Person.objects.filter(
        memberships__in=Membership.objects.active().filter(organisation=school, role=role))).first()


def _student_with_parent(homeroom: SchoolClass | None) -> Person | None:
    if homeroom is None:
        return None
    students = Person.objects.filter(memberships__in=Membership.objects.active().filter(
        school_class=homeroom, role=Role.STUDENT), parent_links__isnull=False).distinct()
    return _free(students).first()


def _parent_of(student: Person) -> Person | None:
    return _free(Person.objects.filter(pk__in=Guardianship.objects.filter(child=student).values("parent_id"))).first()


def _own_person(key: str) -> Person:
    surname, name, patronymic, sex = _OWN_PEOPLE[key]
    person, _ = Person.objects.get_or_create(
        external_id=f"demo-{key}", defaults={"surname": surname, "name": name, "patronymic": patronymic, "sex": sex,
                                             "email": f"{key}@demo.example"})
    return person


def _with_membership(key: str, role: str, **scope) -> Person:
    person = _own_person(key)
    Membership.objects.get_or_create(person=person, role=role, end_date=None, **scope)
    return person


def _director(school: Organisation) -> Person:
    """The director also teaches, so the demo can show choosing and switching the role (R1). The demo's
    director is already confirmed by the regional operator (R7), so the R9 confirmation table is open."""
    person = _with_membership("director", Role.DIRECTOR, organisation=school)
    Membership.objects.active().filter(person=person, role=Role.DIRECTOR, organisation=school).exclude(
        confirmation=Confirmation.CONFIRMED).update(confirmation=Confirmation.CONFIRMED, confirmed_at=timezone.now())
    teaching, created = Membership.objects.get_or_create(
        person=person, role=Role.TEACHER, organisation=school, school_class=None, end_date=None,
        defaults={"origin": MembershipOrigin.MANUAL})
    if created:
        teaching.subjects.set(Subject.objects.filter(name__in=("История", "Обществознание")))
    return person


def _account(actor, password, username: str, role_label: str, person: Person, *, look_at: str,
             superuser: bool = False) -> DemoAccount:
    user = User.objects.filter(username=username).first()
    created = user is None
    if created:
        user = User(username=username, person=person, is_superuser=superuser, is_staff=superuser,
                    email=person.email or f"{username}@demo.example")
        user.set_password(password)
        user.save()
        audit(actor=actor, action="demo.account_create", obj=user, details={"username": username, "role": role_label})
    if not person.account_confirmed:
        person.account_confirmed = True
        person.save(update_fields=["account_confirmed", "sort_key", "updated_at"])
    return DemoAccount(role=role_label, username=username, person=person.full_name, look_at=look_at, created=created)

