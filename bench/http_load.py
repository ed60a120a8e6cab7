"""Latency under concurrent users over real HTTP: `python -m sreda serve` (gunicorn, as Sreda runs for real)
started on a free port against the current database, N users each on their own keep-alive connection, each
waiting for one answer before asking again; the latencies of all users together."""
from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Callable


def p95(latencies: list[float]) -> float:
    latencies = sorted(latencies)
    return latencies[min(len(latencies) - 1, int(round(0.95 * len(latencies))) - 1)]


def measure(*, targets: list[str], headers: dict[str, str], requests_each: int, workers: int,
            check: Callable[[int, bytes], bool], warm: int = 2, warm_seconds: float = 3.0, env: dict | None = None,
            per_target_headers: dict[str, dict[str, str]] | None = None, concurrency: int | None = None,
            usage: dict | None = None) -> list[float]:
    """GET each of `targets` (one user per target) `requests_each` times, after untimed requests: at least `warm`
    of them and for `warm_seconds` of all users together, so that the timing starts with every worker process warm
    and the load steady; `check(status, body)` must hold for every answer. Returns every timed latency in seconds.

    `concurrency` users ask at once (every user by default; 1 gives the latency of a request nobody queues
    behind). `usage`, if given, receives what the timed requests cost the server: `requests`, `seconds` (wall
    clock) and `cpu_seconds` (of gunicorn's processes, from /proc; None where there is no /proc), over every request
    from the warm-up on."""
    from django.conf import settings

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log = tempfile.TemporaryFile()
    server = subprocess.Popen([sys.executable, "-m", "sreda", "serve", "--bind", f"127.0.0.1:{port}",
                               "--workers", str(workers)], cwd=settings.BASE_DIR, env=env,
                              stdout=subprocess.DEVNULL, stderr=log)
    headers = {"X-Forwarded-Proto": "https", "Host": "127.0.0.1", **headers}
    answered: list[float] = []

    def get(connection, path: str) -> float:
        started = time.perf_counter()
        connection.request("GET", path, headers={**headers, **(per_target_headers or {}).get(path, {})})
        response = connection.getresponse()
        body = response.read()
        elapsed = time.perf_counter() - started
        answered.append(elapsed)  # warm-up requests too: the server's processor time counts them
        assert check(response.status, body), (path, response.status, body[:300])
        return elapsed

    def one_user(path: str) -> list[float]:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        for _ in range(warm):  # the first requests of each worker process
            get(connection, path)
        while time.monotonic() < warm_until:
            get(connection, path)
        times = [get(connection, path) for _ in range(requests_each)]
        connection.close()
        return times

    try:
        _wait_until_up(server, port, log)
        warm_until = time.monotonic() + warm_seconds
        answered.clear()  # not the requests of the wait until up
        cpu_before, started = _cpu_seconds(server.pid), time.perf_counter()
        with ThreadPoolExecutor(concurrency or len(targets)) as pool:
            latencies = [t for times in pool.map(one_user, targets) for t in times]
        if usage is not None:
            cpu_after = _cpu_seconds(server.pid)
            usage.update(requests=len(answered), seconds=time.perf_counter() - started,
                         cpu_seconds=None if cpu_before is None else cpu_after - cpu_before)
        return latencies
    finally:
        server.terminate()
        server.wait(timeout=30)


def _cpu_seconds(pid: int) -> float | None:
    """CPU time (user + system) of a process and its children that are alive now: gunicorn's master and workers."""
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        total = 0.0
        for one in [pid, *map(int, children)]:
            fields = Path(f"/proc/{one}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        return total
    except (OSError, ValueError):
        return None


def _wait_until_up(server: subprocess.Popen, port: int, log, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            one = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            one.request("GET", "/accounts/login/", headers={"X-Forwarded-Proto": "https", "Host": "127.0.0.1"})
            one.getresponse().read()
            one.close()
            return
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                log.seek(0)
                tail = log.read().decode(errors="replace")[-2000:]
                raise RuntimeError(f"python -m sreda serve не ответил за {seconds:.0f} с:\n{tail}")
            time.sleep(0.2)
