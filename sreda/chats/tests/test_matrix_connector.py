"""MatrixConnector against a real Synapse (sreda/chats/testing_synapse.py): every Connector method, as the sync
would use it — create → find by alias → members → add → remove → one-way (R28) → archive."""
import itertools
from urllib.parse import quote

import httpx
import pytest

from sreda.chats.connector import MessengerError
from sreda.chats.matrix import MatrixConnector

pytest_plugins = ["sreda.chats.testing_synapse"]  # until the root conftest lists it

_n = itertools.count(1)


def key(kind: str = "parents") -> str:
    return f"sreda_{next(_n)}_{kind}"


def say(synapse, user, room_id: str, text: str) -> httpx.Response:
    with synapse.client(user.token) as http:
        return http.put(f"/_matrix/client/v3/rooms/{quote(room_id)}/send/m.room.message/{next(_n)}",
                        json={"msgtype": "m.text", "body": text})


def state(synapse, room_id: str, event_type: str, state_key: str = "") -> dict:
    with synapse.as_client() as http:
        return http.get(f"/_matrix/client/v3/rooms/{quote(room_id)}/state/{event_type}/{quote(state_key)}").json()


def test_a_created_room_is_found_by_its_key_alias_with_its_title_R24(connector, synapse):
    alias = key()
    room_id = connector.create_room(key_alias=alias, title="5А — родители", read_only=False)
    assert connector.find_room(alias) == room_id
    assert state(synapse, room_id, "m.room.name")["name"] == "5А — родители"
    assert connector.find_room(key()) is None


def test_creating_the_same_key_again_returns_the_existing_room_R25(connector):
    """An interrupted sync that did not record the room id finds it instead of creating a second one."""
    alias = key("staff")
    first = connector.create_room(key_alias=alias, title="Учительская", read_only=False)
    assert connector.create_room(key_alias=alias, title="Учительская", read_only=False) == first


def test_room_version_12_and_the_service_account_is_its_creator(connector, synapse):
    room_id = connector.create_room(key_alias=key(), title="5Б — ученики", read_only=False)
    create = state(synapse, room_id, "m.room.create")
    assert create["room_version"] == "12"
    assert synapse.bot_user_id not in state(synapse, room_id, "m.room.power_levels").get("users", {})
    assert connector.joined_members(room_id) == set()  # the service account itself is not counted


def test_add_member_joins_the_person_and_a_repeat_is_harmless_R25(connector, synapse, matrix_user):
    parent = matrix_user("parent")
    room_id = connector.create_room(key_alias=key(), title="6А — родители", read_only=False)
    connector.add_member(room_id, parent.user_id)
    connector.add_member(room_id, parent.user_id)
    assert connector.joined_members(room_id) == {parent.user_id}
    with synapse.client(parent.token) as http:
        assert room_id in http.get("/_matrix/client/v3/joined_rooms").json()["joined_rooms"]
    assert say(synapse, parent, room_id, "Здравствуйте!").status_code == 200


def test_remove_member_kicks_and_removing_a_non_member_is_harmless_R26(connector, synapse, matrix_user):
    stays, leaves, stranger = matrix_user("stays"), matrix_user("leaves"), matrix_user("stranger")
    room_id = connector.create_room(key_alias=key(), title="7А — родители", read_only=False)
    connector.add_member(room_id, stays.user_id)
    connector.add_member(room_id, leaves.user_id)
    connector.remove_member(room_id, leaves.user_id, "Нет в контингенте класса")
    connector.remove_member(room_id, leaves.user_id, "Нет в контингенте класса")
    connector.remove_member(room_id, stranger.user_id, "Нет в контингенте класса")
    assert connector.joined_members(room_id) == {stays.user_id}
    member = state(synapse, room_id, "m.room.member", leaves.user_id)
    assert (member["membership"], member["reason"]) == ("leave", "Нет в контингенте класса")
    assert say(synapse, leaves, room_id, "Я ещё здесь?").status_code == 403


