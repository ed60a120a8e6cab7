"""`python -m sreda serve`: the multi-process web server answers pages, and refuses nonsense settings."""
import http.client
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

from django.core.management import call_command
from django.core.management.base import CommandError
import pytest

ROOT = Path(__file__).resolve().parents[3]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_serve_answers_the_sign_in_page_from_worker_processes(tmp_path):
    port = _free_port()
    env = {**os.environ, "SREDA_VAR_DIR": str(tmp_path), "DEBUG": "1"}
    env.pop("DATABASE_URL", None)  # the sign-in page needs no tables; a throw-away SQLite file is enough
    server = subprocess.Popen([sys.executable, "-m", "sreda", "serve", "--bind", f"127.0.0.1:{port}",
                               "--workers", "2"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                connection.request("GET", "/accounts/login/")
                response = connection.getresponse()
                body = response.read().decode()
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, "serve did not start"
                time.sleep(0.2)
        assert response.status == 200
        assert "Войти" in body
        # The connection stays open for the next request (threaded workers with keep-alive): a client that sends
        # many requests does not pay for a new connection each time.
        assert not response.will_close, response.getheader("Connection")
        connection.request("GET", "/accounts/login/")
        again = connection.getresponse()
        assert again.status == 200 and "Войти" in again.read().decode()
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=30)
    assert "процессов: 2, потоков в каждом: 4" in output


def test_serve_refuses_zero_workers():
    with pytest.raises(CommandError, match="хотя бы один процесс"):
        call_command("serve", "--workers", "0")


def test_serve_refuses_zero_threads():
    with pytest.raises(CommandError, match="хотя бы один поток"):
        call_command("serve", "--threads", "0")


def test_the_application_is_loaded_whole_before_the_workers_start(tmp_path):
    """`serve` loads sreda.wsgi once, before forking its workers (--preload): every page's and the API's module is
    imported by then, so no worker imports them while its first client waits, and the long-lived objects are kept
    out of the garbage collector's full passes."""
    env = {**os.environ, "SREDA_VAR_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    probe = ("import gc, sys; import sreda.wsgi; "
             "print(all(m in sys.modules for m in ('sreda.people.api', 'sreda.api.scim.views', 'sreda.library.views_catalogue'))"
             ", gc.get_freeze_count() > 10000)")
    loaded = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=120)
    assert loaded.stdout.split() == ["True", "True"], loaded.stderr[-2000:]
