"""Shared API schemas: errors, pagination, references to objects, the caller's role."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from ninja import Field, Schema
from ninja.pagination import LimitOffsetPagination
from pydantic import ConfigDict

DEFAULT_LIMIT = 50
MAX_LIMIT = 500


def example(value: dict) -> ConfigDict:
    """A schema's `model_config` with one whole example: what the docs show for a request body or an answer
    (the OpenAPI test checks every example against its schema)."""
    return ConfigDict(json_schema_extra={"examples": [value]})


class ErrorOut(Schema):
    """An error as RFC 9457 problem details (`application/problem+json`)."""

    type: str = Field("about:blank", description="Вид ошибки (RFC 9457): about:blank — смысл задаёт статус.",
                      examples=["about:blank"])
    title: str = Field("", description="Краткое название статуса.", examples=["Не найдено"])
    status: int = Field(0, description="HTTP-статус ответа.", examples=[404])
    detail: str = Field(..., description="Что не так, по-русски.",
                        examples=["Организация не найдена или недоступна в текущей роли."])


class ValidationErrorOut(ErrorOut):
    errors: list[dict[str, Any]] | None = Field(None, description="Подробности по каждому неверному параметру (формат pydantic).")


ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut, 429: ErrorOut}


class Pagination(LimitOffsetPagination):
    """`?limit=&offset=`; the answer is `{"count": всего, "items": [...]}`."""

    class Input(Schema):
        limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT,
                           description=f"Сколько записей вернуть: по умолчанию {DEFAULT_LIMIT}, не больше {MAX_LIMIT}.")
        offset: int = Field(0, ge=0, le=1_000_000_000, description="Сколько записей пропустить от начала списка.")

    class Output(Schema):
        count: int = Field(..., description="Сколько всего записей подходит под фильтры.", examples=[123])
        items: list[Any]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_limit=MAX_LIMIT, **kwargs)

    def paginate_queryset(self, queryset: QuerySet, pagination: Input, request, **params: Any) -> Any:
        # Fetch the page first: a selector that returned none() costs no COUNT.
        offset, limit = pagination.offset, min(pagination.limit, self.max_limit)
        items = list(queryset[offset:offset + limit])
        if offset == 0 and len(items) < limit:
            count = len(items)
        else:
            count = self._items_count(queryset)
        return {"items": items, "count": count}


class PageOf:
    """A queryset for the paginator to slice and count in the database; only the page's rows are turned into
    API dicts: one row at a time by `row`, or the page at once by `page` (when rows need a query of their own).
    Never a Python list of every row first (rules of the house 6)."""

    def __init__(self, queryset: QuerySet, row=None, *, page=None):
        self.queryset, self.row, self.page = queryset, row, page

    def __getitem__(self, item: slice) -> list:
        rows = list(self.queryset[item])
        if self.page is not None:
            return self.page(rows)
        return [self.row(r) for r in rows] if self.row is not None else rows

    def count(self) -> int:
        return self.queryset.count()

    def __len__(self) -> int:
        return self.count()


class Ref(Schema):
    id: int = Field(..., description="Идентификатор.", examples=[17])
    name: str = Field(..., description="Название.", examples=["Василеостровский район"])


class RegionRef(Schema):
    id: int = Field(..., description="Идентификатор региона.", examples=[1])
    name: str = Field(..., description="Название субъекта РФ.", examples=["Санкт-Петербург"])
    code: str = Field(..., description="Код региона.", examples=["78"])


class OrganisationRef(Schema):
    id: int = Field(..., description="Идентификатор организации.", examples=[42])
    short_name: str = Field(..., description="Краткое наименование.", examples=["ГБОУ СОШ № 5"])
    inn: str = Field(..., description="ИНН (10 цифр).", examples=["7801234567"])


class PersonRef(Schema):
    id: int = Field(..., description="Идентификатор человека.", examples=[1001])
    surname: str = Field(..., description="Фамилия.", examples=["Иванова"])
    name: str = Field(..., description="Имя.", examples=["Анна"])
    patronymic: str = Field(..., description="Отчество (может быть пустым).", examples=["Петровна"])
    full_name: str = Field(..., description="ФИО одной строкой.", examples=["Иванова Анна Петровна"])


class TokenOut(Schema):
    name: str = Field(..., description="Название токена.", examples=["Школьная ИС"])
    prefix: str = Field(..., description="Первые 8 символов токена.", examples=["a1B2c3D4"])
    scopes: list[str] = Field(..., description="Области доступа.", examples=[["read"]])
    created_at: datetime = Field(..., description="Когда выпущен (UTC).")
    last_used_at: datetime | None = Field(None, description="Когда использован последний раз (с точностью до минуты).")


class RoleOut(Schema):
    role: str = Field(..., description="Код роли.", examples=["administrator"])
    role_label: str = Field(..., description="Роль по-русски.", examples=["Администратор ОО"])
    label: str = Field(..., description="Роль и её область, как в шапке сайта.",
                       examples=["Администратор ОО — ГБОУ СОШ № 5"])
    organisation: OrganisationRef | None = Field(None, description="Организация роли (для ролей школы).")
    municipality: Ref | None = Field(None, description="Муниципалитет роли (для методиста района).")
    region: RegionRef | None = Field(None, description="Регион роли (для оператора региона).")
    person: PersonRef | None = Field(None, description="Человек, выпустивший токен для своей роли; пусто для токенов организации.")


class MeOut(Schema):
    model_config = example({
        "token": {"name": "Школьная ИС", "prefix": "a1B2c3D4", "scopes": ["read", "scim"],
                  "created_at": "2025-11-20T07:15:00Z", "last_used_at": "2025-11-21T09:40:00Z"},
        "role": {"role": "administrator", "role_label": "Администратор ОО", "label": "Администратор ОО — ГБОУ СОШ № 5",
                 "organisation": {"id": 42, "short_name": "ГБОУ СОШ № 5", "inn": "7801234567"},
                 "municipality": None, "region": None, "person": None},
    })
    token: TokenOut = Field(..., description="Токен, которым подписан запрос.")
    role: RoleOut = Field(..., description="Роль, от имени которой действует токен (R1).")
