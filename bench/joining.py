"""Join requests (R20) at the size of a district: matching pending requests against the roster.

    python -m bench joining                         # SQLite and (if it answers) PostgreSQL
    python -m bench joining --requests 5000 --roster 100000
    python -m bench joining --postgres              # PostgreSQL is required (fail if it does not answer)
    python -m bench joining --sqlite-only

Measurement (target from the issue): the queue's matching selector (`match_requests`, the same the page,
the API, the CLI and «Одобрить все точные совпадения» use) for all 5,000 pending requests against a
100,000-person roster (students of 100 schools, 30 per class): < 3 s, reading the requests included.
The data is written with bulk inserts and is not timed. Each database runs in its own child process with
a migrated empty database (SQLite in a temporary file; PostgreSQL: a throw-away database
`sreda_bench_joining` on the server of $BENCH_POSTGRES_URL / $DATABASE_URL).

If bench/joining_tracker.py exists (the onboarding tracker's part), its `main(argv)` runs afterwards.
"""
from __future__ import annotations

import argparse
import importlib
import importlib.util
import json
import os
import random
import tempfile
import time
from pathlib import Path

from bench.common import (
    median_seconds,
    pg_admin_url,
    pg_server_url,
    run_child,
    with_pg_database,
)

BENCH_DB = "sreda_bench_joining"
TARGET_SECONDS = 3.0
PER_CLASS = 30


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench joining")
    parser.add_argument("--requests", type=int, default=5000, help="ожидающих заявок (по умолчанию 5000)")
    parser.add_argument("--roster", type=int, default=100_000, help="людей в контингенте (по умолчанию 100000)")
    parser.add_argument("--postgres", action="store_true", help="обязательно прогнать и на PostgreSQL")
    parser.add_argument("--sqlite-only", action="store_true", help="только SQLite")
    parser.add_argument("--run", nargs=2, metavar=("DATABASE_URL", "PLAN"), help=argparse.SUPPRESS)
    args, _unknown = parser.parse_known_args(argv)
    if args.run:
        return _child(args.run[0], json.loads(args.run[1]))
    plan = {"requests": args.requests, "roster": args.roster}
    results: list[dict] = []
    status = 0
    with tempfile.TemporaryDirectory(prefix="sreda-bench-joining-") as tmp:
        results += _run(f"sqlite:///{Path(tmp) / 'joining.sqlite3'}", plan, "SQLite", Path(tmp))
        pg = pg_admin_url(pg_server_url())
        if not args.sqlite_only and pg:
            results += with_pg_database(pg, BENCH_DB, lambda url: _run(url, plan, "PostgreSQL", Path(tmp)))
        elif not args.sqlite_only:
            print(f"PostgreSQL не отвечает ({pg_server_url()}): прогон на PostgreSQL пропущен.")
            if args.postgres:
                status = 1
    _table(results)
    if not results or not all(r.get("ok") for r in results):
        status = 1
    if importlib.util.find_spec("bench.joining_tracker") is not None:
        tracker = importlib.import_module("bench.joining_tracker")
        status = max(status, tracker.main(argv) or 0)
    return status


def _run(url: str, plan: dict, label: str, tmp: Path) -> list[dict]:
    rows = run_child("joining", url, plan, label, tmp)
    return rows if rows is not None else [{"db": label, "title": "matching", "ok": False, "failed": True}]


def _table(results: list[dict]) -> None:
    header = f"{'база':<11} {'измерение':<58} {'заявок':>7} {'контингент':>10} {'секунд':>7} {'SQL':>5} {'цель':>7}"
    print(header)
    print("-" * len(header))
    for r in results:
        if r.get("failed"):
            print(f"{r['db']:<11} {r['title']:<58} {'ошибка':>7}")
            continue
        mark = "" if r["ok"] else "  ПРЕВЫШЕНО"
        print(f"{r['db']:<11} {r['title']:<58} {r['requests']:>7} {r['roster']:>10} {r['seconds']:>7.3f} "
              f"{r['queries']:>5} {'< ' + format(r['target'], 'g') + ' с':>7}{mark}")
        print(f"{'':<11} совпадений: точных {r['exact']}, с расхождениями {r['partial']}, нет в контингенте {r['none']}")


# --- the child -------------------------------------------------------------------------------------------

def _child(url: str, plan: dict) -> int:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sreda.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    build(requests=plan["requests"], roster=plan["roster"])
    print(json.dumps([measure(requests=plan["requests"], roster=plan["roster"])]))
    return 0


SURNAMES = ["Иванов", "Смирнов", "Кузнецов", "Попов", "Васильев", "Петров", "Соколов", "Михайлов", "Новиков",
            "Фёдоров", "Морозов", "Волков", "Алексеев", "Лебедев", "Семёнов", "Егоров", "Павлов", "Козлов"]
NAMES = ["Александр", "Михаил", "Артём", "Матвей", "Иван", "Дмитрий", "Кирилл", "Максим", "Тимофей", "Лев"]
PATRONYMICS = ["Александрович", "Сергеевич", "Дмитриевич", "Андреевич", "Алексеевич", "Игоревич"]


