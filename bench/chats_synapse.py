"""Applying membership changes to a real Synapse (issue 6): 1,000 joins through Sreda at no less than 80% of the
rate Synapse's own admin join API reaches when called directly in the same run.

    python -m bench.chats_synapse            # 1,000 joins each way
    python -m bench.chats_synapse --n 200

All ways run against one throw-away Synapse (sreda/chats/synapse_harness.py) started for the run, each into a
fresh room of its own, joining the same n users (registered by the application service, not timed):
(a) `POST /_synapse/admin/v1/join/{room}` with a bare httpx.Client, (b) MatrixConnector.add_member. The two
alternate in blocks of 50 joins, so both rooms grow at the same pace and neither way gets a warmer server.
(c) the chat sync itself (sreda.chats.sync.sync_school), after (a) and (b): in a child process on a throw-away
SQLite database (as bench/chats_plan.py), a school whose class has a linked class teacher and one linked student
is synced once (rooms created, not timed); then n students linked to the n users join the class and the second
sync — plan, diff, exactly n joins and their mirror rows — is timed. (b) and (c) must reach 80% of (a)'s rate.
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
from urllib.parse import quote

TARGET_SHARE = 0.8
BLOCK = 50
SYNC_TITLE = "Sreda: синхронизация чатов (sync_school)"


def _register(server, n: int, prefix: str = "sreda_bench") -> list[str]:
    """n users of the application service's namespace (one call each, no password hashing)."""
    users = []
    with server.as_client() as http:
        for i in range(n):
            r = http.post("/_matrix/client/v3/register", json={
                "type": "m.login.application_service", "username": f"{prefix}_{i}", "inhibit_login": True})
            if r.status_code == 400 and r.json().get("errcode") == "M_USER_IN_USE":
                users.append(server.user_id(f"{prefix}_{i}"))
                continue
            r.raise_for_status()
            users.append(r.json()["user_id"])
    return users


def _row(title: str, size: int, seconds: float, target: float | None) -> dict:
    rate = size / seconds if seconds else 0.0
    return {"title": title, "size": size, "seconds": round(seconds, 3), "rate": round(rate, 1),
            "target": None if target is None else round(target, 1), "ok": target is None or rate >= target}


def measure_join_rate(n: int = 1000, server=None, *, sync: bool | None = None) -> list[dict]:
    """Rows {"title","size","seconds","rate","target","ok"}: (a) the admin join API called directly,
    (b) MatrixConnector.add_member and, with `sync`, (c) the chat sync applying n joins; the targets of (b) and (c)
    are 80% of (a)'s rate (joins per second). `sync` defaults to whether the bench starts its own server: (c) needs
    the room aliases of a fresh server, so on a server passed in (the tests') only (a) and (b) are measured."""
    from sreda.chats.matrix import MatrixConnector
    from sreda.chats.synapse_harness import SynapseServer

    own = server is None
    sync = own if sync is None else sync
    server = server or SynapseServer().start()
    try:
        users = _register(server, n)
        direct = through = 0.0
        with server.as_client() as http, MatrixConnector(server.base_url, server.as_token, server.bot_user_id,
                                                         server.server_name) as conn:
            direct_room = http.post("/_matrix/client/v3/createRoom", json={"name": "bench: admin join"}).json()["room_id"]
            room = conn.create_room(key_alias=f"sreda_bench_{time.time_ns()}", title="bench: connector", read_only=False)
            join = f"/_synapse/admin/v1/join/{quote(direct_room, safe='')}"
            for block in range(0, n, BLOCK):
                started = time.perf_counter()
                for user_id in users[block:block + BLOCK]:
                    http.post(join, json={"user_id": user_id}).raise_for_status()
                direct += time.perf_counter() - started
                started = time.perf_counter()
                for user_id in users[block:block + BLOCK]:
                    conn.add_member(room, user_id)
                through += time.perf_counter() - started
            assert len(conn.joined_members(room)) == n, "not every join landed"
        a = _row("Synapse: admin join API напрямую (httpx)", n, direct, None)
        rows = [a, _row("Sreda: MatrixConnector.add_member", n, through, a["rate"] * TARGET_SHARE)]
        if sync:
            seconds = _sync_seconds(server, users, seed=_register(server, 2, prefix="sreda_bench_seed"))
            rows.append(_row(SYNC_TITLE, n, seconds or 0.0, a["rate"] * TARGET_SHARE))
    finally:
        if own:
            server.stop()
    return rows


# ------------------------------------------------------------------ (c) the chat sync, in a child process

