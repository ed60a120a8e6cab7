"""«Заявки» of a director with 10,000 applications (R38), through the real page (Django's test client, the
whole request: session, active role, menu, the list's COUNT and page), filtered and searched.

    python -m bench dpo                  # SQLite and (if it answers) PostgreSQL
    python -m bench dpo --sqlite-only
    python -m bench dpo --postgres       # PostgreSQL is required (fail if it does not answer)

Target (issue #8): < 100 ms at the 95th percentile; the number of SQL statements per request is the same
for every filter and for a school with 100 applications as with 10,000.
PostgreSQL: a throw-away database `sreda_bench_dpo` on the server of $BENCH_POSTGRES_URL / $DATABASE_URL.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import time
from datetime import timedelta
from pathlib import Path

from bench.common import on_both_databases

BENCH_DB = "sreda_bench_dpo"
SIZE = 10_000
SMALL = 100
REQUESTS = 40  # per kind of request
TARGET = 0.100


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench dpo")
    parser.add_argument("--postgres", action="store_true", help="обязательно прогнать и на PostgreSQL")
    parser.add_argument("--sqlite-only", action="store_true", help="только SQLite")
    parser.add_argument("--run", nargs=2, metavar=("DATABASE_URL", "PLAN"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.run:
        return _child(args.run[0])
    results = on_both_databases(name="dpo", database=BENCH_DB, run=_run, sqlite_only=args.sqlite_only,
                                postgres_required=args.postgres)
    if results is None:
        return 1
    _table(results)
    return 0 if results and all(r.get("ok") for r in results) else 1


def _run(url: str, label: str, tmp: Path) -> list[dict]:
    rows = _run_child(url, label, tmp)
    return rows if rows is not None else [{"db": label, "title": "dpo", "ok": False, "failed": True}]


def _run_child(url: str, label: str, tmp: Path) -> list[dict] | None:
    """bench.common.run_child, but as `python -m bench.dpo`: it works whether or not bench/__main__.py lists
    «dpo» yet."""
    import subprocess
    import sys

    from bench.common import ROOT

    env = {**os.environ, "DATABASE_URL": url, "SREDA_VAR_DIR": str(tmp / f"var-{label}"),
           "HUEY_IMMEDIATE": "1", "LOG_LEVEL": "ERROR", "DEBUG": "0"}
    env.pop("REDIS_URL", None)
    done = subprocess.run([sys.executable, "-m", "bench.dpo", "--run", url, "{}"], cwd=ROOT, env=env,
                          capture_output=True, text=True)
    if done.returncode != 0:
        print(f"{label}: ошибка\n{done.stderr[-3000:]}")
        return None
    return [{"db": label, **row} for row in json.loads(done.stdout.strip().splitlines()[-1])]


def _table(results: list[dict]) -> None:
    header = f"{'база':<11} {'запрос «Заявки»':<44} {'заявок':>7} {'p95, мс':>8} {'медиана':>8} {'SQL':>5} {'цель':>9}"
    print(header)
    print("-" * len(header))
    for r in results:
        if r.get("failed"):
            print(f"{r['db']:<11} {r['title']:<44} {'ошибка':>7}")
            continue
        mark = "" if r.get("ok") else "  НЕ ВЫПОЛНЕНО"
        print(f"{r['db']:<11} {r['title']:<44} {r['size']:>7} {r['seconds'] * 1000:>8.1f} {r['median'] * 1000:>8.1f} "
              f"{r['queries']:>5} {r['target']:>9}{mark}")


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def _school(n_applications: int, rng: random.Random, *, groups, tag: str):
    """A school with a confirmed director and teachers who applied `n_applications` times in all."""
    from django.db import transaction
    from django.utils import timezone

    from sreda.core.testing import make_member, make_organisation
    from sreda.dpo.models import Application
    from sreda.dpo.statuses import Status
    from sreda.people.models import Membership, Person, person_sort_key
    from sreda.people.roles import Role

    school = make_organisation(short_name=f"МБОУ СОШ № {tag}")
    director, dm = make_member(role=Role.DIRECTOR, organisation=school, confirmation="confirmed",
                               username=f"director{tag}")
    surnames = ("Иванова", "Петрова", "Смирнова", "Кузнецова", "Соколова", "Попова", "Лебедева", "Козлова",
                "Новикова", "Морозова", "Волкова", "Алексеева", "Фёдорова", "Семёнова")
    names = ("Анна", "Мария", "Елена", "Ольга", "Юлия", "Татьяна")
    people_needed = n_applications // len(groups) + 1
    with transaction.atomic():
        people = Person.objects.bulk_create([
            Person(surname=f"{rng.choice(surnames)}{tag}x{i}", name=rng.choice(names), patronymic="Сергеевна",
                   sort_key=person_sort_key(f"{surnames[i % len(surnames)]}", "", ""))
            for i in range(people_needed)])
        memberships = Membership.objects.bulk_create([
            Membership(person=p, role=Role.TEACHER, organisation=school) for p in people])
    statuses = [Status.NEW] * 4 + [Status.APPROVED] * 3 + [Status.INCLUDED] * 2 + [Status.CANCELLED]
    now = timezone.now()
    batch = []
    made = 0
    for person, membership in zip(people, memberships):
        for group in groups:
            if made >= n_applications:
                break
            app = Application(group=group, applicant=person, membership=membership, organisation=school,
                              status=rng.choice(statuses), created_at=now - timedelta(days=rng.randint(0, 364)))
            app.fill_search_text(applicant_name=person.full_name, program_name=group.program.name)
            batch.append(app)
            made += 1
    with transaction.atomic():
        for start in range(0, len(batch), 2000):
            Application.objects.bulk_create(batch[start:start + 2000])
    return school, director, dm, people


def measure() -> list[dict]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from sreda.core.testing import act_as
    from sreda.dpo.models import Application
    from sreda.dpo.tests.factories import make_group

    rng = random.Random(38)
    groups = [make_group(program_name=f"Программа повышения квалификации «{topic}»")
              for topic in ("Цифровая трансформация", "Экспертная деятельность", "Диагностика кадрового резерва",
                            "Функциональная грамотность", "Наставничество", "Инклюзивное образование",
                            "Оценка качества образования", "Воспитательная работа", "Проектная деятельность",
                            "Медиация в школе")
              for _ in range(2)]
    big, director, dm, people = _school(SIZE, rng, groups=groups, tag="1")
    small, small_director, small_dm, _ = _school(SMALL, rng, groups=groups, tag="2")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    numbers = list(Application.objects.filter(organisation=big).values_list("pk", flat=True))
    assert len(numbers) == SIZE

    def kinds():
        today = time.strftime("%Y-%m-%d")
        return {
            "без фильтров, страница 1": lambda: {},
            "страница 200": lambda: {"page": 200},
            "статус «Не обработана»": lambda: {"status": "new"},
            "программа + статус": lambda: {"program": rng.choice(groups).program_id, "status": "approved"},
            "даты подачи (месяц)": lambda: {"from": "2000-01-01", "to": today} if rng.random() < 0.1 else
            {"from": f"{time.strftime('%Y')}-01-01", "to": f"{time.strftime('%Y')}-01-31"},
            "поиск по номеру": lambda: {"q": str(rng.choice(numbers))},
            "поиск по заявителю": lambda: {"q": rng.choice(people).surname[:7].lower()},
            "поиск по программе": lambda: {"q": rng.choice(("цифровая", "наставн", "кадрового", "медиация"))},
            "поиск + статус + программа": lambda: {"q": "программа", "status": "new",
                                                   "program": rng.choice(groups).program_id},
        }

    client = Client()
    act_as(client, director, dm)
    small_client = Client()
    act_as(small_client, small_director, small_dm)
    url = "/dpo/applications/"
    client.get(url, secure=True)
    small_client.get(url, secure=True)
    with CaptureQueriesContext(connection) as small_queries:
        assert small_client.get(url, {"status": "new"}, secure=True).status_code == 200
    rows = []
    every = []
    query_counts = set()
    for title, params in kinds().items():
        timings = []
        for _ in range(REQUESTS):
            data = params()
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                response = client.get(url, data, secure=True)
                timings.append(time.perf_counter() - started)
            assert response.status_code == 200, response.status_code
            query_counts.add(len(queries))
        every += timings
        p95 = _percentile(timings, 0.95)
        rows.append({"title": title, "size": SIZE, "seconds": round(p95, 4), "median": round(statistics.median(timings), 4),
                     "queries": len(queries), "target": "< 100 мс", "ok": p95 < TARGET})
    p95 = _percentile(every, 0.95)
    constant = len(query_counts) == 1 and query_counts == {len(small_queries)}
    rows.append({"title": "все запросы вместе", "size": SIZE, "seconds": round(p95, 4),
                 "median": round(statistics.median(every), 4), "queries": max(query_counts),
                 "target": "< 100 мс", "ok": p95 < TARGET and constant})
    rows.append({"title": f"SQL на запрос: {SMALL} заявок против {SIZE}", "size": SMALL, "seconds": 0.0, "median": 0.0,
                 "queries": len(small_queries), "target": "= " + "/".join(str(c) for c in sorted(query_counts)),
                 "ok": constant})
    return rows


def _child(url: str) -> int:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sreda.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    rows = measure()
    print(json.dumps(rows))
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(main(sys.argv[1:]))
