"""API of the chats linking part (mounted at /api/v1/ by api/ninja_api.py): a person links their own messenger
account (R27). The token must be bound to a person (issued for a role of theirs) and carry the `chats` or the
`read` scope; the same rules as the page (`linking.py`)."""
from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from sreda.api.models import SCOPE_CHATS, SCOPE_READ, SCOPES
from sreda.api.schemas import ERRORS
from sreda.chats import linking
from sreda.chats.models import MessengerAccount

router = Router(tags=["Чаты"])


class UserIdIn(Schema):
    user_id: str = Field(..., max_length=255, description="Идентификатор Matrix на сервере школы.",
                         examples=["@ivanova:school.example"])


class CodeIn(Schema):
    code: str = Field(..., max_length=20, description="6 цифр из сообщения сервисной учётной записи.",
                      examples=["123456"])


class MessengerOut(Schema):
    user_id: str = Field("", description="Идентификатор Matrix (пусто — не привязан).",
                         examples=["@ivanova:school.example"])
    status: str = Field(..., description="none — не привязан; pending — ждём код; linked — привязан.",
                        examples=["linked"])
    code_expires_at: datetime | None = Field(None, description="До какого времени действует отправленный код (UTC).")
    attempts_left: int | None = Field(None, description="Сколько раз ещё можно ввести код.")
    linked_at: datetime | None = Field(None, description="Когда привязан (UTC).")


def _actor(request: HttpRequest):
    token = request.auth
    if SCOPE_CHATS not in token.scopes and SCOPE_READ not in token.scopes:
        raise PermissionDenied(f"Токену не выдана область «{SCOPE_CHATS}» ({SCOPES[SCOPE_CHATS]}) или «{SCOPE_READ}».")
    actor = request.active_role
    if actor.person is None:
        raise PermissionDenied("Токен не привязан к человеку: привязать мессенджер можно только токеном, "
                               "выпущенным для своей роли.")
    return actor


def _out(account: MessengerAccount | None) -> dict:
    if account is None:
        return {"status": "none"}
    if account.status == "linked":
        return {"user_id": account.user_id, "status": account.status, "linked_at": account.linked_at}
    return {"user_id": account.user_id, "status": account.status,
            "code_expires_at": account.code_sent_at + linking.CODE_TTL if account.code_sent_at else None,
            "attempts_left": max(0, linking.MAX_ATTEMPTS - account.attempts)}


@router.get("/me/messenger", response={200: MessengerOut, **ERRORS}, summary="Мой мессенджер")
def messenger_get(request: HttpRequest):
    """Привязанный идентификатор Matrix человека, от имени которого выпущен токен, или ожидающий кода (R27)."""
    state = linking.link_state(actor=_actor(request))
    return _out(state.linked or state.pending)


@router.post("/me/messenger", response={202: MessengerOut, **ERRORS}, summary="Привязать мессенджер: отправить код")
def messenger_start(request: HttpRequest, data: UserIdIn):
    """Проверяет идентификатор (есть на сервере школы, не привязан к другому человеку) и отправляет на него
    6-значный код сообщением от сервисной учётной записи школы. Код действует 15 минут, 5 попыток."""
    return Status(202, _out(linking.link_start(actor=_actor(request), user_id=data.user_id)))


@router.post("/me/messenger/confirm", response={200: MessengerOut, **ERRORS}, summary="Привязать мессенджер: код")
def messenger_confirm(request: HttpRequest, data: CodeIn):
    """Верный код привязывает идентификатор; чаты школ человека появятся после ближайшей синхронизации."""
    return _out(linking.link_confirm(actor=_actor(request), code=data.code))


@router.delete("/me/messenger", response={204: None, **ERRORS}, summary="Отвязать мессенджер")
def messenger_remove(request: HttpRequest):
    """Отвязывает идентификатор; ближайшая синхронизация уберёт человека из чатов школы."""
    linking.link_remove(actor=_actor(request))
    return Status(204, None)
