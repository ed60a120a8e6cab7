"""The Matrix connector (R24–R28): Sreda's chats on a Synapse homeserver through the Client-Server and Admin APIs
with plain httpx. The service account is the application service's sender (its token does not expire and is not
rate-limited) and a server admin, so it can join people with the admin join API.

Every failure becomes a MessengerError with a Russian message and a hint: the server down, a timeout or a 5xx is
retryable; 429 is retryable after the time the server asked for; a refused token (401) or missing rights (403)
is not; a missing room or user says which."""
from __future__ import annotations

import uuid
from typing import Self
from urllib.parse import quote

import httpx

from .connector import MessengerError

DOWN_MESSAGE = "Сервер Matrix не отвечает"
DOWN_HINT = "Проверьте, что сервер запущен и адрес в настройках верен; синхронизация повторится автоматически."
TOKEN_MESSAGE = "Токен сервисной учётной записи не принят сервером Matrix"
TOKEN_HINT = "Запросите в управлении образования новый токен и впишите его в настройки интеграции школы."
RIGHTS_HINT = ("Сервисная учётная запись должна быть администратором сервера Matrix и создателем комнат школы; "
               "обратитесь в управление образования.")
STAFF_LEVEL = 50    # R28: staff write in a one-way chat
ARCHIVE_LEVEL = 100  # an archived chat: only the service account (the room's creator) writes


def error_for_transport(exc: Exception) -> MessengerError:
    """The server could not be reached or did not answer in time."""
    why = "не ответил вовремя" if isinstance(exc, httpx.TimeoutException) else "недоступен"
    return MessengerError(f"{DOWN_MESSAGE}: сервер {why}.", hint=DOWN_HINT, retryable=True)


def error_for_response(status: int, body: dict, *, headers: dict | None = None, what: str = "") -> MessengerError:
    """A Matrix error answer as a MessengerError; `what` names the object («комната !abc:server»)."""
    code, text = body.get("errcode", ""), str(body.get("error", "")).rstrip(".")
    if status == 429:
        retry_after = body.get("retry_after_ms")
        seconds = retry_after / 1000 if retry_after is not None else _header_seconds(headers or {})
        wait = f" Повтор через {seconds:g} с." if seconds is not None else ""
        return MessengerError(f"Сервер Matrix просит подождать: слишком много запросов.{wait}",
                              hint="Синхронизация повторится сама; если это часто, попросите поднять лимиты "
                                   "для сервисной учётной записи (rate_limited: false).",
                              retryable=True, retry_after=seconds)
    if status >= 500:
        return MessengerError(f"{DOWN_MESSAGE}: внутренняя ошибка сервера ({status}).", hint=DOWN_HINT, retryable=True)
    if status == 401 or code in ("M_UNKNOWN_TOKEN", "M_MISSING_TOKEN"):
        return MessengerError(f"{TOKEN_MESSAGE}.", hint=TOKEN_HINT)
    if status == 403 and "not in room" in text:
        return MessengerError(f"Сервисная учётная запись не состоит в комнате{_on(what)}: комнату удалили на "
                              "сервере или её создала не «Среда».",
                              hint="Полная синхронизация (--reconcile) создаст комнату заново; старую "
                                   "администратор сервера может удалить.")
    if status == 403:
        return MessengerError(f"Сервер Matrix отказал сервисной учётной записи в правах{_on(what)}: {text or code}.",
                              hint=RIGHTS_HINT)
    if status == 404:
        return MessengerError(f"Не найдено на сервере Matrix{_on(what)}: {text or code}.",
                              hint="Возможно, объект удалён на сервере; следующая полная синхронизация "
                                   "(--reconcile) создаст недостающее.")
    return MessengerError(f"Сервер Matrix отклонил запрос{_on(what)}: {text or code or status}.",
                          hint="Сообщите в поддержку текст ошибки.")


def _on(what: str) -> str:
    return f" ({what})" if what else ""


def _header_seconds(headers) -> float | None:
    try:
        return float(headers.get("retry-after") or headers.get("Retry-After"))
    except (TypeError, ValueError):
        return None


