"""API of the exchange journal (issue #10, item 3), mounted at /api/v1/: a school's runs and one run with its
errors and warnings, and the health of the schools in the token's scope. Scope `read`; the token's role must see
exchange health (the school's director or administrator, the district's methodologist, the regional operator)."""
from datetime import datetime
from typing import Literal

from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from sreda.api.auth import api_actor
from sreda.api.models import SCOPE_READ
from sreda.api.schemas import ERRORS, Pagination
from sreda.core.permissions import Action
from sreda.exchange.models import RunKind, RunStatus
from sreda.exchange.selectors import access_run, health_rows, health_schools, runs_for
from sreda.orgs.selectors import access_organisation

router = Router(tags=["Журнал обмена"])
KINDS = ", ".join(f"{value} — {label}" for value, label in RunKind.choices)
STATUSES = ", ".join(f"{value} — {label}" for value, label in RunStatus.choices)


KindValue = Literal[tuple(RunKind.values)]
StatusValue = Literal[tuple(RunStatus.values)]


class ExchangeRunFilters(Schema):
    kind: KindValue | None = Field(None, description=f"Только этот вид: {KINDS}.")
    status: StatusValue | None = Field(None, description=f"Только этот итог: {STATUSES}.")


class ExchangeRunOut(Schema):
    id: int = Field(..., examples=[501])
    kind: str = Field(..., description=f"Вид: {KINDS}.", examples=["roster"])
    kind_label: str = Field(..., examples=["Импорт контингента"])
    source: str = Field(..., description="Откуда запущен: page, cli, api, scim, schedule, roster, link, manual.")
    status: str = Field(..., description=f"Итог: {STATUSES}.", examples=["errors"])
    status_label: str = Field(..., examples=["с ошибками"])
    title: str = Field("", description="Что: имя файла, номер задачи.", examples=["kontingent.zip"])
    message: str = Field("", description="Итог по-русски.")
    started_at: datetime
    finished_at: datetime
    duration_seconds: float = Field(..., description="Длительность, секунд.")
    counts: dict[str, int] = Field(..., description="Счётчики запуска: строки, добавлено, изменено, завершено, "
                                                    "пропущено; для чатов — чаты и участники; для SCIM — операции.")
    error_count: int = Field(..., description="Сколько записей отклонено (ошибки).")
    warning_count: int = Field(..., description="Сколько необязательных значений не загружено (предупреждения).")

    @staticmethod
    def resolve_kind_label(obj) -> str:
        return obj.get_kind_display()

    @staticmethod
    def resolve_status_label(obj) -> str:
        return obj.get_status_display()

    @staticmethod
    def resolve_counts(obj) -> dict:
        return {key: value for key, value in (obj.counts or {}).items() if isinstance(value, int)}


class ExchangeProblemOut(Schema):
    file: str | None = Field(None, description="Файл.", examples=["users.csv"])
    line: int | None = Field(None, description="Строка файла (заголовок — строка 1).", examples=[3])
    column: str | None = Field(None, description="Столбец.", examples=["email"])
    what: str | None = Field(None, description="Что не удалось, если это не строка файла (чат, операция).")
    reason: str = Field(..., description="Причина по-русски.")
    hint: str | None = Field(None, description="Что сделать.")


class ExchangeRunDetailOut(ExchangeRunOut):
    errors: list[ExchangeProblemOut] = Field(..., description="Отклонённые записи (не больше 1000; всего — error_count).")
    warnings: list[ExchangeProblemOut] = Field(..., description="Не загруженные необязательные значения (не больше 1000).")


class ExchangeKindOut(Schema):
    kind: str = Field(..., examples=["chat_sync"])
    kind_label: str = Field(..., examples=["Синхронизация чатов"])
    status: str | None = Field(None, description="Итог последнего запуска этого вида; null — не было.")
    finished_at: datetime | None = None
    run_id: int | None = None


class ExchangeHealthOut(Schema):
    organisation_id: int
    name: str = Field(..., examples=["ГБОУ СОШ № 1"])
    inn: str = Field(..., examples=["7801234567"])
    failed: bool = Field(..., description="«Ошибка»: последний запуск какого-либо вида не выполнен или с ошибками.")
    silent: bool = Field(..., description="«Нет обмена более суток»: за 24 часа ни одного запуска (или не было).")
    last_at: datetime | None = Field(None, description="Когда закончился последний запуск любого вида.")
    last_success_at: datetime | None = Field(None, description="Последний успешный запуск любого вида.")
    kinds: list[ExchangeKindOut]


class ExchangeHealthFilters(Schema):
    problems_only: bool = Field(False, description="Только школы с ошибкой или без обмена более суток.")
    q: str = Field("", max_length=100, description="Часть названия школы или ИНН.")


@router.get("/orgs/{int:org_id}/exchange/runs", response={200: list[ExchangeRunOut], **ERRORS},
            summary="Журнал обмена школы")
@paginate(Pagination)
def exchange_runs(request: HttpRequest, org_id: int, filters: Query[ExchangeRunFilters]):
    """Issue #10: запуски импорта и синхронизаций школы, новые первыми: начало, окончание, счётчики, число ошибок
    и предупреждений. Область `read`."""
    actor = api_actor(request, SCOPE_READ)
    organisation = access_organisation(actor=actor, organisation_id=org_id, action=Action.VIEW_EXCHANGE_HEALTH)
    return runs_for(actor=actor, organisation=organisation, kind=filters.kind or "", status=filters.status or "")


@router.get("/orgs/{int:org_id}/exchange/runs/{int:run_id}", response={200: ExchangeRunDetailOut, **ERRORS},
            summary="Запуск обмена: ошибки и предупреждения")
def exchange_run_detail(request: HttpRequest, org_id: int, run_id: int):
    """Issue #10: один запуск со списком отклонённых записей (ошибки) и не загруженных необязательных значений
    (предупреждения). Область `read`."""
    actor = api_actor(request, SCOPE_READ)
    organisation = access_organisation(actor=actor, organisation_id=org_id, action=Action.VIEW_EXCHANGE_HEALTH)
    run = access_run(actor=actor, run_id=run_id, organisation=organisation)
    if run is None:
        raise Http404("Запуск обмена не найден.")
    return run


@router.get("/exchange/health", response={200: list[ExchangeHealthOut], **ERRORS}, summary="Состояние обмена школ")
@paginate(Pagination)
def exchange_health(request: HttpRequest, filters: Query[ExchangeHealthFilters]):
    """Issue #10: школы в области токена (школа или муниципалитет) — последний запуск каждого вида, последний
    успешный, флаги «ошибка» и «нет обмена более суток»; школы с проблемами первыми. Область `read`."""
    actor = api_actor(request, SCOPE_READ)
    return HealthPage(health_schools(actor=actor, problems_only=filters.problems_only, query=filters.q))


class HealthPage:
    """The schools' queryset for the paginator; a page slice becomes health rows with one more query."""

    def __init__(self, schools):
        self.schools = schools

    def __getitem__(self, item):
        return [_health_dict(row) for row in health_rows(self.schools[item])]

    def count(self) -> int:
        return self.schools.count()

    def __len__(self) -> int:
        return self.count()


def _health_dict(row) -> dict:
    org = row.organisation
    return {"organisation_id": org.pk, "name": org.short_name, "inn": org.inn, "failed": row.failed,
            "silent": row.silent, "last_at": row.last_at, "last_success_at": row.last_success_at,
            "kinds": [{"kind": c.kind, "kind_label": c.label, "status": c.status, "finished_at": c.finished_at,
                       "run_id": c.run_id} for c in row.cells]}
