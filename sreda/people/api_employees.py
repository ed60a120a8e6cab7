"""API: employees of a school (R12) — the same selectors and service as the «Сотрудники» pages."""
from datetime import date
from enum import Enum

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from sreda.api.auth import api_actor
from sreda.api.models import SCOPE_READ, SCOPE_STAFF_WRITE
from sreda.api.schemas import ERRORS, Pagination, PersonRef
from sreda.core.identifiers import mask_snils
from sreda.core.permissions import Action, require
from sreda.orgs.selectors import access_organisation
from sreda.people import employees
from sreda.people.roles import SCHOOL_STAFF_ROLES, Role

router = Router(tags=["Сотрудники"])

StaffRole = Enum("StaffRole", {role.name: role.value for role in SCHOOL_STAFF_ROLES}, type=str)


class EmployeeOut(Schema):
    id: int = Field(..., description="Идентификатор строки сотрудника — его действующей роли в школе. После смены "
                                     "роли у сотрудника новая строка с новым id.", examples=[5001])
    person: PersonRef = Field(..., description="Человек.")
    role: str = Field(..., description="Код роли.", examples=["teacher"])
    role_label: str = Field(..., description="Роль по-русски.", examples=["Учитель"])
    organisation_id: int = Field(..., description="Школа.", examples=[42])
    start_date: date = Field(..., description="С какого дня действует роль.")
    origin: str = Field(..., description="Откуда роль: roster — импорт, manual — вручную, invitation — приглашение.",
                        examples=["invitation"])
    confirmation: str = Field(..., description="Подтверждение школой: pending, confirmed, rejected.", examples=["confirmed"])
    snils: str | None = Field(None, description="СНИЛС, замаскированный «***-***-XXX **».", examples=["***-***-445 **"])
    account_confirmed: bool = Field(..., description="Подтверждена ли учётная запись человека.")

    @staticmethod
    def resolve_role_label(obj) -> str:
        return Role(obj.role).label  # get_FOO_display rebuilds the choices on every call

    @staticmethod
    def resolve_snils(obj) -> str | None:
        return mask_snils(obj.person.snils) if obj.person.snils else None

    @staticmethod
    def resolve_account_confirmed(obj) -> bool:
        return obj.person.account_confirmed


class EmployeeUpdateOut(EmployeeOut):
    changed: list[str] = Field(..., description="Что изменилось: surname, name, patronymic, email, phone, snils, role.",
                               examples=[["email", "role"]])
    ended_id: int | None = Field(None, description="При смене роли — id прежней строки; она завершена сегодняшним днём.")


class EmployeeFilters(Schema):
    role: StaffRole | None = Field(None, description="Только эта роль.")
    q: str = Field("", max_length=200, description="Поиск по ФИО (регистр и «ё» не важны).", examples=["петрова"])


class EmployeeUpdateIn(Schema):
    """Only the fields given change; the others keep their values."""

    surname: str | None = Field(None, max_length=100, description="Фамилия.", examples=["Петрова"])
    name: str | None = Field(None, max_length=100, description="Имя.", examples=["Мария"])
    patronymic: str | None = Field(None, max_length=100, description="Отчество; пустая строка — нет отчества.")
    email: str | None = Field(None, max_length=254, description="E-mail; пустая строка — удалить.",
                              examples=["petrova@school.ru"])
    phone: str | None = Field(None, max_length=30, description="Телефон (+7…, 8…, с разделителями или без); пустая "
                                                              "строка — удалить.", examples=["+7 921 000-00-01"])
    snils: str | None = Field(None, max_length=20, description="СНИЛС («XXX-XXX-XXX YY» или 11 цифр), проверяется "
                                                              "контрольное число; пустая строка — удалить.",
                              examples=["112-233-445 95"])
    role: str | None = Field(None, description="Новая роль: administrator, teacher или staff. Смена роли завершает "
                                               "прежнюю роль сегодня и открывает новую; роль руководителя и свою роль "
                                               "здесь не меняют.", examples=["staff"])


@router.get("/organisations/{organisation_id}/employees", response={200: list[EmployeeOut], **ERRORS},
            summary="Сотрудники школы")
@paginate(Pagination)
def employee_list(request: HttpRequest, organisation_id: int, filters: Query[EmployeeFilters]):
    """Действующие сотрудники школы (руководитель, администраторы, учителя, сотрудники) по ФИО, по строке на
    каждую роль; СНИЛС замаскирован. Видят руководитель и администратор ОО своей школы."""
    actor = api_actor(request, SCOPE_READ)
    require(actor, Action.MANAGE_EMPLOYEES)
    organisation = access_organisation(actor=actor, organisation_id=organisation_id, action=Action.MANAGE_EMPLOYEES)
    return employees.employee_list(actor=actor, organisation=organisation, query=filters.q,
                                   role=filters.role.value if filters.role else None)


@router.patch("/employees/{employee_id}", response={200: EmployeeUpdateOut, **ERRORS},
              summary="Изменить данные и роль сотрудника")
def employee_update(request: HttpRequest, employee_id: int, payload: EmployeeUpdateIn):
    """Правка ФИО, e-mail, телефона, СНИЛС и роли сотрудника (R12). Неверный СНИЛС, e-mail или телефон — 422 с
    объяснением, ничего не меняется. Каждое изменение — в журнале действий. Нужна область `staff:write`."""
    actor = api_actor(request, SCOPE_STAFF_WRITE)
    require(actor, Action.MANAGE_EMPLOYEES)
    membership = employees.access_employee(actor=actor, membership_id=employee_id)
    person = membership.person
    given = payload.dict(exclude_unset=True)
    data = {
        "surname": person.surname, "name": person.name, "patronymic": person.patronymic, "email": person.email,
        "phone": person.phone, "snils": person.snils or "", "role": membership.role,
    }
    data.update({key: value if value is not None else "" for key, value in given.items()})
    result = employees.employee_update(actor=actor, membership=membership, **data)
    row = result.membership
    row.changed = result.changed
    row.ended_id = membership.pk if "role" in result.changed else None
    return row
