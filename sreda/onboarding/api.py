"""API: invitations of employees (R10–R11). The same services and selectors as the pages.

Accepting an invitation is not here: the link from the e-mail is opened by the invitee in a browser,
signed in with a confirmed account (R10).
"""
from datetime import datetime
from enum import Enum

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate

from sreda.api.auth import api_actor
from sreda.api.models import SCOPE_READ, SCOPE_STAFF_WRITE
from sreda.api.schemas import ERRORS, ErrorOut, OrganisationRef, Pagination
from sreda.core.identifiers import mask_snils
from sreda.core.permissions import Action, require
from sreda.onboarding import selectors, services
from sreda.onboarding.models import INVITABLE_ROLES, InvitationStatus
from sreda.onboarding.selectors import InvitationState
from sreda.orgs.selectors import access_organisation

router = Router(tags=["Приглашения"])

InvitableRole = Enum("InvitableRole", {role.name: role.value for role in INVITABLE_ROLES}, type=str)
InvitationStateParam = Enum("InvitationState", {key.upper(): key for key in InvitationState.LABELS}, type=str)
CONFLICT = {409: ErrorOut}


class EmployeeInvitationIn(Schema):
    surname: str = Field(..., max_length=100, description="Фамилия.", examples=["Петрова"])
    name: str = Field(..., max_length=100, description="Имя.", examples=["Мария"])
    patronymic: str = Field("", max_length=100, description="Отчество (если есть).", examples=["Ивановна"])
    email: str = Field(..., max_length=254, description="E-mail, на который придёт ссылка-приглашение; любой адрес, "
                                                        "не обязательно тот, что на Госуслугах.",
                       examples=["petrova@school.ru"])
    snils: str = Field("", max_length=20, description="СНИЛС по желанию («XXX-XXX-XXX YY» или 11 цифр). С ним принять "
                                                      "приглашение может только этот человек (R10).",
                       examples=["112-233-445 95"])
    role: InvitableRole = Field(..., description="Роль, которую получит сотрудник: administrator — «Администратор ОО», "
                                                 "teacher — «Учитель», staff — «Сотрудник».", examples=["teacher"])


class RevokeIn(Schema):
    reason: str = Field("", max_length=500, description="Причина отзыва (попадёт в историю приглашения).",
                        examples=["Сотрудник не вышел на работу"])


class EmployeeInvitationOut(Schema):
    id: int = Field(..., description="Идентификатор приглашения.", examples=[71])
    organisation: OrganisationRef = Field(..., description="Школа, в которую приглашают.")
    surname: str = Field(..., description="Фамилия.", examples=["Петрова"])
    name: str = Field(..., description="Имя.", examples=["Мария"])
    patronymic: str = Field(..., description="Отчество (может быть пустым).", examples=["Ивановна"])
    full_name: str = Field(..., description="ФИО одной строкой.", examples=["Петрова Мария Ивановна"])
    email: str = Field(..., description="Куда отправлена ссылка.", examples=["petrova@school.ru"])
    snils: str | None = Field(None, description="СНИЛС, замаскированный «***-***-XXX **»; пусто — не указан.",
                              examples=["***-***-445 **"])
    role: str = Field(..., description="Код роли.", examples=["teacher"])
    role_label: str = Field(..., description="Роль по-русски.", examples=["Учитель"])
    status: InvitationStatus = Field(..., description="Хранимый статус: pending — ожидает ответа, accepted — принято, "
                                                      "replaced — заменено новой ссылкой, revoked — отозвано.")
    state: str = Field(..., description="Вкладка списка: pending — ожидает, expired — истёк срок ссылки, "
                                        "accepted — принято, closed — заменено или отозвано.", examples=["pending"])
    status_label: str = Field(..., description="Статус по-русски, с «Истекло» для просроченных.", examples=["Ожидает ответа"])
    sent_at: datetime = Field(..., description="Когда отправлено (UTC).")
    expires_at: datetime = Field(..., description="До какого момента действует ссылка (отправка + 60 дней, R11).")
    invited_by: str | None = Field(None, description="Кто пригласил; пусто — приглашение отправлено по токену школы.",
                                   examples=["Кузнецова Ольга Сергеевна"])
    accepted_at: datetime | None = Field(None, description="Когда принято.")
    membership_id: int | None = Field(None, description="Роль, созданная приглашением (после принятия).")
    replaced_by_id: int | None = Field(None, description="Новое приглашение, которым заменено это.")

    @staticmethod
    def resolve_snils(obj) -> str | None:
        return mask_snils(obj.snils) if obj.snils else None

    @staticmethod
    def resolve_role_label(obj) -> str:
        return obj.get_role_display()

    @staticmethod
    def resolve_state(obj) -> str:
        return selectors.state_of(obj)

    @staticmethod
    def resolve_status_label(obj) -> str:
        return selectors.status_label(obj)

    @staticmethod
    def resolve_invited_by(obj) -> str | None:
        return str(obj.invited_by) if obj.invited_by_id else None