class MatrixConnector:
    """Connector (sreda/chats/connector.py) for a Synapse homeserver; one httpx.Client per connector."""

    def __init__(self, homeserver_url: str, service_token: str, service_user_id: str, server_name: str,
                 timeout: float = 10, *, transport: httpx.BaseTransport | None = None):
        self.homeserver_url = homeserver_url.rstrip("/")
        self.service_user_id = service_user_id
        self.server_name = server_name
        self._http = httpx.Client(base_url=self.homeserver_url, timeout=timeout, transport=transport,
                                  headers={"Authorization": f"Bearer {service_token}"})
        self._direct: dict[str, str] = {}  # user id → direct room with the service account

    @classmethod
    def from_settings(cls, settings, **kw) -> MatrixConnector:
        """For a school's chats.MessengerSettings."""
        return cls(settings.homeserver_url, settings.service_token, settings.service_user_id,
                   settings.server_name, **kw)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # --- HTTP -------------------------------------------------------------------------------------------
    def _call(self, method: str, path: str, *, json: dict | None = None, params: dict | None = None,
              what: str = "", allow: tuple[int, ...] = ()) -> tuple[int, dict]:
        """(status, body) of a call; an error status not in `allow` raises MessengerError."""
        try:
            response = self._http.request(method, path, json=json, params=params)
        except httpx.TransportError as exc:
            raise error_for_transport(exc) from exc
        try:
            body = response.json() if response.content else {}
        except ValueError:
            body = {}
        if response.status_code >= 400 and response.status_code not in allow:
            raise error_for_response(response.status_code, body if isinstance(body, dict) else {},
                                     headers=response.headers, what=what)
        return response.status_code, body

    def alias(self, key_alias: str) -> str:
        return f"#{key_alias}:{self.server_name}"

    def _room(self, room_id: str) -> str:
        return f"/_matrix/client/v3/rooms/{quote(room_id, safe='')}"

    def whoami(self) -> str:
        """The user id the token belongs to (a settings check: the token is accepted and is the service's)."""
        return self._call("GET", "/_matrix/client/v3/account/whoami", what="сервисная учётная запись")[1]["user_id"]

    # --- rooms ------------------------------------------------------------------------------------------
    def find_room(self, key_alias: str) -> str | None:
        alias = self.alias(key_alias)
        status, body = self._call("GET", f"/_matrix/client/v3/directory/room/{quote(alias, safe='')}",
                                  what=f"адрес {alias}", allow=(404,))
        return body.get("room_id") if status == 200 else None

    def create_room(self, *, key_alias: str, title: str, read_only: bool, space_id: str = "",
                    staff: list[str] | tuple = ()) -> str:
        """See Connector.create_room; `staff` (optional) may write in a one-way room from the start (R28)."""
        users = {u: STAFF_LEVEL for u in staff if read_only and u != self.service_user_id}
        initial_state = []
        if space_id:
            initial_state.append({"type": "m.space.parent", "state_key": space_id,
                                  "content": {"via": [self.server_name], "canonical": True}})
        status, body = self._call("POST", "/_matrix/client/v3/createRoom", what=f"комната «{title}»", allow=(400,), json={
            "room_alias_name": key_alias, "name": title, "preset": "private_chat", "visibility": "private",
            "room_version": "12", "initial_state": initial_state,
            # Room version 12: the creator has unlimited power and must not appear in `users`.
            "power_level_content_override": {"events_default": STAFF_LEVEL if read_only else 0, "users": users},
        })
        if status == 400:
            if body.get("errcode") == "M_ROOM_IN_USE":  # an interrupted sync already created it: no duplicate
                existing = self.find_room(key_alias)
                if existing:
                    return existing
            raise error_for_response(status, body, what=f"комната «{title}»")
        room_id = body["room_id"]
        if space_id:
            self._call("PUT", f"{self._room(space_id)}/state/m.space.child/{quote(room_id, safe='')}",
                       json={"via": [self.server_name]}, what=f"пространство {space_id}")
        return room_id

    def set_title(self, room_id: str, title: str) -> None:
        self._call("PUT", f"{self._room(room_id)}/state/m.room.name", json={"name": title},
                   what=f"комната {room_id}")

    def power_levels(self, room_id: str) -> dict:
        return self._call("GET", f"{self._room(room_id)}/state/m.room.power_levels", what=f"комната {room_id}")[1]

    def _put_power_levels(self, room_id: str, levels: dict) -> None:
        self._call("PUT", f"{self._room(room_id)}/state/m.room.power_levels", json=levels,
                   what=f"комната {room_id}")

    def wanted_levels(self, levels: dict, read_only: bool, staff) -> dict:
        """The power levels a live Sreda room must have (R28), the other keys of `levels` kept: everyone writes
        (events_default 0) or only `staff` (50); nobody else holds a raised level (hand-made changes are undone);
        state and invites as the private_chat preset makes them. A service account listed in `users` (rooms of
        room versions before 12) keeps its level."""
        users = {u: level for u, level in (levels.get("users") or {}).items() if u == self.service_user_id}
        if read_only:
            users.update({u: STAFF_LEVEL for u in staff if u != self.service_user_id})
        return dict(levels, events_default=STAFF_LEVEL if read_only else 0, state_default=STAFF_LEVEL, invite=0,
                    users=users)

    def set_read_only(self, room_id: str, read_only: bool, staff: list[str]) -> None:
        levels = self.power_levels(room_id)
        wanted = self.wanted_levels(levels, read_only, staff)
        if wanted != levels:
            self._put_power_levels(room_id, wanted)

    def levels_match(self, room_id: str, read_only: bool, staff) -> bool:
        """The room's power levels are exactly what `set_read_only(read_only, staff)` would make (reconcile)."""
        levels = self.power_levels(room_id)
        return levels == self.wanted_levels(levels, read_only, staff)

    def room_title(self, room_id: str) -> str:
        """The room's name now («» when it has none)."""
        status, body = self._call("GET", f"{self._room(room_id)}/state/m.room.name", what=f"комната {room_id}",
                                  allow=(404,))
        return str(body.get("name", "")) if status == 200 else ""

    def archive_room(self, room_id: str, title: str) -> None:
        self.set_title(room_id, title)
        levels = self.power_levels(room_id)
        wanted = dict(levels, events_default=ARCHIVE_LEVEL, state_default=ARCHIVE_LEVEL, invite=ARCHIVE_LEVEL)
        if wanted != levels:
            self._put_power_levels(room_id, wanted)

    def unarchive_room(self, room_id: str, title: str, read_only: bool, staff: list[str]) -> None:
        """The chat is planned again: the archived room gets back its title and the power levels of a live room
        (members are the sync's usual add/remove)."""
        self.set_title(room_id, title)
        self.set_read_only(room_id, read_only, staff)

    # --- members ----------------------------------------------------------------------------------------
    def joined_members(self, room_id: str) -> set[str]:
        body = self._call("GET", f"{self._room(room_id)}/joined_members", what=f"комната {room_id}")[1]
        return set(body.get("joined", {})) - {self.service_user_id}

    def membership(self, room_id: str, user_id: str) -> str:
        """«join», «invite», «leave», «ban» or «» (never was in the room)."""
        status, body = self._call("GET", f"{self._room(room_id)}/state/m.room.member/{quote(user_id, safe='')}",
                                  what=f"комната {room_id}", allow=(404,))
        return body.get("membership", "") if status == 200 else ""

    def add_member(self, room_id: str, user_id: str) -> None:
        status, body = self._call("POST", f"/_synapse/admin/v1/join/{quote(room_id, safe='')}",
                                  json={"user_id": user_id}, allow=(403, 404), what=f"комната {room_id}")
        if status == 403:  # Synapse answers 403 «already in the room» to a repeated join
            if self.membership(room_id, user_id) != "join":
                raise error_for_response(status, body, what=f"комната {room_id}")
        elif status == 404 and "user" in body.get("error", "").lower():
            raise MessengerError(f"Пользователь {user_id} не найден на сервере Matrix.",
                                 hint="Проверьте идентификатор в мессенджере на вкладке «Общая» карточки человека.")
        elif status == 404:
            raise error_for_response(status, body, what=f"комната {room_id}")

    def remove_member(self, room_id: str, user_id: str, reason: str) -> None:
        status, body = self._call("POST", f"{self._room(room_id)}/kick", json={"user_id": user_id, "reason": reason},
                                  what=f"комната {room_id}", allow=(403,))
        if status == 403 and self.membership(room_id, user_id) in ("join", "invite", "knock"):
            raise error_for_response(status, body, what=f"комната {room_id}")

    # --- people -----------------------------------------------------------------------------------------
    def user_exists(self, user_id: str) -> bool:
        if user_id.endswith(f":{self.server_name}"):
            status, body = self._call("GET", f"/_synapse/admin/v2/users/{quote(user_id, safe='')}",
                                      what=f"пользователь {user_id}", allow=(400, 404))
            if status != 400:
                return status == 200 and not body.get("deactivated", False)
        status, _ = self._call("GET", f"/_matrix/client/v3/profile/{quote(user_id, safe='')}",
                               what=f"пользователь {user_id}", allow=(400, 403, 404))
        if status == 403:  # another server and no federation: nobody can tell
            raise MessengerError(f"Сервер Matrix не может проверить пользователя другого сервера: {user_id}.",
                                 hint=f"Укажите учётную запись на сервере школы (@имя:{self.server_name}).")
        return status == 200

    def send_notice(self, user_id: str, text: str) -> None:
        room_id = self._direct_room(user_id)
        self._call("PUT", f"{self._room(room_id)}/send/m.room.message/{uuid.uuid4().hex}",
                   json={"msgtype": "m.notice", "body": text}, what=f"личная комната с {user_id}")

    def _direct_room(self, user_id: str) -> str:
        """The service account's direct room with the user (m.direct), reused while the user is in it."""
        if user_id in self._direct:
            return self._direct[user_id]
        path = f"/_matrix/client/v3/user/{quote(self.service_user_id, safe='')}/account_data/m.direct"
        status, direct = self._call("GET", path, what="личные комнаты", allow=(404,))
        direct = direct if status == 200 else {}
        for room_id in reversed(direct.get(user_id, [])):
            if self.membership(room_id, user_id) in ("join", "invite"):
                self._direct[user_id] = room_id
                return room_id
        if not self.user_exists(user_id):  # Synapse would invite a local id nobody registered, silently
            raise MessengerError(f"Пользователь {user_id} не найден на сервере Matrix.",
                                 hint="Проверьте идентификатор: он выглядит как @имя:сервер.")
        room_id = self._call("POST", "/_matrix/client/v3/createRoom", what=f"личная комната с {user_id}", json={
            "is_direct": True, "preset": "trusted_private_chat", "invite": [user_id], "room_version": "12"})[1]["room_id"]
        direct.setdefault(user_id, []).append(room_id)
        self._call("PUT", path, json=direct, what="личные комнаты")
        self._direct[user_id] = room_id
        return room_id