def test_one_way_chat_lets_only_staff_write_and_can_be_opened_again_R28(connector, synapse, matrix_user):
    student, teacher = matrix_user("student"), matrix_user("teacher")
    room_id = connector.create_room(key_alias=key("students"), title="8А — ученики", read_only=True)
    connector.add_member(room_id, student.user_id)
    connector.add_member(room_id, teacher.user_id)
    connector.set_read_only(room_id, True, [teacher.user_id])
    assert say(synapse, student, room_id, "Можно вопрос?").status_code == 403
    assert say(synapse, teacher, room_id, "Завтра контрольная.").status_code == 200

    connector.set_title(room_id, "8А — ученики (новое название)")  # renaming keeps the one-way setting
    assert say(synapse, student, room_id, "А теперь?").status_code == 403

    connector.set_read_only(room_id, False, [teacher.user_id])
    assert say(synapse, student, room_id, "Спасибо!").status_code == 200


def test_a_teacher_who_left_the_staff_list_loses_the_right_to_write_R28(connector, synapse, matrix_user):
    old, new = matrix_user("old_teacher"), matrix_user("new_teacher")
    room_id = connector.create_room(key_alias=key(), title="9А — родители", read_only=True)
    for user in (old, new):
        connector.add_member(room_id, user.user_id)
    connector.set_read_only(room_id, True, [old.user_id])
    connector.set_read_only(room_id, True, [new.user_id])
    assert say(synapse, old, room_id, "Объявление").status_code == 403
    assert say(synapse, new, room_id, "Объявление").status_code == 200
    assert synapse.bot_user_id not in state(synapse, room_id, "m.room.power_levels")["users"]


def test_archived_room_is_renamed_keeps_history_and_nobody_writes(connector, synapse, matrix_user):
    teacher = matrix_user("class_teacher")
    room_id = connector.create_room(key_alias=key(), title="11А — родители", read_only=False)
    connector.add_member(room_id, teacher.user_id)
    connector.set_read_only(room_id, True, [teacher.user_id])
    assert say(synapse, teacher, room_id, "Выпускной в субботу").status_code == 200
    connector.archive_room(room_id, "11А — родители (архив)")
    assert state(synapse, room_id, "m.room.name")["name"] == "11А — родители (архив)"
    assert say(synapse, teacher, room_id, "Ещё одно").status_code == 403
    with synapse.client(teacher.token) as http:
        messages = http.get(f"/_matrix/client/v3/rooms/{quote(room_id)}/messages", params={"dir": "b"}).json()
    assert "Выпускной в субботу" in [e["content"].get("body") for e in messages["chunk"]]


def _notices(synapse, user) -> dict[str, list[str]]:
    """room id → bodies of m.notice messages the user can read (joining the invites first)."""
    with synapse.client(user.token) as http:
        invites = http.get("/_matrix/client/v3/sync", params={"timeout": 0}).json()["rooms"].get("invite", {})
        for room_id in invites:
            http.post(f"/_matrix/client/v3/join/{quote(room_id)}", json={})
        found = {}
        for room_id in http.get("/_matrix/client/v3/joined_rooms").json()["joined_rooms"]:
            chunk = http.get(f"/_matrix/client/v3/rooms/{quote(room_id)}/messages",
                             params={"dir": "b", "limit": 50}).json()["chunk"]
            bodies = [e["content"]["body"] for e in chunk if e["content"].get("msgtype") == "m.notice"]
            if bodies:
                found[room_id] = sorted(bodies)
        return found


def test_notices_reach_the_person_in_one_direct_room_R27(connector, synapse, matrix_user):
    parent = matrix_user("linking")
    connector.send_notice(parent.user_id, "Код привязки: 111111")
    assert list(_notices(synapse, parent).values()) == [["Код привязки: 111111"]]
    fresh = MatrixConnector(synapse.base_url, synapse.as_token, synapse.bot_user_id, synapse.server_name)
    with fresh:  # a later request (new connector) reuses the same direct room
        fresh.send_notice(parent.user_id, "Код привязки: 222222")
    assert list(_notices(synapse, parent).values()) == [["Код привязки: 111111", "Код привязки: 222222"]]


def test_user_exists_only_for_registered_users(connector, matrix_user):
    assert connector.user_exists(matrix_user("real").user_id) is True
    assert connector.user_exists("@nobody_here:sreda.test") is False


