"""`python -m bench api [--schools 12] [--users 20] [--requests 20] [--sqlite-only|--postgres-only]`: the REST API
under load (issue 9).

The list endpoints of a generated district (`generate`: schools with classes, students, parents and staff),
read by `--users` integrations at once, each with its own token and keep-alive connection, over HTTP from
`python -m sreda serve` run as in production (DEBUG=0); the 95th percentile of all latencies per database (target:
under 50 ms with 20 users), with what the server's processes spent on the processor per request. Before that the
same requests from one integration at a time: the latency of a request that queues behind no other. Then the SCIM provisioning benchmark (bench/api_scim.py), if present. PostgreSQL: a throw-away
database `sreda_bench_api` on the server of $BENCH_POSTGRES_URL / $DATABASE_URL.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import tempfile
from pathlib import Path

from bench.common import pg_admin_url, pg_server_url, run_child, with_pg_database

BENCH_DB = "sreda_bench_api"
TARGET = 0.050  # seconds, the 95th percentile


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench api")
    parser.add_argument("--schools", type=int, default=12, help="школ в районе (по умолчанию 12)")
    parser.add_argument("--users", type=int, default=20, help="интеграций одновременно (по умолчанию 20)")
    parser.add_argument("--requests", type=int, default=50, help="запросов каждой после разогрева (по умолчанию 50)")
    parser.add_argument("--sqlite-only", action="store_true")
    parser.add_argument("--postgres-only", action="store_true")
    parser.add_argument("--no-scim", action="store_true", help="без бенчмарка SCIM")
    parser.add_argument("--run", nargs=2, metavar=("DATABASE_URL", "PLAN"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.run:
        return _child(args.run[0], json.loads(args.run[1]))
    plan = {"schools": args.schools, "users": args.users, "requests": args.requests}
    results: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="sreda-bench-api-") as tmp:
        if not args.postgres_only:
            results += run_child("api", f"sqlite:///{Path(tmp) / 'bench.sqlite3'}", plan, "SQLite", Path(tmp)) or [
                {"db": "SQLite", "ok": False}]
        pg = pg_admin_url(pg_server_url())
        if not args.sqlite_only and pg:
            results += with_pg_database(pg, BENCH_DB, lambda url: run_child("api", url, plan, "PostgreSQL", Path(tmp))
                                        or [{"db": "PostgreSQL", "ok": False}])
        elif not args.sqlite_only:
            print(f"PostgreSQL не отвечает ({pg_server_url()}): прогон на PostgreSQL пропущен.")
    header = (f"{'база':<11} {'измерение':<58} {'запросов':>9} {'медиана, мс':>12} {'p95, мс':>9} "
              f"{'ЦП сервера, мс/запрос':>22} {'цель':>9}")
    print(header)
    print("-" * len(header))
    for r in results:
        if "p95" not in r:
            print(f"{r['db']:<11} ошибка")
            continue
        mark = "" if r["ok"] else "  НЕ ВЫПОЛНЕНО"
        cpu = "—" if r.get("cpu_ms") is None else f"{r['cpu_ms']:.2f}"
        target = "< 50 мс" if r.get("target") else "—"
        print(f"{r['db']:<11} {r['title']:<58} {r['count']:>9} {r['median'] * 1000:>12.1f} {r['p95'] * 1000:>9.1f} "
              f"{cpu:>22} {target:>9}{mark}")
    if any(r.get("cpu_ms") for r in results):
        cores = os.cpu_count() or 1
        print(f"Ядер: {cores}. Клиенты без пауз ждут в очереди: при ЦП сервера c мс на запрос медиана не меньше "
              f"{plan['users']} × c / {cores} мс.")
    ok = bool(results) and all(r.get("ok") for r in results)
    if not args.no_scim and importlib.util.find_spec("bench.api_scim") is not None:
        scim_args = ["--sqlite-only"] if args.sqlite_only else []
        ok = (importlib.import_module("bench.api_scim").main(scim_args) or 0) == 0 and ok
    return 0 if ok else 1


def _child(url: str, plan: dict) -> int:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sreda.settings")
    import io

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("generate", schools=plan["schools"], seed=7, stdout=io.StringIO())
    print(json.dumps(measure(users=plan["users"], requests_each=plan["requests"])))
    return 0


def measure(*, users: int, requests_each: int) -> list[dict]:
    from bench.http_load import measure as load, p95
    from sreda.api.models import SCOPES
    from sreda.api.tests.factories import issue
    from sreda.core.management.commands.serve import default_workers
    from sreda.orgs.models import Organisation, SchoolClass
    from sreda.people.roles import Role

    schools = list(Organisation.objects.order_by("pk"))
    targets, headers_of = [], {}
    for n in range(users):
        school = schools[n % len(schools)]
        secret = issue(role=Role.ADMINISTRATOR, organisation=school, scopes=tuple(SCOPES), name=f"ИС {n}")
        a_class = SchoolClass.objects.filter(organisation=school).order_by("pk").first()
        kind = n % 5
        path = [f"/api/v1/organisations/{school.pk}/people?limit=50&offset={50 * (n % 4)}",
                f"/api/v1/organisations/{school.pk}/classes",
                f"/api/v1/memberships?organisation_id={school.pk}&limit=100",
                f"/api/v1/classes/{a_class.pk}",
                f"/api/v1/organisations?q={school.inn}"][kind]
        targets.append(path)
        headers_of[path] = secret
    # One user per target; each carries its own token (the rate limit is per token). The server runs as in
    # production: DEBUG off, so no query log and no per-row schema check (SREDA_API_CHECK_ROWS follows DEBUG).
    workers = default_workers()
    env = {**os.environ, "SREDA_API_RATE_LIMIT": str(10 ** 9), "DEBUG": "0", "SREDA_API_CHECK_ROWS": "0"}
    per_target = {p: {"Authorization": f"Bearer {headers_of[p]}"} for p in targets}
    # The floor: /api/v1/me is one token lookup and no list; what 20 integrations at once wait for it shows how much
    # of the lists' latency is the queue for the processor rather than the lists' own work.
    floor = [f"/api/v1/me?client={n}" for n in range(users)]
    for n, path in enumerate(floor):
        per_target[path] = per_target[targets[n]]
    rows = []
    for paths, concurrency, title, target in (
            (targets, 1, "Списки API, по одному запросу (без очереди)", False),
            (targets, users, f"Списки API, {users} интеграций сразу (serve, процессов: {workers})", True),
            (floor, users, f"Для сравнения: /api/v1/me, {users} интеграций сразу", False)):
        usage: dict = {}
        latencies = load(targets=paths, headers={}, requests_each=requests_each, workers=workers, env=env,
                         check=lambda status, body: status == 200, per_target_headers=per_target,
                         concurrency=concurrency, usage=usage)
        cpu_ms = None if usage.get("cpu_seconds") is None else usage["cpu_seconds"] / usage["requests"] * 1000
        rows.append({"title": title, "count": len(latencies), "median": statistics.median(latencies),
                     "p95": p95(latencies), "cpu_ms": cpu_ms, "target": target,
                     "ok": p95(latencies) < TARGET or not target})
    return rows
