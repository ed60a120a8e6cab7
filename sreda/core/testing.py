"""Builders for test data: short, explicit, on the real database."""
from __future__ import annotations

import itertools
import random
from datetime import date

from django.conf import settings

from sreda.core import active_role as ar
from sreda.core.identifiers import make_ogrn, make_org_inn, make_snils
from sreda.orgs.models import Municipality, Organisation, Region, SchoolClass, SchoolYear
from sreda.people.models import Consent, Membership, Person, User

_rng = random.Random(20251120)
_seq = itertools.count(1)

DEFAULT_PASSWORD = "Sreda-test-2025"


def make_region(**kw) -> Region:
    n = next(_seq)
    defaults = {"name": f"Регион {n}", "code": f"{(n % 89) + 1:02d}" if "code" not in kw else kw["code"]}
    defaults.update(kw)
    return Region.objects.create(**defaults)


def make_municipality(*, region: Region | None = None, **kw) -> Municipality:
    n = next(_seq)
    return Municipality.objects.create(region=region or make_region(), name=kw.pop("name", f"Район {n}"), **kw)


def make_organisation(*, municipality: Municipality | None = None, **kw) -> Organisation:
    n = next(_seq)
    municipality = municipality or make_municipality()
    defaults = {
        "full_name": f"Муниципальное бюджетное общеобразовательное учреждение «Средняя общеобразовательная школа № {n}»",
        "short_name": f"МБОУ СОШ № {n}",
        "inn": make_org_inn(_rng, municipality.region.code),
        "ogrn": make_ogrn(_rng, municipality.region.code),
    }
    defaults.update(kw)
    return Organisation.objects.create(municipality=municipality, **defaults)


def make_school_year(title: str = "2025/2026") -> SchoolYear:
    start_year = int(title[:4])
    year, _ = SchoolYear.objects.get_or_create(
        title=title, defaults={"start": date(start_year, 9, 1), "end": date(start_year + 1, 8, 31)}
    )
    return year


def make_class(*, organisation: Organisation, grade: int = 5, letter: str = "А", **kw) -> SchoolClass:
    return SchoolClass.objects.create(
        organisation=organisation, school_year=kw.pop("school_year", None) or make_school_year(), grade=grade, letter=letter, **kw
    )


def make_person(**kw) -> Person:
    n = next(_seq)
    defaults = {"surname": f"Иванова{n}", "name": "Анна", "patronymic": "Петровна", "snils": make_snils(_rng)}
    defaults.update(kw)
    return Person.objects.create(**defaults)


def make_user(*, person: Person | None = None, consented: bool = True, superuser: bool = False, **kw) -> User:
    person = person or make_person()
    username = kw.pop("username", f"user{person.pk}")
    user = User.objects.create_user(username=username, password=DEFAULT_PASSWORD, person=person, is_superuser=superuser, is_staff=superuser, **kw)
    if consented:
        Consent.objects.create(user=user, text_version=settings.CONSENT_VERSION)
    return user


def make_membership(*, person: Person, role: str, organisation=None, municipality=None, region=None, **kw) -> Membership:
    return Membership.objects.create(person=person, role=role, organisation=organisation, municipality=municipality, region=region, **kw)


def make_member(*, role: str, organisation=None, municipality=None, region=None, confirmation: str | None = None,
                **kw) -> tuple[User, Membership]:
    """A signed-up user with consent and one membership: the usual actor of a test. `confirmation`
    ("confirmed", "rejected") sets the membership's confirmation (R6–R9); it starts "pending"."""
    user = make_user(**kw)
    extra = {"confirmation": confirmation} if confirmation else {}
    membership = make_membership(person=user.person, role=role, organisation=organisation, municipality=municipality,
                                 region=region, **extra)
    return user, membership


def act_as(client, user: User, membership: Membership | None = None) -> None:
    """Sign the test client in and choose the active role (R1) without clicking."""
    client.force_login(user)
    session = client.session
    session[ar.SESSION_KEY] = f"m:{membership.pk}" if membership else ar.PRIVATE
    session.save()


def active_role_of(user: User, membership: Membership | None = None) -> ar.ActiveRole:
    if membership is None:
        return ar.ActiveRole(user=user, key=ar.PLATFORM_OPERATOR if user.is_superuser else ar.PRIVATE)
    return ar.for_membership(membership, user=user)


def run_at_once(*calls, timeout: float = 60):
    """Race tests: run the calls in threads released together by a barrier; return what each returned or
    raised, in order. Each thread closes its own database connections."""
    import threading

    from django.db import connections

    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def worker(index, call):
        try:
            barrier.wait(timeout=10)
            results[index] = call()
        except Exception as exc:  # noqa: BLE001 — the outcome is what the test inspects
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    return results