def test_adding_an_unknown_user_says_which_and_is_not_retried(connector):
    room_id = connector.create_room(key_alias=key(), title="10А — родители", read_only=False)
    with pytest.raises(MessengerError) as caught:
        connector.add_member(room_id, "@nobody_here:sreda.test")
    assert "@nobody_here:sreda.test" in caught.value.message and not caught.value.retryable
    assert "Общая" in caught.value.hint


def test_a_room_gone_from_the_server_is_reported_clearly(connector, matrix_user):
    user = matrix_user("someone")
    for call in (lambda: connector.joined_members("!missing:sreda.test"),
                 lambda: connector.set_title("!missing:sreda.test", "5А — родители"),
                 lambda: connector.remove_member("!missing:sreda.test", user.user_id, "Нет в контингенте")):
        with pytest.raises(MessengerError) as caught:
            call()
        assert "!missing:sreda.test" in caught.value.message and not caught.value.retryable
        assert "--reconcile" in caught.value.hint
    with pytest.raises(MessengerError, match="!missing:sreda.test"):
        connector.add_member("!missing:sreda.test", user.user_id)


def test_a_code_for_an_unregistered_id_is_not_sent_into_the_void_R27(connector):
    with pytest.raises(MessengerError, match="@nobody_here:sreda.test не найден"):
        connector.send_notice("@nobody_here:sreda.test", "Код привязки: 333333")
    with pytest.raises(MessengerError, match="другого сервера") as caught:
        connector.send_notice("@someone:other.example", "Код привязки: 333333")
    assert "@имя:sreda.test" in caught.value.hint


def test_staff_given_at_creation_write_in_a_one_way_room_at_once_R28(connector, synapse, matrix_user):
    student, teacher = matrix_user("pupil"), matrix_user("form_teacher")
    room_id = connector.create_room(key_alias=key("students"), title="5В — ученики", read_only=True,
                                    staff=[teacher.user_id, synapse.bot_user_id])
    for user in (student, teacher):
        connector.add_member(room_id, user.user_id)
    assert say(synapse, teacher, room_id, "Расписание на завтра").status_code == 200
    assert say(synapse, student, room_id, "А можно?").status_code == 403


def test_a_refused_token_is_not_retried_and_says_to_ask_the_district(synapse):
    bad = MatrixConnector(synapse.base_url, "wrong-token", synapse.bot_user_id, synapse.server_name)
    with bad, pytest.raises(MessengerError) as caught:
        bad.create_room(key_alias=key(), title="Учительская", read_only=False)
    assert caught.value.message.startswith("Токен сервисной учётной записи не принят")
    assert "новый токен" in caught.value.hint and not caught.value.retryable


def test_check_tells_whose_token_it_is(connector, synapse):
    """R29: the settings page can verify a token before the first sync."""
    assert connector.whoami() == synapse.bot_user_id
    bad = MatrixConnector(synapse.base_url, "wrong-token", synapse.bot_user_id, synapse.server_name)
    with bad, pytest.raises(MessengerError, match="Токен сервисной учётной записи не принят"):
        bad.whoami()


def test_a_stopped_server_is_retryable_with_a_hint_about_the_address():
    from sreda.chats.synapse_harness import free_port

    down = MatrixConnector(f"http://127.0.0.1:{free_port()}", "t", "@sreda_bot:sreda.test", "sreda.test", timeout=2)
    with down, pytest.raises(MessengerError) as caught:
        down.find_room(key())
    assert caught.value.message.startswith("Сервер Matrix не отвечает") and caught.value.retryable
    assert "адрес в настройках" in caught.value.hint


def test_a_room_is_placed_in_the_school_space(connector, synapse):
    with synapse.as_client() as http:
        space_id = http.post("/_matrix/client/v3/createRoom", json={
            "name": "Школа №1", "creation_content": {"type": "m.space"}, "room_version": "12"}).json()["room_id"]
    room_id = connector.create_room(key_alias=key("staff"), title="Учительская", read_only=False, space_id=space_id)
    assert state(synapse, space_id, "m.space.child", room_id)["via"] == ["sreda.test"]
    assert state(synapse, room_id, "m.space.parent", space_id)["canonical"] is True


def test_settings_of_a_school_build_a_working_connector(matrix_settings):
    settings = matrix_settings()
    with MatrixConnector.from_settings(settings) as conn:
        assert conn.find_room(key()) is None
