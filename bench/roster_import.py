"""Roster import speed: a synthetic OneRoster region imported into a fresh database.

    python -m bench roster-import --people 100000      # targets: < 15 s on SQLite, peak RSS < 1 GB
    python -m bench roster-import --district           # 9,500 students in 300 classes + 500 teachers: < 2 s

The files are generated once (sreda.demo.synth.write_oneroster); each database runs in its own
process, so its peak memory is its own. PostgreSQL runs when --postgres is given or a server answers
at $BENCH_POSTGRES_URL (default postgres://root@127.0.0.1:5432/test); a throw-away database
`sreda_bench` is created there and dropped afterwards.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PG = "postgres://root@127.0.0.1:5432/test"
BENCH_DB = "sreda_bench"
DISTRICT = {"schools": 15, "classes_per_school": 20, "class_size": (30, 33), "teachers_per_school": 33, "parents": False}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench roster-import")
    shape = parser.add_mutually_exclusive_group()
    shape.add_argument("--people", type=int, default=100_000, help="сколько людей в регионе (по умолчанию 100 000)")
    shape.add_argument("--district", action="store_true", help="район: 9 500 обучающихся в 300 классах и 500 учителей")
    parser.add_argument("--postgres", action="store_true", help="обязательно прогнать и на PostgreSQL")
    parser.add_argument("--sqlite-only", action="store_true", help="только SQLite")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--run", nargs=2, metavar=("DATABASE_URL", "FOLDER"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.run:
        return _child(*args.run)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sreda.settings")
    with tempfile.TemporaryDirectory(prefix="sreda-bench-") as tmp:
        folder = Path(tmp) / "oneroster"
        started = time.perf_counter()
        counts = _generate(folder, args)
        print(f"Данные: {_n(counts['people'])} людей, {_n(counts['classes'])} классов, {counts['schools']} школ — "
              f"сгенерировано за {time.perf_counter() - started:.1f} с")
        results = [_run_child(f"sqlite:///{Path(tmp) / 'bench.sqlite3'}", folder, "SQLite")]
        pg = os.environ.get("BENCH_POSTGRES_URL", DEFAULT_PG)
        if not args.sqlite_only and (args.postgres or _pg_reachable(pg)):
            results.append(_with_pg_database(pg, lambda url: _run_child(url, folder, "PostgreSQL")))
        elif args.postgres:
            print(f"PostgreSQL недоступен: {pg}")
            return 1
    _table(results)
    return 0 if all(r.get("applied") for r in results) else 1


def _generate(folder: Path, args) -> dict:
    import django

    django.setup()
    from sreda.demo.synth import write_oneroster

    if args.district:
        return write_oneroster(folder, seed=args.seed, **DISTRICT)
    # Size the region by a pilot school: people per school depends on the generator's mix.
    with tempfile.TemporaryDirectory() as pilot:
        per_school = write_oneroster(Path(pilot), schools=2, seed=args.seed)["people"] / 2
    # A little over, so the region has at least the people asked for.
    return write_oneroster(folder, schools=max(1, math.ceil(args.people * 1.02 / per_school)), seed=args.seed)


def _run_child(url: str, folder: Path, label: str) -> dict:
    env = {**os.environ, "DATABASE_URL": url, "SREDA_VAR_DIR": str(folder.parent / f"var-{label}"),
           "HUEY_IMMEDIATE": "1", "LOG_LEVEL": "ERROR", "DEBUG": "0"}
    env.pop("REDIS_URL", None)
    done = subprocess.run([sys.executable, "-m", "bench", "roster-import", "--run", url, str(folder)],
                          cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        print(f"{label}: ошибка\n{done.stderr[-3000:]}")
        return {"db": label, "applied": False}
    return {"db": label, **json.loads(done.stdout.strip().splitlines()[-1])}


def _child(url: str, folder: str) -> int:
    """Inside the child process: migrate the empty database, then time the import alone."""
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sreda.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from sreda.core.active_role import system_operator
    from sreda.roster.services import roster_import

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    result = roster_import(actor=system_operator(), path=Path(folder))
    seconds = time.perf_counter() - started
    people = result.created + result.updated + result.unchanged
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"people": people, "rows": result.rows, "seconds": seconds, "peak_mb": peak_mb,
                      "applied": result.applied, "errors": result.errors[:5]}))
    return 0


def _pg_reachable(url: str) -> bool:
    try:
        import psycopg

        psycopg.connect(url, connect_timeout=3).close()
        return True
    except Exception:  # noqa: BLE001 — any failure means "not here"
        return False


def _with_pg_database(url: str, run) -> dict:
    import psycopg

    parts = urlsplit(url)
    bench_url = urlunsplit(parts._replace(path=f"/{BENCH_DB}"))
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DB}")
        conn.execute(f"CREATE DATABASE {BENCH_DB}")
    try:
        return run(bench_url)
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")


def _n(value: int) -> str:
    return f"{value:,}".replace(",", " ")


def _table(results: list[dict]) -> None:
    header = f"{'база':<11} {'людей':>8} {'строк':>8} {'секунд':>7} {'людей/с':>8} {'пик RSS, МБ':>12}"
    print(header)
    print("-" * len(header))
    for r in results:
        if not r.get("applied"):
            print(f"{r['db']:<11} {'ошибка':>8} {r.get('errors', '')}")
            continue
        print(f"{r['db']:<11} {r['people']:>8} {r['rows']:>8} {r['seconds']:>7.2f} {r['people'] / r['seconds']:>8.0f} {r['peak_mb']:>12.0f}")
