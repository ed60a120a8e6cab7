"""What the benchmarks share: a child process per database (so each runs with its own settings), and a
throw-away PostgreSQL database created for the run and dropped after it."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Callable
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PG = "postgres://root@127.0.0.1:5432/test"


def pg_server_url() -> str:
    """BENCH_POSTGRES_URL, else a PostgreSQL DATABASE_URL, else the local default."""
    if os.environ.get("BENCH_POSTGRES_URL"):
        return os.environ["BENCH_POSTGRES_URL"]
    database_url = os.environ.get("DATABASE_URL", "")
    return database_url if database_url.startswith(("postgres://", "postgresql://")) else DEFAULT_PG


def pg_admin_url(url: str) -> str | None:
    """A URL of the server to create the throw-away database from: the given database if it exists,
    else the server's «postgres» database (DATABASE_URL may name a database that does not exist yet)."""
    import psycopg

    for candidate in (url, urlunsplit(urlsplit(url)._replace(path="/postgres"))):
        try:
            psycopg.connect(candidate, connect_timeout=3).close()
            return candidate
        except Exception:  # noqa: BLE001 — any failure means "not here"
            continue
    return None


def run_child(bench: str, url: str, plan, label: str, tmp: Path) -> list[dict] | None:
    """`python -m bench <bench> --run URL PLAN` with production-like settings; its last stdout line is
    the JSON list of result rows. None (after printing the error) if the child failed."""
    env = {**os.environ, "DATABASE_URL": url, "SREDA_VAR_DIR": str(tmp / f"var-{label}"),
           "HUEY_IMMEDIATE": "1", "LOG_LEVEL": "ERROR", "DEBUG": "0"}
    env.pop("REDIS_URL", None)
    done = subprocess.run([sys.executable, "-m", "bench", bench, "--run", url, json.dumps(plan)],
                          cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        print(f"{label}: ошибка\n{done.stderr[-3000:]}")
        return None
    return [{"db": label, **row} for row in json.loads(done.stdout.strip().splitlines()[-1])]


def with_pg_database(url: str, name: str, run: Callable[[str], list[dict]]) -> list[dict]:
    """Create database `name` on the server of `url`, call `run` with its URL, drop it afterwards."""
    import psycopg

    bench_url = urlunsplit(urlsplit(url)._replace(path=f"/{name}"))
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")
    try:
        return run(bench_url)
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def median_seconds(call: Callable[[], object], repeat: int = 3) -> float:
    """The median wall time of `repeat` calls, after one untimed warm-up call (first-query costs are not the
    steady state)."""
    import statistics
    import time

    call()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def on_both_databases(*, name: str, database: str, run: Callable[[str, str, Path], list[dict]],
                      sqlite_only: bool = False, postgres_required: bool = False) -> list[dict] | None:
    """`run(url, label, tmp)` on a throw-away SQLite file, then on a throw-away PostgreSQL database `database`
    (dropped afterwards); the rows of both. None when PostgreSQL is required and not reachable."""
    import tempfile

    results: list[dict] = []
    with tempfile.TemporaryDirectory(prefix=f"sreda-bench-{name}-") as tmp:
        results += run(f"sqlite:///{Path(tmp) / f'{name}.sqlite3'}", "SQLite", Path(tmp))
        pg = pg_admin_url(pg_server_url())
        if not sqlite_only and pg:
            results += with_pg_database(pg, database, lambda url: run(url, "PostgreSQL", Path(tmp)))
        elif not sqlite_only:
            print(f"PostgreSQL не отвечает ({pg_server_url()}): прогон на PostgreSQL пропущен.")
            if postgres_required:
                return None
    return results
