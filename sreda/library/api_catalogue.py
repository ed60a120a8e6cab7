"""API of the library's catalogue part (mounted at /api/v1/ by api/ninja_api.py): search, items, favourites,
course orders (R16–R17). The same services as the pages; teacher-facing reads re-check R15 on every call."""
from __future__ import annotations

from datetime import datetime

from django.core.paginator import Paginator
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from sreda.api.auth import api_actor
from sreda.api.models import SCOPE_LIBRARY_READ, SCOPE_LIBRARY_WRITE
from sreda.api.schemas import ERRORS, ErrorOut, PageOf, Pagination, example
from sreda.core.permissions import Action, can
from sreda.library.access import NO_ACCESS, library_access_for
from sreda.library.api_access import ReasonOut
from sreda.library.catalogue import (
    CatalogueFilters,
    ItemData,
    access_item,
    catalogue_search,
    item_save,
)
from sreda.library.models import Course
from sreda.library.orders import favourite_set, favourites_of, order_create, orders_for
from sreda.orgs.selectors import access_organisation

router = Router(tags=["Библиотека"])
PAGE_SIZE = 20
NO_PERSON = "Нужен токен, выпущенный учителем для своей роли (python -m sreda token create --user …)."



class RefusedOut(ErrorOut):
    reasons: list[ReasonOut] = Field(default_factory=list, description=(
        "Каждое невыполненное условие R15 по порядку; пусто, когда отказ не из-за R15 (роль без библиотеки)."))


class ItemBrief(Schema):
    id: int
    title: str = Field(..., examples=["Сложение дробей с одинаковыми знаменателями"])
    course: str = Field(..., examples=["Математика. 5 класс"])
    grade: int = Field(..., examples=[5])
    subject: str = Field(..., examples=["Математика"])
    content_types: list[str] = Field(..., description="Коды R17: classwork, homework, trainer, presentation, "
                                                      "summary, olympiad, ovz, foreign.", examples=[["classwork"]])
    url: str = Field(..., description="Страница урока на сайте.", examples=["/library/catalogue/17/"])


class SearchOut(Schema):
    model_config = example({
        "count": 1, "page": 1,
        "results": [{"id": 17, "title": "Сложение дробей с одинаковыми знаменателями",
                     "course": "Математика. 5 класс", "grade": 5, "subject": "Математика",
                     "content_types": ["classwork"], "url": "/library/catalogue/17/"}],
    })

    count: int = Field(..., description="Сколько уроков подходит.")
    page: int = Field(..., description="Номер страницы (по 20 уроков).")
    results: list[ItemBrief]


class ItemOut(ItemBrief):
    course_id: int
    position: int = Field(..., description="Урок № в курсе.")
    description: str
    body: str = Field(..., description="Содержание: HTML после санитайзера (только разрешённые теги).")
    file_url: str | None = Field(None, description="Ссылка на файл урока, если он есть.")


class ItemIn(Schema):
    model_config = example({
        "course_id": 3, "position": 12, "title": "Сложение дробей с одинаковыми знаменателями",
        "content_types": ["classwork", "homework"], "description": "Урок 12 курса «Математика. 5 класс».",
        "body": "<p>Правило сложения дробей…</p>", "external_id": "cok-math5-12",
    })

    course_id: int
    position: int = Field(..., ge=1, le=999)
    title: str
    content_types: list[str] = Field(default_factory=list)
    description: str = ""
    body: str = ""
    external_id: str | None = None


class FavouriteIn(Schema):
    model_config = example({
        "item_id": 17,
    })

    item_id: int


class FavouriteOut(Schema):
    item: ItemBrief
    created_at: datetime


class OrderIn(Schema):
    model_config = example({
        "course_id": 3, "comment": "Нужен для 5-х классов со второй четверти",
    })

    course_id: int
    comment: str = ""


class OrderOut(Schema):
    id: int
    course_id: int
    course: str
    status: str = Field(..., description="requested, approved, rejected, cancelled.")
    status_label: str = Field(..., examples=["Заявка отправлена"])
    comment: str
    created_at: datetime
    decided_at: datetime | None


def _brief(item) -> dict:
    return {"id": item.pk, "title": item.title, "course": item.course.title, "grade": item.grade,
            "subject": item.subject.name, "content_types": item.content_type_codes,
            "url": reverse("library:item", args=[item.pk])}


def _full(item) -> dict:
    return {**_brief(item), "course_id": item.course_id, "position": item.position, "description": item.description,
            "body": item.body, "file_url": reverse("library:item_file", args=[item.pk]) if item.file_path else None}


def _order(order) -> dict:
    return {"id": order.pk, "course_id": order.course_id, "course": order.course.title, "status": order.status,
            "status_label": order.get_status_display(), "comment": order.comment, "created_at": order.created_at,
            "decided_at": order.decided_at}


def _refusal(actor, course=None):
    """None when the token's role may use the library (R15), else a 403 answer with every reason."""
    if can(actor, Action.MANAGE_CATALOGUE):
        return None
    result = library_access_for(actor.person, actor, course=course)
    if result.allowed:
        return None
    return Status(403, {"detail": NO_ACCESS, "reasons": [r.as_dict() for r in result.reasons]})


class SearchQuery(Schema):
    q: str = Field("", description="Слова названия (поиск с учётом словоформ).")
    grade: int | None = Field(None, ge=1, le=11)
    subject_id: int | None = None
    lesson: int | None = Field(None, ge=1, description="Урок № в курсе.")
    content_type: list[str] = Field(default_factory=list, description="Коды типов материалов (любой из).")
    page: int = Field(1, ge=1)