def build(*, requests: int, roster: int) -> None:
    """100 schools of a district, classes of 30, `roster` students with birth dates; `requests` pending
    requests, each by its own account: 60 % typed exactly as the roster, 25 % with one field differing,
    15 % of people the roster does not know."""
    from datetime import date, timedelta

    from sreda.core.identifiers import make_org_inn
    from sreda.onboarding.models import JoinRequest
    from sreda.orgs.models import (
        Municipality,
        Organisation,
        Region,
        SchoolClass,
        SchoolYear,
    )
    from sreda.people.models import (
        Membership,
        MembershipOrigin,
        Person,
        User,
        person_sort_key,
    )
    from sreda.people.roles import Role

    rng = random.Random(20251124)
    region, _ = Region.objects.get_or_create(name="Республика Коми", defaults={"code": "11"})
    municipality, _ = Municipality.objects.get_or_create(region=region, name="Сыктывдинский район")
    year, _ = SchoolYear.objects.get_or_create(title="2025/2026", defaults={"start": date(2025, 9, 1),
                                                                            "end": date(2026, 8, 31)})
    schools = 100
    Organisation.objects.bulk_create([
        Organisation(municipality=municipality, short_name=f"МБОУ СОШ № {i}", inn=make_org_inn(rng, "11"),
                     full_name=f"Муниципальное бюджетное общеобразовательное учреждение «СОШ № {i}»")
        for i in range(schools)])
    orgs = list(Organisation.objects.order_by("pk"))
    classes_needed = max(1, -(-roster // PER_CLASS))
    letters = "АБВГДЕЖЗИКЛМНОПРСТУФ"
    SchoolClass.objects.bulk_create([
        SchoolClass(organisation=orgs[i % schools], school_year=year, grade=1 + (i // schools) % 11,
                    letter=letters[(i // schools) // 11])
        for i in range(classes_needed)], batch_size=2000)
    classes = list(SchoolClass.objects.order_by("pk").values_list("pk", "organisation_id"))

    def person(surname, name, patronymic, born):
        return Person(surname=surname, name=name, patronymic=patronymic, birth_date=born,
                      sort_key=person_sort_key(surname, name, patronymic))

    born0 = date(2009, 1, 1)
    people = []
    for i in range(roster):
        people.append(person(f"{rng.choice(SURNAMES)}{i % 997}", rng.choice(NAMES), rng.choice(PATRONYMICS),
                             born0 + timedelta(days=rng.randrange(3650))))
    Person.objects.bulk_create(people, batch_size=5000)
    roster_rows = list(Person.objects.order_by("pk").values_list("pk", "surname", "name", "patronymic", "birth_date"))
    Membership.objects.bulk_create([
        Membership(person_id=pk, role=Role.STUDENT, organisation_id=classes[i // PER_CLASS][1],
                   school_class_id=classes[i // PER_CLASS][0], origin=MembershipOrigin.ROSTER)
        for i, (pk, *_fields) in enumerate(roster_rows)], batch_size=5000)

    # The requesters: own accounts with own persons, typed data derived from the roster.
    picks = rng.sample(range(len(roster_rows)), requests)
    typed = []
    for n, index in enumerate(picks):
        _, surname, name, patronymic, born = roster_rows[index]
        class_id, org_id = classes[index // PER_CLASS]
        kind = n % 20
        if kind >= 17:  # 15 %: unknown to the roster
            surname, name, born = f"Незнакомов{n}", "Глеб", born0
        elif kind >= 12:  # 25 %: one field differs
            born = born + timedelta(days=1) if kind % 2 else born
            name = name if kind % 2 else name + "о"
        typed.append((surname, name, patronymic, born, class_id, org_id))
    Person.objects.bulk_create([person(s, nm, p, b) for s, nm, p, b, _, _ in typed], batch_size=5000)
    own = list(Person.objects.order_by("-pk").values_list("pk", flat=True)[:requests])[::-1]
    User.objects.bulk_create([User(username=f"joiner{i}", person_id=pk, password="!") for i, pk in enumerate(own)],
                             batch_size=5000)
    users = dict(User.objects.filter(username__startswith="joiner").values_list("person_id", "pk"))
    JoinRequest.objects.bulk_create([
        JoinRequest(organisation_id=org_id, role=Role.STUDENT, school_class_id=class_id, requester_id=users[pk],
                    subject_id=pk, surname=s, name=nm, patronymic=p, birth_date=b)
        for pk, (s, nm, p, b, class_id, org_id) in zip(own, typed)], batch_size=5000)


def measure(*, requests: int, roster: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from sreda.onboarding.joining_match import MatchKind, match_requests
    from sreda.onboarding.models import JoinRequest, JoinStatus

    def run():
        return match_requests(JoinRequest.objects.filter(status=JoinStatus.PENDING).order_by("pk"))

    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        matches = run()
        first = time.perf_counter() - started
    seconds = max(first, median_seconds(run, repeat=3))
    kinds = [m.kind for m in matches.values()]
    return {"title": "Сверка заявок с контингентом (R20, match_requests)", "requests": len(matches),
            "roster": roster, "seconds": seconds, "queries": len(captured.captured_queries),
            "target": TARGET_SECONDS, "ok": seconds < TARGET_SECONDS and len(matches) == requests,
            "exact": kinds.count(MatchKind.EXACT), "partial": kinds.count(MatchKind.PARTIAL),
            "none": kinds.count(MatchKind.NONE)}
