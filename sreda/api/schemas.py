"""Shared API schemas: errors, pagination, references to objects, the caller's role."""
from __future__ import annotations

import json
from datetime import datetime
from functools import wraps
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpResponse
from ninja import Field, Schema
from ninja.pagination import LimitOffsetPagination, paginate
from pydantic import BaseModel, ConfigDict, create_model

from sreda.core.text import full_name

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


def json_answer(data: Any, status: int = 200) -> HttpResponse:
    """`data` (already JSON: dicts, lists, strings, numbers) written as the API's JSON answer."""
    return HttpResponse(json.dumps(data, ensure_ascii=False, separators=(",", ":")), status=status,
                        content_type="application/json; charset=utf-8")


_checkers: dict[type, type[BaseModel]] = {}


def check_rows(schema: type[Schema], rows: list[dict]) -> None:
    """With `SREDA_API_CHECK_ROWS` on, each row must be exactly what `schema` would answer: validated by the
    schema's fields (without its resolvers, which read model objects) and dumped as JSON, it comes back
    unchanged — no field missing, none extra, no value of the wrong type or form."""
    if not settings.SREDA_API_CHECK_ROWS:
        return
    checker = _checkers.get(schema)
    if checker is None:
        fields = {name: (field.annotation, field) for name, field in schema.model_fields.items()}
        checker = _checkers[schema] = create_model(f"{schema.__name__}Row", __base__=BaseModel, **fields)
    for row in rows:
        dumped = checker.model_validate(row).model_dump(mode="json")
        if dumped != row:
            raise AssertionError(f"{schema.__name__}: строка API не совпадает со схемой:\n{row!r}\n{dumped!r}")


def paginate_rows(schema: type[Schema]):
    """`@paginate(Pagination)` for a view that returns a `PageOf` whose rows are already JSON in the shape of
    `schema` (built from `.values()`, not model objects): the page is written out as it is. Building a model
    object for every row and then validating each of its fields through ninja was half a list's time: a page of
    100 roles took 19 ms in-process before, 8 ms after. With `SREDA_API_CHECK_ROWS` (on with DEBUG and in the tests) every row is
    still checked against `schema` (`check_rows`), so the two cannot drift apart unnoticed."""

    def decorator(func):
        paginated = paginate(Pagination)(func)

        @wraps(paginated)
        def view(request, **kwargs):
            result = paginated(request, **kwargs)
            if not isinstance(result, dict):
                return result
            check_rows(schema, result["items"])
            return json_answer(result)

        return view

    return decorator


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


def person_row(row: dict, prefix: str = "person") -> dict | None:
    """A PersonRef from a `.values()` row with `{prefix}_id`, `{prefix}__surname`, `{prefix}__name` and
    `{prefix}__patronymic`; None when the row has no such person."""
    if row[f"{prefix}_id"] is None:
        return None
    surname, name, patronymic = row[f"{prefix}__surname"], row[f"{prefix}__name"], row[f"{prefix}__patronymic"]
    return {"id": row[f"{prefix}_id"], "surname": surname, "name": name, "patronymic": patronymic,
            "full_name": full_name(surname, name, patronymic)}


def person_columns(prefix: str = "person") -> tuple[str, ...]:
    """The `.values()` columns `person_row` reads."""
    return f"{prefix}_id", f"{prefix}__surname", f"{prefix}__name", f"{prefix}__patronymic"


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