@router.get("/library/catalogue", response={200: SearchOut, 403: RefusedOut, **{k: v for k, v in ERRORS.items() if k != 403}},
            summary="Поиск по каталогу")
def catalogue_search_api(request: HttpRequest, params: Query[SearchQuery]):
    """R17: поиск по названию и фильтры класс, предмет, урок, типы материалов. Нужна область `library:read`
    и доступ к библиотеке (R15) у человека токена; отказ — 403 со списком причин."""
    actor = api_actor(request, SCOPE_LIBRARY_READ)
    refusal = _refusal(actor)
    if refusal is not None:
        return refusal
    filters = CatalogueFilters.from_query({"q": params.q, "grade": params.grade, "subject_id": params.subject_id,
                                           "lesson": params.lesson, "content_type": params.content_type})
    paginator = Paginator(catalogue_search(filters=filters), PAGE_SIZE)
    page = paginator.get_page(params.page)
    return {"count": paginator.count, "page": page.number, "results": [_brief(i) for i in page.object_list]}


@router.get("/library/items/{int:item_id}", response={200: ItemOut, 403: RefusedOut, 404: ErrorOut},
            summary="Урок каталога")
def item_detail(request: HttpRequest, item_id: int):
    """Урок целиком (HTML после санитайзера). R15 проверяется с условием 6 для курса урока."""
    actor = api_actor(request, SCOPE_LIBRARY_READ)
    item = access_item(item_id=item_id, supported_only=not can(actor, Action.MANAGE_CATALOGUE))
    refusal = _refusal(actor, course=item.course)
    return refusal if refusal is not None else _full(item)


@router.post("/library/items", response={201: ItemOut, **ERRORS}, summary="Добавить урок в каталог")
def item_create(request: HttpRequest, payload: ItemIn):
    """Только оператор платформы (MANAGE_CATALOGUE), область `library:write`."""
    actor = api_actor(request, SCOPE_LIBRARY_WRITE)
    course = get_object_or_404(Course.objects.select_related("subject"), pk=payload.course_id)
    item = item_save(actor=actor, data=ItemData(course=course, position=payload.position, title=payload.title,
                                                content_types=payload.content_types, description=payload.description,
                                                body=payload.body, external_id=payload.external_id))
    return Status(201, _full(item))


def _person(actor):
    from django.core.exceptions import PermissionDenied

    if actor.person is None:
        raise PermissionDenied(NO_PERSON)
    return actor.person


@router.get("/library/favourites", response={200: list[FavouriteOut], **ERRORS}, summary="Избранное")
@paginate(Pagination)
def favourites_list(request: HttpRequest):
    """Избранные уроки человека токена, новые первыми. Область `library:read`."""
    person = _person(api_actor(request, SCOPE_LIBRARY_READ))
    return PageOf(favourites_of(person=person), lambda f: {"item": _brief(f.item), "created_at": f.created_at})


@router.post("/library/favourites", response={201: ItemBrief, 403: RefusedOut, 401: ErrorOut, 404: ErrorOut,
                                               422: ErrorOut}, summary="Добавить в избранное")
def favourites_add(request: HttpRequest, payload: FavouriteIn):
    """Повтор ничего не меняет. Нужен доступ к библиотеке (R15) для курса урока; область `library:write`."""
    actor = api_actor(request, SCOPE_LIBRARY_WRITE)
    person = _person(actor)
    item = access_item(item_id=payload.item_id, supported_only=True)
    refusal = _refusal(actor, course=item.course)
    if refusal is not None:
        return refusal
    favourite_set(person=person, item=item, on=True)
    return Status(201, _brief(item))


@router.delete("/library/favourites/{int:item_id}", response={204: None, **ERRORS}, summary="Убрать из избранного")
def favourites_remove(request: HttpRequest, item_id: int):
    person = _person(api_actor(request, SCOPE_LIBRARY_WRITE))
    favourite_set(person=person, item=access_item(item_id=item_id), on=False)
    return Status(204, None)


@router.get("/orgs/{int:org_id}/library/orders", response={200: list[OrderOut], **ERRORS}, summary="Заказы курсов школы")
@paginate(Pagination)
def orders_list(request: HttpRequest, org_id: int):
    """R17 «Заказ»: заказы школы со статусами. Роли руководителя, администратора, учителя школы; `library:read`."""
    actor = api_actor(request, SCOPE_LIBRARY_READ)
    organisation = access_organisation(actor=actor, organisation_id=org_id, action=Action.ORDER_COURSES)
    return PageOf(orders_for(actor=actor, organisation=organisation), _order)


@router.post("/orgs/{int:org_id}/library/orders", response={201: OrderOut, **ERRORS}, summary="Заказать курс для школы")
def orders_create(request: HttpRequest, org_id: int, payload: OrderIn):
    """Один открытый заказ курса на школу: повтор — 422 с объяснением. Область `library:write`."""
    actor = api_actor(request, SCOPE_LIBRARY_WRITE)
    organisation = access_organisation(actor=actor, organisation_id=org_id, action=Action.ORDER_COURSES)
    course = get_object_or_404(Course, pk=payload.course_id, subject__supported=True)
    return Status(201, _order(order_create(actor=actor, organisation=organisation, course=course,
                                           comment=payload.comment)))

