"""pytest plugin: a real Synapse homeserver for the chats tests (sreda/chats/synapse_harness.py).

Enable it with `pytest_plugins = ["sreda.chats.testing_synapse"]` in the root conftest.py; until then the same
line at the top of a test module works and all modules still share one server (a star import of the fixtures
would start one server per module). Fixtures:

- `synapse` (session): one SynapseServer for the whole session, no application-service push. Skips with a
  clear message when /work/main/.synapse/venv is missing (`make synapse`); FAILS instead when CI=true.
- `start_synapse` (session): factory `start_synapse(as_url="http://127.0.0.1:<port>")` → another server,
  stopped at the end of the session; for the push tests (pick the port first with `free_port()`).
- `matrix_user` (function): factory `matrix_user("ivanov")` → MatrixUser(user_id, token, localpart, password)
  on the session server, with a unique localpart.
- `matrix_settings` (function, needs the database): factory `matrix_settings(organisation=None)` → a saved
  chats.MessengerSettings for that school (a new one when None) pointing at the session server:
  homeserver_url, server_name «sreda.test», service_token (the AS token), service_user_id @sreda_bot:sreda.test.
- `connector` (function): a MatrixConnector for the session server's service account, closed afterwards.

After each test that used `matrix_settings` or `connector` the room aliases are removed from the directory
(rooms stay), because chat keys such as «sreda_1_staff» repeat once the database rolls back.
"""
from __future__ import annotations

import os

import pytest

from .synapse_harness import (
    MatrixUser,
    SynapseServer,
    SynapseUnavailable,
    free_port,
    synapse_installed,
)

__all__ = ["MatrixUser", "connector", "free_port", "matrix_settings", "matrix_user", "start_synapse", "synapse",
           "synapse_forget_aliases"]


def _require_synapse() -> None:
    if synapse_installed():
        return
    message = "Synapse не установлен (.synapse/venv отсутствует): выполните `make synapse`."
    if os.environ.get("CI") == "true":
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def start_synapse():
    _require_synapse()
    servers: list[SynapseServer] = []

    def start(*, as_url: str | None = None, **kw) -> SynapseServer:
        server = SynapseServer(as_url=as_url, **kw)
        try:
            server.start()
        except SynapseUnavailable as exc:
            pytest.fail(str(exc), pytrace=False)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture(scope="session")
def synapse(start_synapse) -> SynapseServer:
    return start_synapse()


@pytest.fixture
def synapse_forget_aliases(synapse):
    yield
    synapse.forget_aliases()


@pytest.fixture
def matrix_user(synapse):
    return synapse.new_user


@pytest.fixture
def matrix_settings(db, synapse, synapse_forget_aliases):
    from sreda.chats.models import MessengerSettings
    from sreda.core.testing import make_organisation

    def create(organisation=None, **overrides) -> MessengerSettings:
        values = {"homeserver_url": synapse.base_url, "server_name": synapse.server_name,
                  "service_token": synapse.as_token, "service_user_id": synapse.bot_user_id, **overrides}
        return MessengerSettings.objects.create(organisation=organisation or make_organisation(), **values)

    return create


@pytest.fixture
def connector(synapse, synapse_forget_aliases):
    from sreda.chats.matrix import MatrixConnector

    with MatrixConnector(synapse.base_url, synapse.as_token, synapse.bot_user_id, synapse.server_name) as conn:
        yield conn
