"""API of the stats app: dashboard — weekly trend points (R32) and public dashboard links (R35). The same
selectors and services as the pages."""
from __future__ import annotations

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.urls import reverse
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from sreda.api.auth import api_actor
from sreda.api.models import SCOPE_READ, SCOPE_STATS_WRITE
from sreda.api.schemas import ERRORS, Pagination, Ref
from sreda.core.permissions import Action, require
from sreda.orgs.models import Municipality, Organisation
from sreda.stats import dashboards, indicators, public_links

router = Router(tags=["Статистика"])


class TrendFilters(Schema):
    organisation_id: int | None = Field(None, description="Тренд одной школы.", examples=[42])
    municipality_id: int | None = Field(None, description="Тренд всех школ муниципалитета вместе. "
                                                          "Без обоих параметров — все школы в области роли токена.",
                                        examples=[12])
    end: date | None = Field(None, description="Последняя дата отчёта (ГГГГ-ММ-ДД); по умолчанию сегодня.",
                             examples=["2025-11-20"])
    weeks: int = Field(dashboards.DEFAULT_WEEKS, ge=1, le=dashboards.MAX_WEEKS,
                       description=f"Сколько недель (дат отчёта через 7 дней), 1–{dashboards.MAX_WEEKS}.",
                       examples=[12])


class TrendPointOut(Schema):
    on: date = Field(..., description="Дата отчёта: активность за 7 дней до неё.", examples=["2025-11-20"])
    teachers: float | None = Field(..., description="Доля активных педагогов от K, 0–1; null — нет данных. Цель 0,75.",
                                   examples=[0.7812])
    students: float | None = Field(..., description="Доля активных обучающихся от L, 0–1; null — нет данных "
                                                     "(и для дошкольных). Цель 0,30.", examples=[0.41])
    parents: float | None = Field(..., description="Доля активных родителей от M, 0–1; null — нет данных. Цель 0,30.",
                                  examples=[0.28])


class TrendOut(Schema):
    scope: str = Field(..., description="Чей тренд: «organisation», «municipality» или «scope» (вся область роли).",
                       examples=["municipality"])
    name: str = Field(..., description="Название школы, муниципалитета или области роли.",
                      examples=["Василеостровский район"])
    targets: dict[str, float] = Field(..., description="Цели недели по группам (R32).",
                                      examples=[{"teachers": 0.75, "students": 0.3, "parents": 0.3}])
    points: list[TrendPointOut] = Field(..., description="Недели по возрастанию даты.")


@router.get("/stats/trend", response={200: TrendOut, **ERRORS}, summary="Тренд показателей по неделям")
def trend(request: HttpRequest, filters: Query[TrendFilters]):
    """Доли активных педагогов, обучающихся и родителей по неделям (R32) — те же числа, что на графиках
    страниц показателей. Для школы — `organisation_id`, для муниципалитета — `municipality_id` (не оба).
    Школа или муниципалитет вне области роли — 404."""
    actor = api_actor(request, SCOPE_READ)
    require(actor, Action.VIEW_STATS)
    if filters.organisation_id and filters.municipality_id:
        raise ValidationError("Укажите либо organisation_id, либо municipality_id — не оба.")
    end = filters.end or dashboards.today()
    if filters.organisation_id:
        organisation = dashboards.access_school(actor=actor, organisation_id=filters.organisation_id)
        qs, scope, name = Organisation.objects.filter(pk=organisation.pk), "organisation", organisation.short_name
    elif filters.municipality_id:
        place = dashboards.access_municipality(actor=actor, municipality_id=filters.municipality_id)
        qs, scope, name = Organisation.objects.filter(municipality=place), "municipality", place.name
    else:
        qs, scope, name = Organisation.objects.all(), "scope", actor.label
    points = indicators.weekly_trend(actor=actor, organisations=qs, end=end, weeks=filters.weeks)
    return {"scope": scope, "name": name, "targets": dict(indicators.TARGETS), "points": points}


class PublicLinkIn(Schema):
    municipality_id: int = Field(..., description="Муниципалитет, показатели которого откроет ссылка.", examples=[12])
    label: str = Field("", max_length=public_links.LABEL_MAX, description="Название: кому и зачем отправлена.",
                       examples=["Для комитета по образованию"])


class PublicLinkOut(Schema):
    id: int = Field(..., description="Идентификатор ссылки.", examples=[5])
    municipality: Ref = Field(..., description="Муниципалитет.")
    label: str = Field(..., description="Название ссылки.", examples=["Для комитета по образованию"])
    created_at: datetime = Field(..., description="Когда создана.")
    revoked_at: datetime | None = Field(None, description="Когда отозвана; null — действует.")
    last_opened_at: datetime | None = Field(None, description="Когда открывалась последний раз (с точностью до минуты).")


class PublicLinkCreatedOut(PublicLinkOut):
    url: str = Field(..., description="Адрес публичной страницы. Показывается один раз: хранится только его хеш.",
                     examples=["https://sreda.example.ru/stats/public/3q2-1Yk…/"])
    token: str = Field(..., description="Секрет ссылки (часть адреса). Показывается один раз.",
                       examples=["3q2-1YkVd0tJm2xw7z0q5r3bE2m9xXcL1t0aF4b7c8Q"])


@router.get("/stats/public-links", response={200: list[PublicLinkOut], **ERRORS}, summary="Публичные ссылки")
@paginate(Pagination)
def public_link_list(request: HttpRequest):
    """Публичные ссылки на показатели муниципалитетов в области роли токена (R35), новые первыми,
    действующие и отозванные. Секретов в ответе нет."""
    actor = api_actor(request, SCOPE_READ)
    require(actor, Action.MANAGE_PUBLIC_LINKS)
    return public_links.public_link_list(actor=actor)


@router.post("/stats/public-links", response={201: PublicLinkCreatedOut, **ERRORS}, summary="Создать публичную ссылку")
def public_link_create(request: HttpRequest, payload: PublicLinkIn):
    """Создаёт секретную ссылку на показатели муниципалитета только для просмотра, без персональных данных
    (R35). Адрес возвращается один раз. Нужна область `stats:write` и роль методиста района или оператора
    региона; чужой муниципалитет — 404."""
    actor = api_actor(request, SCOPE_STATS_WRITE)
    require(actor, Action.MANAGE_PUBLIC_LINKS)
    place = Municipality.objects.select_related("region").filter(pk=payload.municipality_id).first()
    if place is None or not public_links.municipality_in_scope(actor, place):
        raise Http404(dashboards.NOT_FOUND)
    link, secret = public_links.public_link_create(actor=actor, municipality=place, label=payload.label)
    link.url = request.build_absolute_uri(reverse("stats:public", args=[secret]))
    link.token = secret
    return Status(201, link)


@router.delete("/stats/public-links/{link_id}", response={200: PublicLinkOut, **ERRORS}, summary="Отозвать публичную ссылку")
def public_link_revoke(request: HttpRequest, link_id: int):
    """Отзывает ссылку: страница по ней сразу отвечает «не найдена». Повторный отзыв — 422 «Ссылка уже
    отозвана.», ничего не меняется. Нужна область `stats:write`."""
    actor = api_actor(request, SCOPE_STATS_WRITE)
    require(actor, Action.MANAGE_PUBLIC_LINKS)
    link = public_links.access_link(actor=actor, link_id=link_id)
    return public_links.public_link_revoke(actor=actor, link=link)
