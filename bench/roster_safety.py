"""Sync hold speed (issue #10, item 1): the hold preview of a 100,000-person region.

    python -m bench roster-safety                 # target: the preview computed in < 5 s
    python -m bench roster-safety --people 20000 --sqlite-only

A synthetic OneRoster region (sreda.demo.synth, as bench/roster_import.py) is imported into a fresh
database; then the same region with half of every school's students missing is imported. That import
is held: the figure is the time of computing the difference and its preview (hold.difference + preview)
inside the import, and, for reference, the whole held run (read, apply, preview, roll back, store).
Each database runs in its own process; PostgreSQL as in bench/roster_import.py ($BENCH_POSTGRES_URL).
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from bench.roster_import import DEFAULT_PG, ROOT, _generate, _n, _pg_reachable

TARGET_SECONDS = 5.0
BENCH_DB = "sreda_bench_hold"  # its own throw-away database: bench roster-import uses sreda_bench


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench roster-safety")
    parser.add_argument("--people", type=int, default=100_000, help="сколько людей в регионе (по умолчанию 100 000)")
    parser.add_argument("--postgres", action="store_true", help="обязательно прогнать и на PostgreSQL")
    parser.add_argument("--sqlite-only", action="store_true", help="только SQLite")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--run", nargs=3, metavar=("DATABASE_URL", "FULL", "HALF"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.run:
        return _child(*args.run)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sreda.settings")
    args.district = False
    with tempfile.TemporaryDirectory(prefix="sreda-bench-hold-") as tmp:
        full, half = Path(tmp) / "full", Path(tmp) / "half"
        started = time.perf_counter()
        counts = _generate(full, args)
        dropped = _truncate(full, half)
        print(f"Данные: {_n(counts['people'])} людей, {counts['schools']} школ; в усечённой выгрузке нет "
              f"{_n(dropped)} обучающихся — подготовлено за {time.perf_counter() - started:.1f} с")
        results = [_run_child(f"sqlite:///{Path(tmp) / 'bench.sqlite3'}", full, half, "SQLite")]
        pg = os.environ.get("BENCH_POSTGRES_URL", DEFAULT_PG)
        if not args.sqlite_only and (args.postgres or _pg_reachable(pg)):
            results.append(_with_pg_database(pg, lambda url: _run_child(url, full, half, "PostgreSQL")))
        elif args.postgres:
            print(f"PostgreSQL недоступен: {pg}")
            return 1
    _table(results)
    return 0 if all(r.get("held") and r["preview_seconds"] < TARGET_SECONDS for r in results) else 1


def _truncate(full: Path, half: Path) -> int:
    """A broken export: every other student of every school missing (with their enrolments and demographics)."""
    shutil.copytree(full, half)
    gone: set[str] = set()
    with open(full / "users.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    students = [r["sourcedId"] for r in rows if r["role"] == "student"]
    gone = set(students[::2])
    _filter(full / "users.csv", half / "users.csv", lambda r: r["sourcedId"] not in gone)
    _filter(full / "enrollments.csv", half / "enrollments.csv", lambda r: r["userSourcedId"] not in gone)
    if (full / "demographics.csv").exists():
        _filter(full / "demographics.csv", half / "demographics.csv", lambda r: r["sourcedId"] not in gone)
    return len(gone)


def _filter(src: Path, dest: Path, keep) -> None:
    with open(src, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        header, rows = reader.fieldnames, [r for r in reader if keep(r)]
    with open(dest, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)


def _run_child(url: str, full: Path, half: Path, label: str) -> dict:
    env = {**os.environ, "DATABASE_URL": url, "SREDA_VAR_DIR": str(full.parent / f"var-{label}"),
           "HUEY_IMMEDIATE": "1", "LOG_LEVEL": "ERROR", "DEBUG": "0"}
    env.pop("REDIS_URL", None)
    done = subprocess.run([sys.executable, "-m", "bench.roster_safety", "--run", url, str(full), str(half)],
                          cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        print(f"{label}: ошибка\n{done.stderr[-3000:]}")
        return {"db": label, "held": False}
    return {"db": label, **json.loads(done.stdout.strip().splitlines()[-1])}


def _child(url: str, full: str, half: str) -> int:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sreda.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from sreda.core.active_role import system_operator
    from sreda.roster import hold
    from sreda.roster.services import roster_import

    call_command("migrate", verbosity=0)
    first = roster_import(actor=system_operator(), path=Path(full))
    if not first.applied:
        print(json.dumps({"held": False, "errors": first.errors[:5]}))
        return 1
    timed = {"seconds": 0.0}
    plain = hold.difference

    def difference(counts):  # the preview's own cost: the difference, names, classes, fingerprint, preview JSON
        started = time.perf_counter()
        diff = plain(counts)
        diff.preview()
        timed["seconds"] += time.perf_counter() - started
        return diff

    hold.difference = difference
    started = time.perf_counter()
    result = roster_import(actor=system_operator(), path=Path(half), skip_bad=True)
    total = time.perf_counter() - started
    summary = result.as_dict().get("held") or {}
    print(json.dumps({"people": first.created, "held": result.held is not None, "ended": summary.get("ended", 0),
                      "moved": summary.get("moved", 0), "preview_seconds": timed["seconds"], "held_run_seconds": total,
                      "errors": result.errors[:3]}))
    return 0


def _with_pg_database(url: str, run) -> dict:
    import psycopg

    bench_url = urlunsplit(urlsplit(url)._replace(path=f"/{BENCH_DB}"))
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DB}")
        conn.execute(f"CREATE DATABASE {BENCH_DB}")
    try:
        return run(bench_url)
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")


def _table(results: list[dict]) -> None:
    header = f"{'база':<11} {'людей':>8} {'завершится':>11} {'предпросмотр, с':>16} {'весь прогон, с':>15} {'цель':>6}"
    print(header)
    print("-" * len(header))
    for r in results:
        if not r.get("held"):
            print(f"{r['db']:<11} {'не удержан':>8} {r.get('errors', '')}")
            continue
        ok = "да" if r["preview_seconds"] < TARGET_SECONDS else "нет"
        print(f"{r['db']:<11} {r['people']:>8} {r['ended']:>11} {r['preview_seconds']:>16.2f} "
              f"{r['held_run_seconds']:>15.2f} {ok:>6}")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
