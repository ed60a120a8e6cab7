"""Messenger chats (R24–R27) at the size of a region, and applying changes to a real homeserver.

    python -m bench chats                  # both parts; the plan on SQLite and (if it answers) PostgreSQL
    python -m bench chats --only plan      # plan + diff of 1,000 schools (~1,000,000 memberships): < 10 s
    python -m bench chats --only join      # 1,000 joins to a real Synapse: Sreda's connector ≥ 80 % of the
                                           # rate of Synapse's own admin join API called directly
    python -m bench chats --join-n 200     # fewer joins

`plan` runs bench/chats_plan.py in a child process per database (a migrated empty database, as the other
benches); `join` runs bench/chats_synapse.py against a throw-away Synapse (`make synapse`). The exit status is
non-zero while a target is missed.
"""
from __future__ import annotations

import argparse
import json
import os
import tempfile
from pathlib import Path

from bench.common import pg_admin_url, pg_server_url, run_child, with_pg_database

BENCH_DB = "sreda_bench_chats"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench chats")
    parser.add_argument("--only", choices=["plan", "join"], help="только эта часть")
    parser.add_argument("--join-n", type=int, default=1000, help="сколько вступлений каждым способом")
    parser.add_argument("--postgres", action="store_true", help="обязательно прогнать план и на PostgreSQL")
    parser.add_argument("--sqlite-only", action="store_true", help="план только на SQLite")
    parser.add_argument("--run", nargs=2, metavar=("DATABASE_URL", "PLAN"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.run:
        return _child(args.run[0], json.loads(args.run[1]))
    ok = True
    if args.only in (None, "plan"):
        rows: list[dict] = []
        with tempfile.TemporaryDirectory(prefix="sreda-bench-chats-") as tmp:
            rows += _plan(f"sqlite:///{Path(tmp) / 'plan.sqlite3'}", "SQLite", Path(tmp))
            pg = pg_admin_url(pg_server_url())
            if not args.sqlite_only and pg:
                rows += with_pg_database(pg, BENCH_DB, lambda url: _plan(url, "PostgreSQL", Path(tmp)))
            elif not args.sqlite_only:
                print(f"PostgreSQL не отвечает ({pg_server_url()}): прогон на PostgreSQL пропущен.")
                ok = not args.postgres
        print(f"{'база':<11} {'измерение':<56} {'размер':>9} {'секунд':>8} {'цель':>7}")
        for r in rows:
            if r.get("failed"):
                print(f"{r['db']:<11} {r['title']:<56} {'ошибка':>9}")
                continue
            mark = "" if r.get("ok") else "  НЕ ВЫПОЛНЕНО"
            print(f"{r['db']:<11} {r['title']:<56} {r.get('size', ''):>9} {r['seconds']:>8.3f} {r.get('target', ''):>7}{mark}")
        ok = ok and bool(rows) and all(r.get("ok") for r in rows)
    if args.only in (None, "join"):
        from bench.chats_synapse import measure_join_rate, print_rows

        joins = measure_join_rate(args.join_n)
        print_rows(joins)
        ok = ok and all(r["ok"] for r in joins)
    return 0 if ok else 1


def _plan(url: str, label: str, tmp: Path) -> list[dict]:
    rows = run_child("chats", url, {"part": "plan"}, label, tmp)
    return rows if rows is not None else [{"db": label, "title": "plan", "ok": False, "failed": True}]


def _child(url: str, plan: dict) -> int:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sreda.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from bench.chats_plan import measure

    call_command("migrate", verbosity=0)
    print(json.dumps(measure()))
    return 0