def _sync_seconds(server, users: list[str], *, seed: list[str]) -> float | None:
    """`python -m bench.chats_synapse --run-sync` on a throw-away SQLite database, with the settings the other
    benches give their children (bench/common.py run_child); the seconds of its timed sync, None if it failed."""
    from bench.common import ROOT

    plan = {"homeserver_url": server.base_url, "server_name": server.server_name,
            "service_token": server.as_token, "service_user_id": server.bot_user_id,
            "teacher": seed[0], "first": seed[1], "students": users}
    with tempfile.TemporaryDirectory(prefix="sreda-bench-chats-sync-") as tmp:
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{Path(tmp) / 'sync.sqlite3'}",
               "SREDA_VAR_DIR": str(Path(tmp) / "var"), "HUEY_IMMEDIATE": "1", "LOG_LEVEL": "ERROR", "DEBUG": "0"}
        env.pop("REDIS_URL", None)
        # the plan goes through stdin: n user ids may outgrow one command-line argument
        done = subprocess.run([sys.executable, "-m", "bench.chats_synapse", "--run-sync"], cwd=ROOT, env=env,
                              input=json.dumps(plan), capture_output=True, text=True)
    if done.returncode != 0:
        print(f"{SYNC_TITLE}: ошибка\n{done.stderr[-3000:]}")
        return None
    return json.loads(done.stdout.strip().splitlines()[-1])["seconds"]


def _sync_child(plan: dict) -> dict:
    """Build the school, sync it once, add the students, time the second sync; check it applied exactly n joins."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sreda.settings")
    import django

    django.setup()
    from datetime import date

    from django.core.management import call_command
    from django.utils import timezone

    from sreda.chats.models import (
        AccountStatus,
        ChatMember,
        ExchangeTask,
        MessengerAccount,
        MessengerSettings,
        TaskStatus,
    )
    from sreda.chats.sync import connector_for, sync_school
    from sreda.core.testing import make_class, make_membership, make_organisation, make_person, make_school_year
    from sreda.people.models import Confirmation, Membership, Person, person_sort_key
    from sreda.people.roles import Role

    call_command("migrate", verbosity=0)
    today = timezone.localdate()
    start = today.year if today.month >= 9 else today.year - 1
    org = make_organisation()
    messenger = MessengerSettings.objects.create(
        organisation=org, **{k: plan[k] for k in ("homeserver_url", "server_name", "service_token", "service_user_id")})

    def linked(person, user_id: str) -> None:
        MessengerAccount.objects.create(person=person, user_id=user_id, status=AccountStatus.LINKED,
                                        linked_at=timezone.now())

    teacher = make_person()
    make_membership(person=teacher, role=Role.TEACHER, organisation=org)
    linked(teacher, plan["teacher"])
    cls = make_class(organisation=org, school_year=make_school_year(f"{start}/{start + 1}"), class_teacher=teacher)
    first = make_person()
    make_membership(person=first, role=Role.STUDENT, organisation=org, school_class=cls)
    linked(first, plan["first"])
    task = sync_school(org)
    assert task.status == TaskStatus.DONE, task.errors

    students = Person.objects.bulk_create([
        Person(surname=f"Ученикова{i}", name="Анна", patronymic="Ивановна",
               sort_key=person_sort_key(f"Ученикова{i}", "Анна", "Ивановна"))
        for i in range(len(plan["students"]))])
    Membership.objects.bulk_create([
        Membership(person=p, organisation=org, role=Role.STUDENT, school_class=cls, confirmation=Confirmation.CONFIRMED,
                   start_date=date(start, 9, 1)) for p in students])
    MessengerAccount.objects.bulk_create([
        MessengerAccount(person=p, user_id=u, status=AccountStatus.LINKED, linked_at=timezone.now())
        for p, u in zip(students, plan["students"])])
    ExchangeTask.objects.filter(organisation=org, status=TaskStatus.PENDING).delete()  # queued by the roster triggers

    started = time.perf_counter()
    task = sync_school(org)
    seconds = time.perf_counter() - started

    n = len(plan["students"])
    assert task.status == TaskStatus.DONE, task.errors
    assert task.counts["members_added"] == n and task.counts["members_removed"] == task.counts["rooms_created"] == 0, \
        task.counts
    chat = org.chats.get(key=f"students:{cls.pk}")
    with connector_for(messenger) as conn:
        assert len(conn.joined_members(chat.room_id)) == n + 2, "not every join landed"
    assert ChatMember.objects.filter(chat=chat).count() == n + 2, "the mirror missed joins"
    return {"seconds": seconds}


def print_rows(rows: list[dict]) -> None:
    for row in rows:
        target = f"цель ≥ {row['target']}/с" if row["target"] is not None else "эталон"
        mark = "OK" if row["ok"] else "НИЖЕ ЦЕЛИ"
        print(f"{row['title']:<45} {row['size']:>6} вступлений  {row['seconds']:>8.2f} с  "
              f"{row['rate']:>7.1f}/с  {target}  {mark}")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.chats_synapse")
    parser.add_argument("--n", type=int, default=1000, help="сколько вступлений каждым способом")
    parser.add_argument("--json", action="store_true", help="строки результата в JSON")
    parser.add_argument("--run-sync", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.run_sync:
        print(json.dumps(_sync_child(json.load(sys.stdin))))
        return 0
    rows = measure_join_rate(args.n)
    print(json.dumps(rows, ensure_ascii=False) if args.json else "", end="\n" if args.json else "")
    if not args.json:
        print_rows(rows)
    return 0 if all(row["ok"] for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
