"""SCIM provisioning throughput (issue #9): 10,000 users created by POST operations of SCIM Bulk
(POST /scim/v2/Bulk, 1,000 «POST /Users» per request), then put into the access group «Педагоги. Доступ к
УБ ЦОК» by PATCH /scim/v2/Groups/{id} (R13), as a school IS would. For comparison, 1,000 more users by
one POST /scim/v2/Users request each (figure printed, no target: a request costs ~10 SQL statements and
the whole middleware stack).

    python -m bench.api_scim                    # 10,000 users, SQLite and (if it answers) PostgreSQL
    python -m bench.api_scim --users 2000       # another size
    python -m bench.api_scim --single 200       # how many users one request each (0 = skip)
    python -m bench.api_scim --sqlite-only
    python -m bench.api_scim --postgres         # PostgreSQL is required (fail if it does not answer)

Requests go through the whole Django stack (middleware, token authentication, views, services, audit)
with Django's test client, one after another, as one integration connection sends them. Target: at least
300 users/s. Each database runs in its own process with a migrated empty database; PostgreSQL in a
throw-away database `sreda_bench_scim` on the server of $BENCH_POSTGRES_URL / $DATABASE_URL.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import ROOT, pg_admin_url, pg_server_url, with_pg_database

BENCH_DB = "sreda_bench_scim"
TARGET_USERS_PER_SECOND = 300
GROUP_BATCH = 1000  # members per PATCH
BULK_BATCH = 1000  # operations per Bulk request (the server's maxOperations)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench api_scim")
    parser.add_argument("--users", type=int, default=10_000, help="сколько пользователей завести (10 000)")
    parser.add_argument("--single", type=int, default=1000, help="сколько пользователей по одному POST (1 000)")
    parser.add_argument("--postgres", action="store_true", help="обязательно прогнать и на PostgreSQL")
    parser.add_argument("--sqlite-only", action="store_true", help="только SQLite")
    parser.add_argument("--run", nargs=2, metavar=("DATABASE_URL", "PLAN"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.run:
        return _child(args.run[0], json.loads(args.run[1]))
    if args.users < 1:
        parser.error("--users: нужно хотя бы 1")
    plan = {"users": args.users, "single": max(0, args.single)}
    results = []
    with tempfile.TemporaryDirectory(prefix="sreda-bench-scim-") as tmp:
        results += run_child("api_scim", f"sqlite:///{Path(tmp) / 'bench.sqlite3'}", plan, "SQLite", Path(tmp)) or []
        pg = pg_admin_url(pg_server_url())
        if not args.sqlite_only and pg:
            results += with_pg_database(
                pg, BENCH_DB, lambda url: run_child("api_scim", url, plan, "PostgreSQL", Path(tmp)) or [])
        elif not args.sqlite_only:
            print(f"PostgreSQL не отвечает ({pg_server_url()}): прогон на PostgreSQL пропущен.")
            if args.postgres:
                return 1
    _table(results)
    return 0 if results and all(r["users_per_second"] >= r["target"] for r in results if r.get("target")) else 1


def run_child(_name: str, url: str, plan: dict, label: str, tmp: Path) -> list[dict] | None:
    """`python -m bench.api_scim --run URL PLAN` (bench.common.run_child goes through `python -m bench`,
    whose list does not name this benchmark yet); its last stdout line is the JSON list of rows."""
    env = {**os.environ, "DATABASE_URL": url, "SREDA_VAR_DIR": str(tmp / f"var-{label}"),
           "HUEY_IMMEDIATE": "1", "LOG_LEVEL": "ERROR", "DEBUG": "0"}
    env.pop("REDIS_URL", None)
    done = subprocess.run([sys.executable, "-m", "bench.api_scim", "--run", url, json.dumps(plan)], check=False,
                          cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        print(f"{label}: ошибка\n{done.stderr[-3000:]}")
        return None
    return [{"db": label, **row} for row in json.loads(done.stdout.strip().splitlines()[-1])]


def _table(results: list[dict]) -> None:
    header = (f"{'база':<11} {'способ':<26} {'пользователей':>13} {'POST, с':>8} {'PATCH групп, с':>15} "
              f"{'польз./с':>9} {'цель':>7}")
    print(header)
    print("-" * len(header))
    for r in results:
        target = r.get("target")
        mark = "" if not target or r["users_per_second"] >= target else "  НИЖЕ ЦЕЛИ"
        print(f"{r['db']:<11} {r['mode']:<26} {r['users']:>13} {r['post_seconds']:>8.2f} {r['patch_seconds']:>15.2f} "
              f"{r['users_per_second']:>9.0f} {('≥ ' + str(target)) if target else '':>7}{mark}")


def _child(url: str, plan: dict) -> int:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sreda.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    rows = [provision(plan["users"], bulk=True)]
    if plan.get("single"):
        rows.append(provision(plan["single"], bulk=False))
    print(json.dumps(rows))
    return 0


def provision(users: int, *, bulk: bool) -> dict:
    """Create `users` teachers (by Bulk POST operations, or one POST request each), then add them all to the
    group by PATCH; timed end to end, in a school of its own."""
    from django.test import Client

    from sreda.access.models import AccessGroup, AccessGroupMember
    from sreda.access.selectors import UB_TSOK_GROUP_CODE
    from sreda.api.models import SCOPE_SCIM
    from sreda.api.tests.factories import issue
    from sreda.core.testing import make_municipality, make_organisation, make_region
    from sreda.people.roles import Role

    organisation = make_organisation(municipality=make_municipality(region=make_region()))
    secret = issue(role=Role.ADMINISTRATOR, organisation=organisation, scopes=(SCOPE_SCIM,))
    group = AccessGroup.objects.get(code=UB_TSOK_GROUP_CODE)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    content_type = "application/scim+json"
    user_schema = "urn:ietf:params:scim:schemas:core:2.0:User"
    sreda_schema = "urn:sreda:params:scim:schemas:extension:2.0:User"
    ids: list[str] = []

    def body(n: int) -> dict:
        return {"schemas": [user_schema, sreda_schema], "userName": f"t{organisation.pk}-{n:05d}",
                "externalId": f"para-{organisation.pk}-{n:05d}",
                "name": {"familyName": f"Иванова{n:05d}", "givenName": "Анна", "middleName": "Петровна"},
                "emails": [{"value": f"teacher{n:05d}@school.ru"}], sreda_schema: {"role": "teacher"}}

    started = time.perf_counter()
    if bulk:
        for at in range(0, users, BULK_BATCH):
            request = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"], "Operations": [
                {"method": "POST", "path": "/Users", "bulkId": f"u{n}", "data": body(n)}
                for n in range(at, min(users, at + BULK_BATCH))]}
            response = client.post("/scim/v2/Bulk", json.dumps(request), content_type=content_type, secure=True)
            answers = response.json()["Operations"] if response.status_code == 200 else []
            if response.status_code != 200 or any(a["status"] != "201" for a in answers):
                raise SystemExit(f"Bulk {at}: {response.status_code} {response.content[:500]!r}")
            ids += [a["location"].rsplit("/", 1)[1] for a in answers]
    else:
        for n in range(users):
            response = client.post("/scim/v2/Users", json.dumps(body(n)), content_type=content_type, secure=True)
            if response.status_code != 201:
                raise SystemExit(f"POST {n}: {response.status_code} {response.content[:300]!r}")
            ids.append(response.json()["id"])
    post_seconds = time.perf_counter() - started

    started = time.perf_counter()
    patch_schema = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
    for at in range(0, len(ids), GROUP_BATCH):
        request = {"schemas": [patch_schema], "Operations": [
            {"op": "add", "path": "members", "value": [{"value": pk} for pk in ids[at:at + GROUP_BATCH]]}]}
        response = client.patch(f"/scim/v2/Groups/{group.pk}", json.dumps(request), content_type=content_type, secure=True)
        if response.status_code != 204:
            raise SystemExit(f"PATCH {at}: {response.status_code} {response.content[:300]!r}")
    patch_seconds = time.perf_counter() - started

    in_group = AccessGroupMember.objects.filter(group=group, organisation=organisation, removed_at__isnull=True).count()
    if in_group != users:
        raise SystemExit(f"В группе {in_group} сотрудников, ожидалось {users}")
    total = post_seconds + patch_seconds
    return {"mode": "Bulk (POST /Users) + PATCH" if bulk else "POST /Users по одному + PATCH",
            "target": TARGET_USERS_PER_SECOND if bulk else None, "users": users, "post_seconds": post_seconds,
            "patch_seconds": patch_seconds, "users_per_second": users / total}


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
