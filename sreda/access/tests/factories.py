"""Builders for the access-group tests: the seed group, schools with many employees, API tokens."""
from __future__ import annotations

import importlib

from sreda.access.models import AccessGroup, System
from sreda.access.selectors import UB_TSOK_GROUP_CODE
from sreda.core.testing import make_member, make_organisation
from sreda.people.models import Membership, Person, person_sort_key
from sreda.people.roles import Role

_seed = importlib.import_module("sreda.access.migrations.0002_seed_uchebnik_group")
OWNER, OWNER_INN, SYSTEM, GROUP = _seed.OWNER, _seed.OWNER_INN, _seed.SYSTEM, _seed.GROUP


def ub_tsok_group() -> AccessGroup:
    """The seed group «Педагоги. Доступ к УБ ЦОК». Transactional tests flush the tables the migration
    filled, so they get it back here with the migration's own values."""
    group = AccessGroup.objects.select_related("system").filter(code=UB_TSOK_GROUP_CODE).first()
    if group is not None:
        return group
    system, _ = System.objects.get_or_create(
        code="gosuslugi-moya-shkola", defaults={"name": SYSTEM, "owner_name": OWNER, "owner_inn": OWNER_INN}
    )
    return AccessGroup.objects.create(system=system, name=GROUP, description=_seed.DESCRIPTION, code=UB_TSOK_GROUP_CODE)


def make_group(*, name: str, system: System | None = None, **system_fields) -> AccessGroup:
    if system is None:
        n = System.objects.count() + 1
        defaults = {"name": f"Система {n}", "owner_name": f"Владелец {n}", "code": f"system-{n}"}
        defaults.update(system_fields)
        system = System.objects.create(**defaults)
    return AccessGroup.objects.create(system=system, name=name, code=f"group-{AccessGroup.objects.count() + 1}")


_names = iter(range(1, 10**9))


def add_employees(*, organisation, count: int, role: str = Role.TEACHER, surname: str = "Сотрудникова") -> list[Person]:
    """`count` employees of a school in three queries (bulk inserts), for the large-selection tests."""
    people = []
    for _ in range(count):
        n = next(_names)
        people.append(Person(surname=f"{surname}{n:05d}", name="Анна", patronymic="Ивановна",
                             sort_key=person_sort_key(f"{surname}{n:05d}", "Анна", "Ивановна")))
    Person.objects.bulk_create(people, batch_size=500)
    if people and people[0].pk is None:  # backends that do not return ids from a bulk insert
        people = list(Person.objects.filter(surname__in=[p.surname for p in people]).order_by("id"))
    Membership.objects.bulk_create(
        [Membership(person=p, role=role, organisation=organisation) for p in people], batch_size=500
    )
    return people


def make_school_admin(*, organisation=None, role: str = Role.ADMINISTRATOR, **kw):
    """An administrator (or another role) of a school: (user, membership)."""
    return make_member(role=role, organisation=organisation or make_organisation(), **kw)
