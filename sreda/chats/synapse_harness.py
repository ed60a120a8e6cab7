"""A throw-away Synapse homeserver for tests and benches (ARCHITECTURE: real parts in tests).

`SynapseServer` writes its own config into a temporary directory (SQLite, server_name «sreda.test», one client
listener on 127.0.0.1, no federation listener, rate limits lifted, bcrypt_rounds 4), registers Sreda as an
application service («sreda», exclusive users `@sreda_.*` and aliases `#sreda_.*`, not rate-limited) and starts
`/work/main/.synapse/venv/bin/python -m synapse.app.homeserver`. After `start()`:

- `bot_user_id` / `as_token`: the service account `@sreda_bot:sreda.test` — the application service's sender.
  It is a server admin: the harness registers the bot with the AS token (`POST /_matrix/client/v3/register`,
  type m.login.application_service — the shared-secret endpoint refuses it: M_EXCLUSIVE), registers a bootstrap
  admin through the shared-secret endpoint (/_synapse/admin/v1/register, admin=true) and grants the bot admin
  with `PUT /_synapse/admin/v2/users/@sreda_bot:…` {"admin": true}. A real district does the same once.
  The bare AS token then works for both the Client-Server API and the Admin API (no `?user_id=` needed:
  the AS token acts as its sender). This is what `MessengerSettings.service_token` holds in tests.
- `register_user(localpart)` → (user_id, access_token) for ordinary users with a password;
  `login(localpart)` logs them in again; `client(token)` is an httpx.Client authorised as that user.

`as_url` is where Synapse pushes transactions (helper H's endpoint, e.g. a live server on a port picked with
`free_port()` before Synapse starts); None means "no push".

    with SynapseServer() as hs:
        user_id, token = hs.register_user("ivanov")
"""
from __future__ import annotations

import atexit
import base64
import hashlib
import hmac
import json
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Self
from urllib.parse import quote

import httpx

ROOT = Path(__file__).resolve().parents[2]
# `make synapse` installs it here; SREDA_SYNAPSE_PYTHON points elsewhere (a CI image with Synapse preinstalled).
SYNAPSE_PYTHON = Path(os.environ.get("SREDA_SYNAPSE_PYTHON") or ROOT / ".synapse" / "venv" / "bin" / "python")
SERVER_NAME = "sreda.test"
BOT_LOCALPART = "sreda_bot"
DEFAULT_PASSWORD = "пароль-для-тестов-1"

_HIGH = {"per_second": 10000, "burst_count": 100000}
RATE_LIMITS = {
    "rc_message": _HIGH, "rc_registration": _HIGH, "rc_room_creation": _HIGH, "rc_admin_redaction": _HIGH,
    "rc_3pid_validation": _HIGH, "rc_third_party_invite": _HIGH, "rc_media_create": _HIGH, "rc_profile": _HIGH,
    "rc_reports": _HIGH, "rc_delayed_event_mgmt": _HIGH, "rc_user_directory": _HIGH, "rc_key_requests": _HIGH,
    "rc_login": {"address": _HIGH, "account": _HIGH, "failed_attempts": _HIGH},
    "rc_joins": {"local": _HIGH, "remote": _HIGH}, "rc_joins_per_room": _HIGH,
    "rc_invites": {"per_room": _HIGH, "per_user": _HIGH, "per_issuer": _HIGH},
    "rc_presence": {"per_user": _HIGH},
}


@dataclass
class MatrixUser:
    user_id: str
    token: str
    localpart: str
    password: str


# `python -m synapse.app.homeserver -c CONFIG`, but first asking Linux to SIGTERM the server when the process that
# started it dies (even killed with -9), so an interrupted test run leaves no homeserver behind. Elsewhere atexit
# still stops it on a normal exit. (Not preexec_fn: unsafe when the tests run threads, e.g. a live server.)
_BOOT = """
import ctypes, runpy, signal, sys
try:
    ctypes.CDLL("libc.so.6").prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
except OSError:
    pass
sys.argv = ["synapse_homeserver", "-c", sys.argv[1]]
runpy.run_module("synapse.app.homeserver", run_name="__main__", alter_sys=True)
"""


