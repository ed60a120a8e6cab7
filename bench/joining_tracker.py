"""The onboarding tracker page (R23) for a class of 30 students and for one of 60: the number of queries (the
issue's bar: constant — the same for both) and the median time of the whole page, as the class teacher sees it.

    python -m bench joining            # helper J's benchmark calls main() at its end
    python -m bench.joining_tracker    # this part alone: SQLite and (if it answers) PostgreSQL
    python -m bench.joining_tracker --sqlite-only | --postgres

Each database runs in a child process with production-like settings and a migrated empty database; a third of
the families are fully connected (accounts, parent's consent, both class chats). The exit status is non-zero when
the query count grows with the class.
PostgreSQL: a throw-away database `sreda_bench_tracker` on the server of $BENCH_POSTGRES_URL / $DATABASE_URL.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

from bench.common import ROOT, median_seconds, on_both_databases

BENCH_DB = "sreda_bench_tracker"
SIZES = (30, 60)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.joining_tracker")
    parser.add_argument("--postgres", action="store_true", help="обязательно прогнать и на PostgreSQL")
    parser.add_argument("--sqlite-only", action="store_true", help="только SQLite")
    parser.add_argument("--run", metavar="DATABASE_URL", help=argparse.SUPPRESS)
    args, _unknown = parser.parse_known_args(argv)  # called with the joining benchmark's own options too
    if args.run:
        return _child(args.run)
    results = on_both_databases(name="tracker", database=BENCH_DB, run=_run, sqlite_only=args.sqlite_only,
                                postgres_required=args.postgres)
    if results is None:
        return 1
    _table(results)
    return 0 if results and all(r.get("ok") for r in results) else 1


def _run(url: str, label: str, tmp: Path) -> list[dict]:
    """`python -m bench.joining_tracker --run URL` in a child with production-like settings (as bench.common.run_child
    does for registered benchmarks); its last stdout line is the JSON list of rows."""
    env = {**os.environ, "DATABASE_URL": url, "SREDA_VAR_DIR": str(tmp / f"var-{label}"), "HUEY_IMMEDIATE": "1",
           "LOG_LEVEL": "ERROR", "DEBUG": "0", "SECURE_SSL": "0"}
    env.pop("REDIS_URL", None)
    done = subprocess.run([sys.executable, "-m", "bench.joining_tracker", "--run", url], cwd=ROOT, env=env,
                          capture_output=True, text=True)
    if done.returncode != 0:
        print(f"{label}: ошибка\n{done.stderr[-3000:]}")
        return [{"db": label, "title": "трекер подключения класса", "ok": False, "failed": True}]
    return [{"db": label, **row} for row in json.loads(done.stdout.strip().splitlines()[-1])]


def _table(results: list[dict]) -> None:
    header = f"{'база':<11} {'измерение':<52} {'учеников':>9} {'запросов':>9} {'секунд':>8}"
    print(header)
    print("-" * len(header))
    for r in results:
        if r.get("failed"):
            print(f"{r['db']:<11} {r['title']:<52} {'ошибка':>9}")
            continue
        mark = "" if r.get("ok") else "  НЕ ВЫПОЛНЕНО: число запросов растёт"
        print(f"{r['db']:<11} {r['title']:<52} {r['size']:>9} {r['queries']:>9} {r['seconds']:>8.4f}{mark}")


def _child(url: str) -> int:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sreda.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    print(json.dumps(measure()))
    return 0


def measure() -> list[dict]:
    """The page at 30 and at 60 students (with their parents): queries and the median of 5 requests."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from sreda.chats.models import ChatKind
    from sreda.core.testing import act_as
    from sreda.onboarding.tests.test_tracker_builders import (
        add_students,
        class_chat,
        connect_fully,
        make_tracker_school,
    )

    school = make_tracker_school(students=0, short_name="МБОУ СОШ № 30")
    students_chat, parents_chat = class_chat(school, ChatKind.STUDENTS), class_chat(school, ChatKind.PARENTS)
    client = Client()
    act_as(client, school.teacher, school.teacher_membership)
    url, params = reverse("onboarding:tracker"), {"class": school.school_class.pk}
    rows = []
    for size in SIZES:
        before = len(school.students)
        add_students(school, size - before)
        for child, parent in list(zip(school.students, school.parents))[before:size:3]:
            connect_fully(school, child, parent, students_chat=students_chat, parents_chat=parents_chat)

        def page():
            response = client.get(url, params)
            assert response.status_code == 200, response.status_code
            return response

        page()
        with CaptureQueriesContext(connection) as queries:
            page()
        rows.append({"title": "«Подключение классов»: страница класса", "size": size, "queries": len(queries),
                     "seconds": median_seconds(page, repeat=5)})
    same = len({r["queries"] for r in rows}) == 1
    return [{**r, "ok": same} for r in rows]


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
