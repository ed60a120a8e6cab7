"""Builders for the API tests: two schools in two districts, tokens for any role, bearer headers."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sreda.api.models import SCOPE_READ
from sreda.api.services import token_create
from sreda.core.active_role import system_operator
from sreda.core.testing import make_class, make_membership, make_municipality, make_organisation, make_person, make_region
from sreda.orgs.models import Municipality, Organisation, Region, SchoolClass
from sreda.people.models import Guardianship, Membership, Person
from sreda.people.roles import ROLE_SCOPE, Role, Scope


def bearer(secret: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def issue(*, role: str = Role.ADMINISTRATOR, organisation: Organisation | None = None,
          municipality: Municipality | None = None, region: Region | None = None,
          scopes: tuple[str, ...] = (SCOPE_READ,), name: str = "Тестовая ИС") -> str:
    """A role token issued by the platform operator (as the CLI does); returns its secret."""
    scope = ROLE_SCOPE[role]
    _, secret = token_create(
        actor=system_operator(), name=name, scopes=list(scopes), role=role,
        organisation=organisation if scope == Scope.ORGANISATION else None,
        municipality=municipality if scope == Scope.MUNICIPALITY else None,
        region=region if scope == Scope.REGION else None,
    )
    return secret


def add_students(*, school_class: SchoolClass, count: int, birth_date: date | None = date(2014, 3, 8)) -> list[Membership]:
    made = []
    for _ in range(count):
        child = make_person(name="Пётр", birth_date=birth_date)
        made.append(make_membership(person=child, role=Role.STUDENT, organisation=school_class.organisation,
                                    school_class=school_class))
        parent = make_person(name="Ольга")
        Guardianship.objects.create(parent=parent, child=child)
        make_membership(person=parent, role=Role.PARENT, organisation=school_class.organisation)
    return made


@dataclass
class School:
    organisation: Organisation
    school_class: SchoolClass
    students: list[Membership]
    teacher: Person
    tokens: dict[str, str] = field(default_factory=dict)

    @property
    def municipality(self) -> Municipality:
        return self.organisation.municipality

    @property
    def region(self) -> Region:
        return self.organisation.municipality.region

    def token(self, role: str) -> str:
        """A read token of this school's `role` (or its district's / region's oversight role)."""
        if role not in self.tokens:
            self.tokens[role] = issue(role=role, organisation=self.organisation, municipality=self.municipality,
                                      region=self.region)
        return self.tokens[role]


def make_school(*, students: int = 3, **kw) -> School:
    """A school in its own district and region with one class 5А, its students and parents, and a teacher."""
    if "municipality" not in kw:
        kw["municipality"] = make_municipality(region=make_region())
    organisation = make_organisation(**kw)
    teacher = make_person(name="Мария", surname="Смирнова")
    make_membership(person=teacher, role=Role.TEACHER, organisation=organisation)
    school_class = make_class(organisation=organisation, class_teacher=teacher)
    return School(organisation=organisation, school_class=school_class,
                  students=add_students(school_class=school_class, count=students), teacher=teacher)
