"""API: systems and access groups (R13) — the same selectors and services as the pages.

The school is the token's organisation: a token of «Администратор ОО» of school A reads and changes only
school A's employees in a group; members of other schools are never returned.
"""
from datetime import datetime

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from sreda.access import selectors, services
from sreda.api.auth import api_actor
from sreda.api.models import SCOPE_READ, SCOPE_STAFF_WRITE
from sreda.api.schemas import ERRORS, Pagination, PersonRef
from sreda.core.identifiers import mask_snils

router = Router(tags=["Группы доступа"])


class SystemOut(Schema):
    id: int = Field(..., description="Идентификатор системы.", examples=[1])
    code: str = Field(..., description="Код системы.", examples=["gosuslugi-moya-shkola"])
    name: str = Field(..., description="Система.", examples=["Госуслуги Моя школа"])
    owner_name: str = Field(..., description="Организация-владелец системы.",
                            examples=["Министерство цифрового развития, связи и массовых коммуникаций Российской Федерации"])
    owner_inn: str = Field(..., description="ИНН владельца (может быть пустым).", examples=["7710474375"])


class AccessGroupOut(Schema):
    id: int = Field(..., description="Идентификатор группы доступа.", examples=[1])
    code: str = Field(..., description="Код группы.", examples=["pedagogi-ub-tsok"])
    name: str = Field(..., description="Группа доступа.", examples=["Педагоги. Доступ к УБ ЦОК"])
    description: str = Field(..., description="Что открывает группа.",
                             examples=["Доступ к мобильному приложению и веб-версии «Госуслуги. Моя школа»…"])
    system: SystemOut = Field(..., description="Система группы и её владелец.")
    member_count: int = Field(..., description="Сколько сотрудников школы токена состоит в группе сейчас.", examples=[42])


class AccessGroupFilters(Schema):
    organisation: str = Field("", max_length=300, description="Организация-владелец: слова наименования или ИНН.",
                              examples=["Министерство цифрового развития"])
    system: str = Field("", max_length=300, description="Система: слова названия.", examples=["Госуслуги Моя школа"])
    group: str = Field("", max_length=300, description="Группа доступа: слова названия.",
                       examples=["Педагоги. Доступ к УБ ЦОК"])


class GroupMemberOut(Schema):
    person: PersonRef = Field(..., description="Сотрудник.")
    snils: str | None = Field(None, description="СНИЛС, замаскированный «***-***-XXX **».", examples=["***-***-789 **"])
    is_employee: bool = Field(..., description="Работает ли человек в школе сейчас (действующая роль сотрудника).")
    added_at: datetime = Field(..., description="Когда добавлен в группу (UTC).")

    @staticmethod
    def resolve_snils(obj) -> str | None:
        return mask_snils(obj.person.snils) if obj.person.snils else None


class MemberFilters(Schema):
    q: str = Field("", max_length=200, description="Поиск по ФИО (регистр и «ё» не важны).", examples=["иванова"])


class SelectionIn(Schema):
    person_ids: list[int] = Field(..., description=f"Идентификаторы людей (от 1 до {services.MAX_SELECTION}); "
                                                   "каждый — сотрудник школы токена.", examples=[[1001, 1002]])


class AddedOut(Schema):
    requested: int = Field(..., description="Сколько разных людей в запросе.", examples=[2])
    added: int = Field(..., description="Сколько добавлено сейчас; остальные уже были в группе.", examples=[2])


class RemovedOut(Schema):
    requested: int = Field(..., description="Сколько разных людей в запросе.", examples=[1])
    removed: int = Field(..., description="Сколько исключено сейчас; остальные были исключены раньше.", examples=[1])


def _group(request: HttpRequest, scope: str, group_id: int):
    """The token's role, its school (refused with the reason for other roles) and the group."""
    actor = api_actor(request, scope)
    organisation = services.acting_organisation(actor)
    return actor, organisation, selectors.access_group(actor=actor, group_id=group_id, organisation=organisation)


@router.get("/access-groups", response={200: list[AccessGroupOut], **ERRORS}, summary="Поиск групп доступа")
@paginate(Pagination)
def group_list(request: HttpRequest, filters: Query[AccessGroupFilters]):
    """Расширенный поиск групп доступа (R13) по организации-владельцу, системе и группе; регистр, «ё» и
    знаки препинания не важны. Доступен руководителю и администратору ОО."""
    actor = api_actor(request, SCOPE_READ)
    organisation = services.acting_organisation(actor)
    return selectors.group_search(actor=actor, owner=filters.organisation, system=filters.system,
                                  group=filters.group, organisation=organisation)


@router.get("/access-groups/{group_id}", response={200: AccessGroupOut, **ERRORS}, summary="Группа доступа")
def group_detail(request: HttpRequest, group_id: int):
    """Карточка группы доступа: система, владелец, описание и число сотрудников школы токена в группе."""
    _, _, group = _group(request, SCOPE_READ, group_id)
    return group


@router.get("/access-groups/{group_id}/members", response={200: list[GroupMemberOut], **ERRORS},
            summary="Сотрудники школы в группе")
@paginate(Pagination)
def group_members(request: HttpRequest, group_id: int, filters: Query[MemberFilters]):
    """«Посмотреть сотрудников в группе»: сотрудники школы токена в группе, по ФИО. Сотрудники других
    школ не выдаются."""
    actor, organisation, group = _group(request, SCOPE_READ, group_id)
    return selectors.group_members(actor=actor, group=group, organisation=organisation, query=filters.q)


@router.post("/access-groups/{group_id}/members", response={200: AddedOut, **ERRORS},
             summary="Присоединить сотрудников к группе")
def group_members_add(request: HttpRequest, group_id: int, body: SelectionIn):
    """«Присоединить нового сотрудника» — сразу нескольких. Повтор безопасен: кто уже в группе, остаётся.
    Если хоть один человек не сотрудник школы токена (или не найден), не меняется ничего, а ответ 422
    называет, кто не подошёл. Область токена: `staff:write`."""
    actor, organisation, group = _group(request, SCOPE_STAFF_WRITE, group_id)
    added = services.group_members_add(actor=actor, group=group, person_ids=body.person_ids, organisation=organisation)
    return {"requested": len(set(body.person_ids)), "added": added}


@router.post("/access-groups/{group_id}/members/remove", response={200: RemovedOut, **ERRORS},
             summary="Исключить сотрудников из группы")
def group_members_remove(request: HttpRequest, group_id: int, body: SelectionIn):
    """«Исключить из группы»: история сохраняется. Повтор безопасен; человек, которого в группе от этой
    школы не было, — ошибка 422, и ничего не меняется. Область токена: `staff:write`."""
    actor, organisation, group = _group(request, SCOPE_STAFF_WRITE, group_id)
    removed = services.group_members_remove(actor=actor, group=group, person_ids=body.person_ids,
                                            organisation=organisation)
    return {"requested": len(set(body.person_ids)), "removed": removed}
