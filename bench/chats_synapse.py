"""Applying membership changes to a real Synapse (issue 6): 1,000 joins through MatrixConnector.add_member at no
less than 80% of the rate Synapse's own admin join API reaches when called directly in the same run.

    python -m bench.chats_synapse            # 1,000 joins each way
    python -m bench.chats_synapse --n 200

Both ways run against one throw-away Synapse (sreda/chats/synapse_harness.py) started for the run, each into a
fresh room of its own, joining the same n users (registered by the application service, not timed):
(a) `POST /_synapse/admin/v1/join/{room}` with a bare httpx.Client, (b) MatrixConnector.add_member. The two
alternate in blocks of 50 joins, so both rooms grow at the same pace and neither way gets a warmer server.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from urllib.parse import quote

TARGET_SHARE = 0.8
BLOCK = 50


def _register(server, n: int) -> list[str]:
    """n users of the application service's namespace (one call each, no password hashing)."""
    users = []
    with server.as_client() as http:
        for i in range(n):
            r = http.post("/_matrix/client/v3/register", json={
                "type": "m.login.application_service", "username": f"sreda_bench_{i}", "inhibit_login": True})
            if r.status_code == 400 and r.json().get("errcode") == "M_USER_IN_USE":
                users.append(server.user_id(f"sreda_bench_{i}"))
                continue
            r.raise_for_status()
            users.append(r.json()["user_id"])
    return users


def _row(title: str, size: int, seconds: float, target: float | None) -> dict:
    rate = size / seconds if seconds else 0.0
    return {"title": title, "size": size, "seconds": round(seconds, 3), "rate": round(rate, 1),
            "target": None if target is None else round(target, 1), "ok": target is None or rate >= target}


def measure_join_rate(n: int = 1000, server=None) -> list[dict]:
    """Rows {"title","size","seconds","rate","target","ok"}: (a) the admin join API called directly,
    (b) MatrixConnector.add_member, whose target is 80% of (a)'s rate (joins per second)."""
    from sreda.chats.matrix import MatrixConnector
    from sreda.chats.synapse_harness import SynapseServer

    own = server is None
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
    finally:
        if own:
            server.stop()
    a = _row("Synapse: admin join API напрямую (httpx)", n, direct, None)
    b = _row("Sreda: MatrixConnector.add_member", n, through, a["rate"] * TARGET_SHARE)
    return [a, b]


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
    args = parser.parse_args(argv)
    rows = measure_join_rate(args.n)
    print(json.dumps(rows, ensure_ascii=False) if args.json else "", end="\n" if args.json else "")
    if not args.json:
        print_rows(rows)
    return 0 if all(row["ok"] for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