class SynapseUnavailable(RuntimeError):
    """The Synapse virtualenv is missing (run `make synapse`) or the server did not come up."""


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now (for Synapse itself or for the AS endpoint's live server)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def synapse_installed() -> bool:
    return Path(SYNAPSE_PYTHON).exists()


def _signing_key() -> str:
    """An ed25519 signing key in Synapse's file format: «ed25519 <key id> <unpadded base64 seed>»."""
    seed = base64.b64encode(secrets.token_bytes(32)).decode().rstrip("=")
    return f"ed25519 a_{secrets.token_hex(2)} {seed}\n"


class SynapseServer:
    def __init__(self, *, as_url: str | None = None, port: int | None = None, server_name: str = SERVER_NAME,
                 python: Path | str = SYNAPSE_PYTHON, start_timeout: float = 30.0):
        self.as_url = as_url
        self.port = port or free_port()
        self.server_name = server_name
        self.python = Path(python)
        self.start_timeout = start_timeout
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.as_token = "as_" + secrets.token_urlsafe(24)
        self.hs_token = "hs_" + secrets.token_urlsafe(24)
        self.shared_secret = secrets.token_urlsafe(24)
        self.bot_user_id = f"@{BOT_LOCALPART}:{server_name}"
        self.admin_user_id = ""
        self.admin_token = ""
        self.dir: Path | None = None
        self.process: subprocess.Popen | None = None
        self._users = 0
        self._forgotten: set[tuple[str, str]] = set()
        self._http = httpx.Client(base_url=self.base_url, timeout=30)

    # --- life cycle -------------------------------------------------------------------------------------
    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def write_config(self) -> Path:
        self.dir = Path(tempfile.mkdtemp(prefix="sreda-synapse-"))
        (self.dir / "signing.key").write_text(_signing_key())
        registration = {
            "id": "sreda", "as_token": self.as_token, "hs_token": self.hs_token, "url": self.as_url,
            "sender_localpart": BOT_LOCALPART, "rate_limited": False,
            "namespaces": {"users": [{"exclusive": True, "regex": f"@sreda_.*:{_re(self.server_name)}"}],
                           # room aliases carry the chat keys (#sreda_<org>_<kind>…): the AS must own them
                           "aliases": [{"exclusive": True, "regex": f"#sreda_.*:{_re(self.server_name)}"}],
                           "rooms": []},
        }
        (self.dir / "appservice.yaml").write_text(json.dumps(registration))  # YAML is a superset of JSON
        config = {
            "server_name": self.server_name, "public_baseurl": self.base_url + "/",
            "pid_file": str(self.dir / "homeserver.pid"),
            "listeners": [{"port": self.port, "bind_addresses": ["127.0.0.1"], "type": "http", "tls": False,
                           "x_forwarded": False, "resources": [{"names": ["client"], "compress": False}]}],
            "database": {"name": "sqlite3", "args": {"database": str(self.dir / "homeserver.db")}},
            "media_store_path": str(self.dir / "media"), "signing_key_path": str(self.dir / "signing.key"),
            "trusted_key_servers": [], "suppress_key_server_warning": True, "report_stats": False,
            "enable_registration": False, "registration_shared_secret": self.shared_secret,
            "bcrypt_rounds": 4, "app_service_config_files": [str(self.dir / "appservice.yaml")],
            "presence": {"enabled": False}, "federation_domain_whitelist": [], "enable_metrics": False,
            "default_room_version": "12", "user_directory": {"enabled": False},
            "log_config": str(self.dir / "log.yaml"), **RATE_LIMITS,
        }
        (self.dir / "log.yaml").write_text(json.dumps({
            "version": 1, "formatters": {"f": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
            "handlers": {"file": {"class": "logging.FileHandler", "formatter": "f",
                                  "filename": str(self.dir / "homeserver.log")}},
            "root": {"level": "WARNING", "handlers": ["file"]}, "disable_existing_loggers": False}))
        path = self.dir / "homeserver.yaml"
        path.write_text(json.dumps(config, indent=1))
        return path

    def start(self) -> SynapseServer:
        if not self.python.exists():
            self._http.close()
            raise SynapseUnavailable(f"Synapse не установлен: нет {self.python} (выполните `make synapse`).")
        config = self.write_config()
        with open(self.dir / "stdout.log", "wb") as out:  # the child keeps its own copy of the descriptor
            self.process = subprocess.Popen([str(self.python), "-c", _BOOT, str(config)],
                                            cwd=self.dir, stdout=out, stderr=subprocess.STDOUT)
        atexit.register(self.stop)
        try:
            self._wait_until_up()
            self._make_bot_admin()
        except BaseException:
            self.stop()  # never leave a half-started homeserver behind
            raise
        return self

    def _wait_until_up(self) -> None:
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SynapseUnavailable(f"Synapse завершился при запуске:\n{self.log_tail()}")
            try:
                if self._http.get("/_matrix/client/versions", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        raise SynapseUnavailable(f"Synapse не ответил за {self.start_timeout} с:\n{self.log_tail()}")

    def _make_bot_admin(self) -> None:
        # The AS sender has no account row until it registers (its namespace is exclusive, so only the AS token
        # may register it); then the bootstrap admin grants it admin, which the Admin API checks.
        self._http.post("/_matrix/client/v3/register", headers=_auth(self.as_token), json={
            "type": "m.login.application_service", "username": BOT_LOCALPART, "inhibit_login": True},
        ).raise_for_status()
        self.admin_user_id, self.admin_token = self.admin_register("admin", admin=True)
        r = self._http.put(f"/_synapse/admin/v2/users/{self.bot_user_id}", json={"admin": True},
                           headers=_auth(self.admin_token))
        r.raise_for_status()

    def log_tail(self, lines: int = 40) -> str:
        text = ""
        for name in ("stdout.log", "homeserver.log"):
            path = self.dir / name if self.dir else None
            if path and path.exists():
                text += "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) + "\n"
        return text

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
        atexit.unregister(self.stop)
        self._http.close()
        if self.dir and not os.environ.get("SREDA_KEEP_SYNAPSE"):
            shutil.rmtree(self.dir, ignore_errors=True)

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    # --- users ------------------------------------------------------------------------------------------
    def admin_register(self, localpart: str, *, password: str = DEFAULT_PASSWORD, admin: bool = False) -> tuple[str, str]:
        """Register through the shared-secret admin endpoint (works with registration off)."""
        nonce = self._http.get("/_synapse/admin/v1/register").json()["nonce"]
        mac = hmac.new(self.shared_secret.encode(), digestmod=hashlib.sha1)
        mac.update(b"\x00".join([nonce.encode(), localpart.encode(), password.encode(),
                                 b"admin" if admin else b"notadmin"]))
        r = self._http.post("/_synapse/admin/v1/register", json={
            "nonce": nonce, "username": localpart, "password": password, "admin": admin, "mac": mac.hexdigest()})
        r.raise_for_status()
        body = r.json()
        return body["user_id"], body["access_token"]

    def register_user(self, localpart: str, *, password: str = DEFAULT_PASSWORD) -> tuple[str, str]:
        """An ordinary user with a password: (user id, access token)."""
        return self.admin_register(localpart, password=password)

    def new_user(self, hint: str = "user", *, password: str = DEFAULT_PASSWORD) -> MatrixUser:
        """A user with a localpart unique on this server («hint_7»), so tests sharing one server never collide."""
        self._users += 1
        localpart = f"{hint}_{self._users}"
        user_id, token = self.register_user(localpart, password=password)
        return MatrixUser(user_id=user_id, token=token, localpart=localpart, password=password)

    def forget_aliases(self) -> int:
        """Remove every room alias from the directory (rooms and history stay): a test's chat keys
        («sreda_1_staff») may repeat in the next test once the database rolled back. Returns how many."""
        removed, offset = 0, 0
        with self.as_client() as http:
            while True:
                page = http.get("/_synapse/admin/v1/rooms", params={"from": offset, "limit": 500}).json()
                for room in page.get("rooms", []):
                    alias = room.get("canonical_alias")
                    if alias and (room["room_id"], alias) not in self._forgotten:
                        self._forgotten.add((room["room_id"], alias))
                        if http.delete(f"/_matrix/client/v3/directory/room/{quote(alias, safe='')}").status_code == 200:
                            removed += 1
                if "next_batch" not in page:
                    return removed
                offset = page["next_batch"]

    def login(self, localpart: str, *, password: str = DEFAULT_PASSWORD) -> str:
        """A fresh access token for an existing user."""
        r = self._http.post("/_matrix/client/v3/login", json={
            "type": "m.login.password", "identifier": {"type": "m.id.user", "user": localpart}, "password": password})
        r.raise_for_status()
        return r.json()["access_token"]

    def user_id(self, localpart: str) -> str:
        return f"@{localpart}:{self.server_name}"

    def client(self, token: str) -> httpx.Client:
        """An httpx client authorised with `token` (a user's or the AS token); close it when done."""
        return httpx.Client(base_url=self.base_url, headers=_auth(token), timeout=30)

    def as_client(self) -> httpx.Client:
        return self.client(self.as_token)


def _auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def _re(text: str) -> str:
    import re

    return re.escape(text)
