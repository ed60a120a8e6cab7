"""The throw-away Synapse the chats tests run against (issue 6 quality bar: a real homeserver in CI)."""
import httpx
import pytest

pytest_plugins = ["sreda.chats.testing_synapse"]  # until the root conftest lists it


def test_server_answers_and_the_service_account_is_the_application_service(synapse):
    """R25: the organisation's service account is the AS sender and a server admin (admin join API)."""
    assert httpx.get(f"{synapse.base_url}/_matrix/client/versions").status_code == 200
    with synapse.as_client() as http:
        assert http.get("/_matrix/client/v3/account/whoami").json()["user_id"] == "@sreda_bot:sreda.test"
        assert http.get(f"/_synapse/admin/v2/users/{synapse.bot_user_id}").json()["admin"] is True


def test_registration_is_closed_but_users_can_be_made_for_tests(synapse, matrix_user):
    assert httpx.post(f"{synapse.base_url}/_matrix/client/v3/register",
                      json={"username": "stranger", "password": "x"}).status_code in (401, 403)
    ivanov = matrix_user("ivanov")
    again = synapse.login(ivanov.localpart)
    with synapse.client(again) as http:
        assert http.get("/_matrix/client/v3/account/whoami").json()["user_id"] == ivanov.user_id


def test_namespace_sreda_is_reserved_for_the_application_service(synapse):
    """Nobody but Sreda can take an @sreda_… id (exclusive namespace)."""
    with pytest.raises(httpx.HTTPStatusError) as caught:
        synapse.register_user("sreda_fake")
    assert caught.value.response.json()["errcode"] == "M_EXCLUSIVE"


def test_rate_limits_are_lifted_for_many_rooms_and_logins(synapse, matrix_user):
    """Default limits (10 rooms, then 1 a minute; 5 logins) would break the sync tests."""
    user = matrix_user("busy")
    for _ in range(8):
        synapse.login(user.localpart)
    with synapse.client(user.token) as http:
        for _ in range(15):
            assert http.post("/_matrix/client/v3/createRoom", json={}).status_code == 200


def test_matrix_settings_point_at_the_server(matrix_settings, synapse):
    settings = matrix_settings()
    assert settings.pk and settings.homeserver_url == synapse.base_url
    assert (settings.server_name, settings.service_user_id) == ("sreda.test", "@sreda_bot:sreda.test")


def test_a_second_server_pushes_to_the_given_application_service_url(start_synapse):
    """Helper H's push tests start their own server pointing at a live server's port."""
    from sreda.chats.synapse_harness import free_port

    url = f"http://127.0.0.1:{free_port()}"
    server = start_synapse(as_url=url)
    assert server.running and server.as_url == url
    assert f'"url": "{url}"' in (server.dir / "appservice.yaml").read_text()
    server.stop()
    assert not server.running


def _run_pytest_without_synapse(tmp_path, ci: bool):
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[3]
    test = tmp_path / "test_needs_synapse.py"
    test.write_text('pytest_plugins = ["sreda.chats.testing_synapse"]\n\n'
                    'def test_uses_it(synapse):\n    assert synapse.running\n')
    env = {**os.environ, "SREDA_SYNAPSE_PYTHON": str(tmp_path / "no-synapse" / "python"), "CI": "true" if ci else ""}
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-rs", "--rootdir", str(root), "-c",
                           str(root / "pyproject.toml"), "--no-migrations", str(test)],
                          check=False, cwd=root, env=env, capture_output=True, text=True)


def test_without_synapse_the_tests_are_skipped_with_the_reason_but_fail_in_ci(tmp_path):
    """A developer without `make synapse` sees why; CI must never silently skip the real homeserver."""
    local = _run_pytest_without_synapse(tmp_path, ci=False)
    assert local.returncode == 0 and "1 skipped" in local.stdout
    assert "Synapse не установлен" in local.stdout and "make synapse" in local.stdout
    ci = _run_pytest_without_synapse(tmp_path, ci=True)
    assert ci.returncode == 1 and "Synapse не установлен" in ci.stdout


def test_a_missing_synapse_is_reported_when_starting_by_hand(tmp_path):
    from sreda.chats.synapse_harness import SynapseServer, SynapseUnavailable

    with pytest.raises(SynapseUnavailable, match="make synapse"):
        SynapseServer(python=tmp_path / "python").start()


def test_a_server_that_cannot_start_says_why_and_leaves_nothing_running():
    """A busy port: the error carries Synapse's own log, and no homeserver is left behind."""
    import socket

    from sreda.chats.synapse_harness import (
        SynapseServer,
        SynapseUnavailable,
        synapse_installed,
    )

    if not synapse_installed():
        pytest.skip("Synapse не установлен")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        server = SynapseServer(port=busy.getsockname()[1], start_timeout=20)
        with pytest.raises(SynapseUnavailable) as caught:
            server.start()
    assert "Address already in use" in str(caught.value)
    assert not server.running and not server.dir.exists()
