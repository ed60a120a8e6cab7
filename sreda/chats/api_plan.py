"""API of the chats plan (R24, R27, R28), mounted at /api/v1/ by api/ninja_api.py: the school's planned chats
(the same list as `python -m sreda chats plan --json`) with what a sync would change in each. Scope `chats` or
`read`; the school's director, administrator, or the operator."""
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from sreda.api.auth import api_actor
from sreda.api.models import SCOPE_CHATS, SCOPE_READ
from sreda.api.schemas import ERRORS, Pagination
from sreda.chats.diff import diff, diff_summary
from sreda.chats.models import Chat, ChatKind
from sreda.chats.plan import school_plan
from sreda.core.permissions import Action, in_scope, require
from sreda.orgs.models import Organisation

router = Router(tags=["Чаты"])

ORGANISATION_NOT_FOUND = "Организация не найдена или недоступна в роли токена."


class ChatMemberOut(Schema):
    person_id: int = Field(..., examples=[42])
    full_name: str = Field(..., examples=["Петрова Мария Ивановна"])
    role: str = Field(..., description="Роль: teacher, staff, director, administrator, student, parent.")
    linked: bool = Field(..., description="Мессенджер привязан (R27); непривязанных в чат не приглашают.")


class DiffOut(Schema):
    create: bool = Field(..., description="Комнаты ещё нет — синхронизация создаст её.")
    rename: bool = Field(..., description="Название комнаты изменится.")
    read_only: bool | None = Field(..., description="Новый режим «пишут только сотрудники» (R28), если меняется.")
    add: int = Field(..., description="Сколько привязанных участников будет добавлено.")
    remove: int = Field(..., description="Сколько участников будет удалено (R26).")
    archive: bool = Field(..., description="Чат класса прошлого года или удалённого класса уйдёт в архив.")
    unarchive: bool = Field(False, description="Закрытый предметный чат открыт снова: та же комната вернётся из "
                                               "архива.")


class PlannedChatOut(Schema):
    kind: str = Field(..., description="staff, parents, students, subject.")
    class_: str | None = Field(..., alias="class", description="Класс, «5А»; для «Учительской» — null.")
    title: str = Field(..., examples=["5А — родители"])
    read_only: bool
    members: list[ChatMemberOut]
    diff: DiffOut


class PlanFilters(Schema):
    kind: ChatKind | None = Field(None, description="Только чаты этого вида: staff, parents, students, subject.")
    changed: bool = Field(False, description="Только чаты, которые изменит ближайшая синхронизация.")


def _school(actor, org_id: int) -> Organisation:
    organisation = Organisation.objects.select_related("municipality__region").filter(pk=org_id).first()
    if organisation is None or not in_scope(actor, organisation):
        raise Http404(ORGANISATION_NOT_FOUND)
    require(actor, Action.MANAGE_CHATS, organisation)
    return organisation


def _actor(request: HttpRequest):
    try:
        return api_actor(request, SCOPE_CHATS)
    except PermissionDenied:
        return api_actor(request, SCOPE_READ)


@router.get("/orgs/{org_id}/chats/plan", response={200: list[PlannedChatOut], **ERRORS}, by_alias=True,
            summary="План чатов школы и отличия от мессенджера (R24, R27, R28)")
@paginate(Pagination)
def chats_plan(request: HttpRequest, org_id: int, filters: Query[PlanFilters]):
    """Чаты, которые должны быть у школы по контингенту: «Учительская»/«Сотрудники», родители и ученики каждого
    класса (когда привязан классный руководитель), предметные чаты; участники с отметкой о привязке мессенджера и
    что изменит ближайшая синхронизация. В конце — чаты, которые уйдут в архив (участников у них нет).
    Постранично; план вычисляется по контингенту целиком (это не строки таблицы), страница вырезается из него."""
    organisation = _school(_actor(request), org_id)
    plan = school_plan(organisation)
    changes = diff(organisation, plan)
    by_key = {d.key: d for d in changes}
    rows = [{**chat.as_dict(), "diff": diff_summary(by_key.get(chat.key))} for chat in plan]
    archived = [d for d in changes if d.archive]
    if archived:
        kinds = dict(Chat.objects.filter(organisation=organisation, key__in=[d.key for d in archived])
                     .values_list("key", "kind"))
        rows += [{"kind": kinds.get(d.key, ""), "class": None, "title": d.title, "read_only": False, "members": [],
                  "diff": diff_summary(d)} for d in archived]
    if filters.kind is not None:
        rows = [row for row in rows if row["kind"] == filters.kind.value]
    if filters.changed:
        rows = [row for row in rows if _changes(row["diff"])]
    return rows


def _changes(summary: dict) -> bool:
    """Would the next sync do anything to this chat?"""
    return any(value for key, value in summary.items() if key != "read_only") or summary.get("read_only") is not None