class InvitationEventOut(Schema):
    at: datetime = Field(..., description="Когда (UTC).")
    kind: str = Field(..., description="Код события: sent, mail_sent, mail_failed, replaced, revoked, accepted, refused.",
                      examples=["sent"])
    kind_label: str = Field(..., description="Событие по-русски.", examples=["Приглашение отправлено"])
    actor: str | None = Field(None, description="Кто; пусто — система.", examples=["Кузнецова Ольга Сергеевна"])
    note: str = Field(..., description="Подробности.", examples=["Роль «Учитель», ссылка на petrova@school.ru до 19.01.2026"])

    @staticmethod
    def resolve_kind_label(obj) -> str:
        return selectors.EVENT_LABELS.get(obj.kind, obj.kind)

    @staticmethod
    def resolve_actor(obj) -> str | None:
        return str(obj.actor) if obj.actor_id else None


class InvitationDetailOut(EmployeeInvitationOut):
    events: list[InvitationEventOut] = Field(..., description="История приглашения, от старых событий к новым.")

    @staticmethod
    def resolve_events(obj) -> list:
        return list(selectors.invitation_events(invitation=obj))


class InvitationFilters(Schema):
    state: InvitationStateParam | None = Field(None, description="Только эта вкладка: pending, expired, accepted, closed.")
    q: str = Field("", max_length=200, description="Поиск по ФИО или e-mail (регистр и «ё» не важны).", examples=["петрова"])


def _conflict(exc: ValidationError):
    """A step the invitation's status does not allow (already replaced, accepted, revoked): 409."""
    if getattr(exc, "code", "") and str(exc.code).endswith("_not_allowed"):
        raise HttpError(409, " ".join(exc.messages)) from None
    raise exc


@router.get("/organisations/{organisation_id}/invitations", response={200: list[EmployeeInvitationOut], **ERRORS},
            summary="Приглашения сотрудников школы")
@paginate(Pagination)
def invitation_list(request: HttpRequest, organisation_id: int, filters: Query[InvitationFilters]):
    """Приглашения школы, новые сверху: ожидают, приняты, истекли, заменены и отозваны. Видят руководитель и
    администратор ОО своей школы."""
    actor = api_actor(request, SCOPE_READ)
    require(actor, Action.MANAGE_EMPLOYEES)
    organisation = access_organisation(actor=actor, organisation_id=organisation_id, action=Action.MANAGE_EMPLOYEES)
    return selectors.invitation_list(actor=actor, organisation=organisation,
                                     state=filters.state.value if filters.state else None, query=filters.q)


@router.post("/organisations/{organisation_id}/invitations", response={201: EmployeeInvitationOut, **ERRORS},
             summary="Пригласить сотрудника")
def invitation_create(request: HttpRequest, organisation_id: int, payload: EmployeeInvitationIn):
    """Отправляет письмо со ссылкой на `email` (R10). Ссылка действует 60 дней и один раз (R11); принимает её
    сотрудник в браузере, войдя с подтверждённой учётной записью. Ссылка в ответ не возвращается — только в
    письме. Неверный e-mail или СНИЛС — 422 с объяснением, ничего не создаётся. Нужна область `staff:write`."""
    actor = api_actor(request, SCOPE_STAFF_WRITE)
    require(actor, Action.MANAGE_EMPLOYEES)
    organisation = access_organisation(actor=actor, organisation_id=organisation_id, action=Action.MANAGE_EMPLOYEES)
    data = payload.dict()
    data["role"] = payload.role.value
    sent = services.invitation_send(actor=actor, organisation=organisation, **data)
    return Status(201, sent.invitation)


@router.get("/invitations/{invitation_id}", response={200: InvitationDetailOut, **ERRORS},
            summary="Приглашение и его история")
def invitation_detail(request: HttpRequest, invitation_id: int):
    """Приглашение со всей историей: отправлено, письмо ушло, заменено, отозвано, принято, отклонённые попытки."""
    actor = api_actor(request, SCOPE_READ)
    require(actor, Action.MANAGE_EMPLOYEES)
    return selectors.access_invitation(actor=actor, invitation_id=invitation_id)


@router.post("/invitations/{invitation_id}/resend", response={201: EmployeeInvitationOut, **ERRORS, **CONFLICT},
             summary="Отправить приглашение повторно")
def invitation_resend(request: HttpRequest, invitation_id: int):
    """Новая ссылка тому же человеку (R11): отвечает новым приглашением; прежнее получает статус «replaced», его
    ссылка сообщает, что заменена. Уже заменённое, принятое или отозванное — 409 с объяснением (так же отвечает
    второй из двух одновременных запросов). Нужна область `staff:write`."""
    actor = api_actor(request, SCOPE_STAFF_WRITE)
    require(actor, Action.MANAGE_EMPLOYEES)
    invitation = selectors.access_invitation(actor=actor, invitation_id=invitation_id)
    try:
        sent = services.invitation_resend(actor=actor, invitation=invitation)
    except ValidationError as exc:
        _conflict(exc)
    return Status(201, sent.invitation)


@router.post("/invitations/{invitation_id}/revoke", response={200: EmployeeInvitationOut, **ERRORS, **CONFLICT},
             summary="Отозвать приглашение")
def invitation_revoke(request: HttpRequest, invitation_id: int, payload: RevokeIn):
    """Ссылка перестаёт действовать и сообщает, что приглашение отозвано. Принятое или уже закрытое — 409.
    Нужна область `staff:write`."""
    actor = api_actor(request, SCOPE_STAFF_WRITE)
    require(actor, Action.MANAGE_EMPLOYEES)
    invitation = selectors.access_invitation(actor=actor, invitation_id=invitation_id)
    try:
        return services.invitation_revoke(actor=actor, invitation=invitation, reason=payload.reason)
    except ValidationError as exc:
        _conflict(exc)
