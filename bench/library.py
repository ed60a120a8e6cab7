"""The content library (R15–R19) at the size of a region.

    python -m bench library                    # every part, SQLite and (if it answers) PostgreSQL
    python -m bench library --only search      # one part (access, search, indicators)
    python -m bench library --postgres         # PostgreSQL is required (fail if it does not answer)
    python -m bench library --sqlite-only

Parts (targets from the issue), each in its own child process with a migrated empty database:
    access      R15 for one teacher (`library_access_for`): < 5 ms; the school-wide report for 200
                teachers: < 200 ms                                              (bench/library_access.py)
    search      catalogue search over 100,000 lessons, mixed words and filters: < 100 ms at the 95th
                percentile                                                      (bench/library_search.py)
    indicators  R19 for 1,000 schools: < 1 s                                    (bench/library_indicators.py)
Each part's module has `measure() -> list[dict]` rows {"title", "size", "seconds", "target", "ok"}; this
module runs them and prints one table. The exit status is non-zero while a target is missed.
PostgreSQL: a throw-away database `sreda_bench_library` on the server of $BENCH_POSTGRES_URL / $DATABASE_URL.
"""
from __future__ import annotations

import argparse
import json
import os
import tempfile
from importlib import import_module
from pathlib import Path

from bench.common import pg_admin_url, pg_server_url, run_child, with_pg_database

BENCH_DB = "sreda_bench_library"
PARTS = {
    "access": "bench.library_access",
    "search": "bench.library_search",
    "indicators": "bench.library_indicators",
}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench library")
    parser.add_argument("--only", action="append", choices=list(PARTS), help="только эта часть (можно повторить)")
    parser.add_argument("--postgres", action="store_true", help="обязательно прогнать и на PostgreSQL")
    parser.add_argument("--sqlite-only", action="store_true", help="только SQLite")
    parser.add_argument("--run", nargs=2, metavar=("DATABASE_URL", "PLAN"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.run:
        return _child(args.run[0], json.loads(args.run[1]))
    parts = [part for part in PARTS if not args.only or part in args.only]
    results: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="sreda-bench-library-") as tmp:
        for part in parts:
            url = f"sqlite:///{Path(tmp) / f'{part}.sqlite3'}"
            results += _run(url, part, "SQLite", Path(tmp))
        pg = pg_admin_url(pg_server_url())
        if not args.sqlite_only and pg:
            for part in parts:
                results += with_pg_database(pg, BENCH_DB, lambda url, part=part: _run(url, part, "PostgreSQL", Path(tmp)))
        elif not args.sqlite_only:
            print(f"PostgreSQL не отвечает ({pg_server_url()}): прогон на PostgreSQL пропущен.")
            if args.postgres:
                return 1
    _table(results)
    return 0 if results and all(r.get("ok") for r in results) else 1


def _run(url: str, part: str, label: str, tmp: Path) -> list[dict]:
    rows = run_child("library", url, {"part": part}, label, tmp)
    return rows if rows is not None else [{"db": label, "title": part, "ok": False, "failed": True}]


def _table(results: list[dict]) -> None:
    header = f"{'база':<11} {'измерение':<62} {'размер':>9} {'секунд':>8} {'цель':>9}"
    print(header)
    print("-" * len(header))
    for r in results:
        if r.get("failed"):
            print(f"{r['db']:<11} {r['title']:<62} {'ошибка':>9}")
            continue
        mark = "" if r.get("ok") else "  НЕ ВЫПОЛНЕНО"
        print(f"{r['db']:<11} {r['title']:<62} {r.get('size', ''):>9} {r['seconds']:>8.4f} "
              f"{r.get('target', ''):>9}{mark}")


def _child(url: str, plan: dict) -> int:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sreda.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    rows = import_module(PARTS[plan["part"]]).measure()
    print(json.dumps(rows))
    return 0
