"""Staff operations at the size of a big school, each timed alone in a fresh database.

    python -m bench staff                          # every measurement, SQLite and (if it answers) PostgreSQL
    python -m bench staff --only confirm           # one measurement
    python -m bench staff --size confirm=5000      # another size
    python -m bench staff --postgres               # PostgreSQL is required (fail if it does not answer)

Measurements (targets from the issue):
    confirm   the confirmed director confirms 2,000 pending teachers and students at once (R9): < 2 s,
              and the number of SQL statements does not depend on the number of rows.

Each database runs in its own process with a migrated empty database: SQLite in a temporary file;
PostgreSQL on the server of $BENCH_POSTGRES_URL, else of $DATABASE_URL when it is a PostgreSQL URL, else
of postgres://root@127.0.0.1:5432/test — a throw-away database `sreda_bench_staff` is created on that
server and dropped afterwards (the database named in the URL is not touched).

To add a measurement: write `def measure_<key>(size: int) -> dict` that builds its data (not timed) and
returns `timed(lambda: ...)` plus "rows", then list it in MEASUREMENTS.
"""
from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from bench.common import pg_admin_url, pg_server_url, run_child, with_pg_database

BENCH_DB = "sreda_bench_staff"
_schools = itertools.count(1)


@dataclass(frozen=True)
class Measurement:
    key: str
    title: str
    size: int  # rows by default
    target_seconds: float | None
    run: str  # the name of the measure_<key> function, called in the child process


MEASUREMENTS: list[Measurement] = [
    Measurement("confirm", "Подтвердить педагогов и обучающихся (R9)", 2000, 2.0, "measure_confirm"),
    Measurement("group_add", "Присоединить сотрудников к группе доступа (R13)", 500, 2.0, "measure_group_add"),
]


# --- the parent: one child process per database ---------------------------------------------------------

