"""Faults (issue 6: Synapse down or answering 429/500 mid-sync). These tests use sreda/chats/faults.py — the
in-memory FAILURE-INJECTION DOUBLE — wrapped around the real Synapse: only the chosen calls fail, every other
call reaches the homeserver."""
import itertools

import pytest

from sreda.chats.connector import MessengerError
from sreda.chats.faults import FaultyConnector, FaultyTransport
from sreda.chats.matrix import MatrixConnector

pytest_plugins = ["sreda.chats.testing_synapse"]  # until the root conftest lists it

_n = itertools.count(1)


def key() -> str:
    return f"sreda_{next(_n)}_faults"


@pytest.fixture
def transport():
    return FaultyTransport()


@pytest.fixture
def faulty_http(synapse, transport, synapse_forget_aliases):
    """A MatrixConnector whose requests pass through the failure-injection transport."""
    with MatrixConnector(synapse.base_url, synapse.as_token, synapse.bot_user_id, synapse.server_name,
                         transport=transport) as conn:
        yield conn


def test_429_is_retryable_after_the_time_the_server_asked(faulty_http, transport, matrix_user):
    room_id = faulty_http.create_room(key_alias=key(), title="5А — родители", read_only=False)
    parent = matrix_user("parent")
    transport.fail("/_synapse/admin/v1/join/", "429", retry_after=2.5)
    with pytest.raises(MessengerError) as caught:
        faulty_http.add_member(room_id, parent.user_id)
    assert caught.value.retryable and caught.value.retry_after == 2.5
    assert "2.5 с" in caught.value.message
    faulty_http.add_member(room_id, parent.user_id)  # the next try goes through
    assert faulty_http.joined_members(room_id) == {parent.user_id}


def test_500_and_timeouts_are_retryable_with_the_russian_message(faulty_http, transport):
    transport.fail("/createRoom", "500").fail("/createRoom", "timeout")
    for _ in range(2):
        with pytest.raises(MessengerError) as caught:
            faulty_http.create_room(key_alias=key(), title="Учительская", read_only=False)
        assert caught.value.message.startswith("Сервер Matrix не отвечает") and caught.value.retryable
        assert caught.value.hint == ("Проверьте, что сервер запущен и адрес в настройках верен; синхронизация "
                                     "повторится автоматически.")


def test_a_create_whose_answer_was_lost_does_not_duplicate_the_room_R25(faulty_http, transport, synapse):
    """The room was created, but the answer timed out: retrying the same key finds it — one room, not two."""
    alias = key()
    title = f"6Б — родители ({alias})"
    transport.inner = _LoseAnswer(transport.inner, "/createRoom")
    with pytest.raises(MessengerError):
        faulty_http.create_room(key_alias=alias, title=title, read_only=False)
    transport.inner = transport.inner.inner
    room_id = faulty_http.create_room(key_alias=alias, title=title, read_only=False)
    assert faulty_http.find_room(alias) == room_id
    with synapse.as_client() as http:
        rooms = http.get("/_synapse/admin/v1/rooms", params={"limit": 100000}).json()["rooms"]
    assert [r["room_id"] for r in rooms if r["name"] == title] == [room_id]


class _LoseAnswer:
    """Sends the request to Synapse, then drops the answer as if the connection broke."""

    def __init__(self, inner, fragment):
        self.inner, self.fragment = inner, fragment

    def handle_request(self, request):
        import httpx

        response = self.inner.handle_request(request)
        if self.fragment in request.url.raw_path.decode():
            response.read()
            raise httpx.ReadTimeout("answer lost", request=request)
        return response

    def close(self):
        self.inner.close()


def test_a_sync_interrupted_mid_way_ends_complete_on_retry(connector, matrix_user):
    """Mid-sync 500 on the third join: the first two are in, a retry of the rest completes, no duplicates."""
    room_id = connector.create_room(key_alias=key(), title="7В — ученики", read_only=False)
    people = [matrix_user("pupil").user_id for _ in range(5)]
    faulty = FaultyConnector(connector).fail("add_member", "500", after=2)
    done = []
    with pytest.raises(MessengerError) as caught:
        for user_id in people:
            faulty.add_member(room_id, user_id)
            done.append(user_id)
    assert caught.value.retryable and done == people[:2]
    assert connector.joined_members(room_id) == set(done)
    for user_id in people[len(done):]:
        faulty.add_member(room_id, user_id)
    assert connector.joined_members(room_id) == set(people)
    assert len(faulty.calls_to("add_member")) == 6  # five people, one of them twice


def test_server_down_fails_every_call_until_it_recovers(connector):
    faulty = FaultyConnector(connector).go_down()
    for call in (lambda: faulty.find_room(key()), lambda: faulty.user_exists("@x:sreda.test")):
        with pytest.raises(MessengerError, match="Сервер Matrix не отвечает") as caught:
            call()
        assert caught.value.retryable
    faulty.recover()
    assert faulty.find_room(key()) is None


def test_a_429_from_the_double_carries_retry_after_like_the_real_connector(connector):
    faulty = FaultyConnector(connector).fail("*", "429", retry_after=3)
    with pytest.raises(MessengerError) as caught:
        faulty.find_room(key())
    assert (caught.value.retryable, caught.value.retry_after) == (True, 3)
    assert faulty.find_room(key()) is None  # spent after one call


def test_the_double_refuses_unknown_methods_and_kinds(connector):
    with pytest.raises(ValueError):
        FaultyConnector(connector).fail("add_members", "500")
    with pytest.raises(ValueError):
        FaultyConnector(connector).fail("add_member", "503")


def test_429_without_a_body_hint_uses_the_retry_after_header():
    """Proxies in front of Synapse may answer 429 with only a Retry-After header."""
    from sreda.chats.matrix import error_for_response

    error = error_for_response(429, {}, headers={"retry-after": "7"})
    assert (error.retryable, error.retry_after) == (True, 7.0) and "7 с" in error.message
    assert error_for_response(429, {}).retry_after is None


def test_other_refusals_are_not_retried_and_keep_the_server_text():
    from sreda.chats.matrix import error_for_response

    error = error_for_response(400, {"errcode": "M_BAD_JSON", "error": "Content not JSON."})
    assert not error.retryable and "Content not JSON" in error.message and error.hint