def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench staff")
    parser.add_argument("--only", action="append", choices=[m.key for m in MEASUREMENTS],
                        help="только это измерение (можно повторить)")
    parser.add_argument("--size", action="append", default=[], metavar="KEY=N",
                        help="размер измерения, например confirm=5000")
    parser.add_argument("--postgres", action="store_true", help="обязательно прогнать и на PostgreSQL")
    parser.add_argument("--sqlite-only", action="store_true", help="только SQLite")
    parser.add_argument("--run", nargs=2, metavar=("DATABASE_URL", "PLAN"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.run:
        return _child(args.run[0], json.loads(args.run[1]))

    sizes = {m.key: m.size for m in MEASUREMENTS}
    for item in args.size:
        key, _, value = item.partition("=")
        if key not in sizes or not value.isdigit() or int(value) < 1:
            parser.error(f"--size {item}: ожидается KEY=N, KEY из {', '.join(sizes)}")
        sizes[key] = int(value)
    plan = [{"key": m.key, "size": sizes[m.key]} for m in MEASUREMENTS if not args.only or m.key in args.only]

    results = []
    with tempfile.TemporaryDirectory(prefix="sreda-bench-staff-") as tmp:
        results += _run_child(f"sqlite:///{Path(tmp) / 'bench.sqlite3'}", plan, "SQLite", Path(tmp))
        pg = pg_admin_url(pg_server_url())
        if not args.sqlite_only and pg:
            results += with_pg_database(pg, BENCH_DB, lambda url: _run_child(url, plan, "PostgreSQL", Path(tmp)))
        elif not args.sqlite_only:
            print(f"PostgreSQL не отвечает ({pg_server_url()}): прогон на PostgreSQL пропущен.")
            if args.postgres:
                return 1
    _table(results)
    return 0 if results and all(r.get("ok") for r in results) else 1



def _run_child(url: str, plan: list[dict], label: str, tmp: Path) -> list[dict]:
    rows = run_child("staff", url, plan, label, tmp)
    return rows if rows is not None else [{"db": label, "title": p["key"], "ok": False} for p in plan]


def _table(results: list[dict]) -> None:
    header = f"{'база':<11} {'измерение':<48} {'строк':>7} {'секунд':>7} {'SQL-запросов':>13} {'цель':>8}"
    print(header)
    print("-" * len(header))
    for r in results:
        if not r.get("ok"):
            print(f"{r['db']:<11} {r['title']:<48} {'ошибка':>7}")
            continue
        target = f"< {r['target']:g} с" if r.get("target") else ""
        mark = "" if not r.get("target") or r["seconds"] < r["target"] else "  ПРЕВЫШЕНО"
        print(f"{r['db']:<11} {r['title']:<48} {r['rows']:>7} {r['seconds']:>7.3f} {r['queries']:>13} {target:>8}{mark}")


# --- the child: a migrated empty database, then each measurement ---------------------------------------

def _child(url: str, plan: list[dict]) -> int:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sreda.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    by_key = {m.key: m for m in MEASUREMENTS}
    rows = []
    for item in plan:
        measurement = by_key[item["key"]]
        result = globals()[measurement.run](item["size"])
        rows.append({"title": measurement.title, "target": measurement.target_seconds, "ok": True, **result})
    print(json.dumps(rows))
    return 0


def timed(call: Callable[[], object]) -> tuple[object, float, int]:
    """Run `call` once: its result, wall seconds, and the number of SQL statements it sent."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        result = call()
        seconds = time.perf_counter() - started
    return result, seconds, len(captured.captured_queries)


def big_school(*, students: int, teachers: int):
    """A school (region, district, 5А…11Л classes) with a confirmed director and `students` + `teachers`
    pending memberships, written with bulk inserts; returns (organisation, the director's ActiveRole)."""
    from datetime import date

    from sreda.core.active_role import for_membership
    from sreda.orgs.models import Municipality, Organisation, Region, SchoolClass, SchoolYear
    from sreda.people.models import Confirmation, Membership, Person, User, person_sort_key
    from sreda.people.roles import Role

    from sreda.core.identifiers import make_org_inn

    n = next(_schools)  # several measurements share one database: each builds its own school
    region, _ = Region.objects.get_or_create(name="Курская область", defaults={"code": "46"})
    municipality, _ = Municipality.objects.get_or_create(region=region, name="г. Курск")
    organisation = Organisation.objects.create(
        municipality=municipality, full_name="Муниципальное бюджетное общеобразовательное учреждение "
        f"«Средняя общеобразовательная школа № {n}»", short_name=f"МБОУ СОШ № {n}",
        inn=make_org_inn(random.Random(n)))
    year, _ = SchoolYear.objects.get_or_create(title="2025/2026", defaults={"start": date(2025, 9, 1),
                                                                            "end": date(2026, 8, 31)})
    letters = "АБВГДЕЖЗИКЛ"
    classes = SchoolClass.objects.bulk_create([
        SchoolClass(organisation=organisation, school_year=year, grade=grade, letter=letter)
        for grade in range(5, 12) for letter in letters
    ])
    classes = list(SchoolClass.objects.filter(organisation=organisation).order_by("grade", "letter"))

    def person(i: int) -> Person:
        surname, name, patronymic = f"Иванов{n}-{i:05d}", "Пётр", "Сергеевич"
        return Person(surname=surname, name=name, patronymic=patronymic,
                      sort_key=person_sort_key(surname, name, patronymic))

    Person.objects.bulk_create([person(i) for i in range(students + teachers)], batch_size=1000)
    people = list(Person.objects.filter(surname__startswith=f"Иванов{n}-").order_by("pk").values_list("pk", flat=True))
    Membership.objects.bulk_create([
        Membership(person_id=pk, organisation=organisation,
                   role=Role.STUDENT if i < students else Role.TEACHER,
                   school_class=classes[i % len(classes)] if i < students else None)
        for i, pk in enumerate(people)
    ], batch_size=1000)
    director_person = Person.objects.create(surname="Петрова", name="Мария", patronymic="Ивановна")
    user = User.objects.create_user(username=f"director{n}", password=None, person=director_person)
    director = Membership.objects.create(person=director_person, role=Role.DIRECTOR, organisation=organisation,
                                         confirmation=Confirmation.CONFIRMED)
    return organisation, for_membership(director, user=user)


def measure_confirm(size: int) -> dict:
    """R9: «Выбрать все по фильтру» → «Подтвердить» on a school of `size` pending teachers and students."""
    from sreda.people.confirmation import MemberFilter, members_decide

    teachers = max(1, size // 10)
    organisation, actor = big_school(students=size - teachers, teachers=teachers)
    result, seconds, queries = timed(lambda: members_decide(
        actor=actor, organisation=organisation, decision="confirmed", member_filter=MemberFilter()))
    return {"rows": result.changed, "seconds": seconds, "queries": queries}


def measure_group_add(size: int) -> dict:
    """R13: «Присоединить нового сотрудника» with `size` teachers of the school ticked at once, into the
    seed group «Педагоги. Доступ к УБ ЦОК»."""
    from sreda.access.selectors import access_group
    from sreda.access.services import group_members_add
    from sreda.access.models import AccessGroup
    from sreda.people.models import Membership
    from sreda.people.roles import Role

    organisation, director = big_school(students=0, teachers=size)
    person_ids = list(Membership.objects.filter(organisation=organisation, role=Role.TEACHER)
                      .values_list("person_id", flat=True))
    group = access_group(actor=director, group_id=AccessGroup.objects.get(code="pedagogi-ub-tsok").pk)
    added, seconds, queries = timed(lambda: group_members_add(actor=director, group=group, person_ids=person_ids))
    return {"rows": added, "seconds": seconds, "queries": queries}
