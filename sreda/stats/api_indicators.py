"""API of the stats app: the indicators of R32–R34 and the A–Y table of R31 — the same selectors as the
page and the CLI. Read with the token's `read` (or `stats:read`) scope; Action.VIEW_STATS in its scope."""
import datetime as dt

from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from sreda.api.auth import api_actor
from sreda.api.models import SCOPE_READ, SCOPE_STATS_READ
from sreda.api.schemas import ERRORS, Pagination
from sreda.orgs.models import Municipality, OrganisationType
from sreda.stats import exports, rollups
from sreda.stats.indicators import (
    monthly_criterion,
    monthly_shares,
    organisation_indicators,
    roadmap_status,
    scoped_organisations,
)
from sreda.stats.table import LETTERS, SHARE_KEYS, SORT_KEYS, TITLE_OF, latest_report_date, statistics_table

router = Router(tags=["Статистика"])
MAX_LIMIT = 1000


def _actor(request: HttpRequest):
    scopes = getattr(request.auth, "scopes", [])
    return api_actor(request, SCOPE_STATS_READ if SCOPE_STATS_READ in scopes else SCOPE_READ)


class FigureOut(Schema):
    total: int | None = Field(..., description="Всего (K, L или M); null — неизвестно или не считается.", examples=[40])
    active: int | None = Field(..., description="Активны за 7 дней до даты (X, U или V).", examples=[30])
    share: float | None = Field(..., description="Доля активных 0–1, без округления; null при всего 0 или неизвестно.",
                                examples=[0.75])
    meets: bool | None = Field(..., description="Цель R32 выполнена (75 % / 30 % / 30 %; ровно цель — выполнена).",
                               examples=[True])


class OrgIndicatorsOut(Schema):
    org_id: int = Field(..., description="Идентификатор организации в Среде.", examples=[42])
    inn: str = Field(..., description="ИНН.", examples=["7801234567"])
    short_name: str = Field(..., description="Краткое наименование.", examples=["ГБОУ СОШ № 5"])
    municipality: str = Field(..., description="Муниципалитет.", examples=["Адмиралтейский район"])
    source: str = Field(..., description="Откуда цифры: import — выгрузка платформы на эту дату, events — события Среды и ОО-1.",
                        examples=["import"])
    teachers: FigureOut = Field(..., description="Учителя (включая «Сотрудник»): K, X.")
    students: FigureOut = Field(..., description="Обучающиеся: L, U. У дошкольных организаций не считаются (total null).")
    parents: FigureOut = Field(..., description="Родители: M (= L), V.")
    meets_all: bool | None = Field(..., description="Все применимые цели выполнены; null — что-то неизвестно.")
    self_diagnosis_8_5: int | None = Field(..., description="Критерий самодиагностики 8.5 (R34), 0–3.", examples=[2])


class MunicipalityShareOut(Schema):
    name: str = Field(..., description="Муниципалитет.", examples=["Адмиралтейский район"])
    organisations: int = Field(..., description="Организаций.", examples=[40])
    meeting_all: int = Field(..., description="Из них выполняют все цели недели.", examples=[12])
    share: float | None = Field(..., description="Доля выполняющих, 0–1, без округления.", examples=[0.3])


class IndicatorsOut(Schema):
    date: dt.date = Field(..., description="Дата отчёта.", examples=["2025-11-20"])
    organisations: list[OrgIndicatorsOut] = Field(..., description="Показатели организаций в области роли токена.")
    municipalities: list[MunicipalityShareOut] = Field(..., description="Доля организаций района, выполняющих все цели (R32).")


class ColumnOut(Schema):
    letter: str = Field(..., description="Буква столбца R31.", examples=["K"])
    title: str = Field(..., description="Название столбца, как у платформы.", examples=["Учителей в школе всего"])


class TableRowOut(Schema):
    org_id: int = Field(..., description="Идентификатор организации в Среде.", examples=[42])
    source: str = Field(..., description="import — выгрузка платформы; events — посчитано Средой.", examples=["events"])
    values: dict[str, str | int | bool | dt.date | None] = Field(
        ..., description="Значения столбцов A–Y по буквам; null — пусто (например, P/R/T без данных ЭЖД).",
        examples=[{"A": "2025-11-20", "B": "ГБОУ СОШ № 5", "K": 40, "X": 30}])
    shares: dict[str, float | None] = Field(..., description="Доли X/K, U/L, V/M (teachers, students, parents).",
                                            examples=[{"teachers": 0.75, "students": 0.3, "parents": None}])
    below_target: bool = Field(..., description="Хотя бы одна цель недели известно не выполнена.")


class TableOut(Schema):
    date: dt.date = Field(..., description="Дата отчёта.", examples=["2025-11-20"])
    columns: list[ColumnOut] = Field(..., description="Столбцы A–Y.")
    count: int = Field(..., description="Строк всего (после фильтров).", examples=[120])
    items: list[TableRowOut] = Field(..., description="Строки страницы.")


def _municipality_filter(actor, municipality_id: int | None) -> int | None:
    if municipality_id is None:
        return None
    orgs = scoped_organisations(actor=actor)
    if not Municipality.objects.filter(pk=municipality_id, organisations__in=orgs.values("pk")).exists():
        raise Http404
    return municipality_id


@router.get("/stats/indicators", response={200: IndicatorsOut, **ERRORS}, summary="Показатели недели на дату")
def indicators(request: HttpRequest,
               date: dt.date | None = Query(None, description="Дата отчёта (ГГГГ-ММ-ДД); по умолчанию — последняя загруженная выгрузка, иначе сегодня."),
               municipality_id: int | None = Query(None, description="Только организации этого муниципалитета.")):
    """Показатели R32–R34 каждой организации в области роли токена: доли активных учителей, обучающихся и
    родителей, выполнение целей, критерий 8.5; и доля организаций района, выполняющих все цели."""
    actor = _actor(request)
    on = date or latest_report_date(actor=actor)
    municipality_id = _municipality_filter(actor, municipality_id)
    organisations = scoped_organisations(actor=actor)
    if municipality_id:
        organisations = organisations.filter(municipality_id=municipality_id)
    rows = organisation_indicators(actor=actor, on=on, organisations=organisations)
    return exports.indicators_json(on=on, rows=rows)


@router.get("/stats/table", response={200: TableOut, **ERRORS}, summary="Таблица A–Y на дату")
def table(request: HttpRequest,
          date: dt.date | None = Query(None, description="Дата отчёта; по умолчанию — последняя загруженная выгрузка, иначе сегодня."),
          municipality_id: int | None = Query(None, description="Только организации этого муниципалитета."),
          kind: OrganisationType | None = Query(None, description="Только организации этого типа."),
          below_target: bool = Query(False, description="Только ниже цели хотя бы по одному показателю."),
          sort: str | None = Query(None, description="Сортировка: буква столбца (K) или share_teachers / share_students / share_parents; «-» — по убыванию.",
                                   examples=["-X"]),
          limit: int = Query(100, ge=1, le=MAX_LIMIT, description="Строк на странице."),
          offset: int = Query(0, ge=0, description="Сколько строк пропустить.")):
    """Строки A–Y (R31) организаций в области роли токена: из выгрузки платформы на эту дату, а где её нет —
    посчитанные Средой (источник в `source`)."""
    actor = _actor(request)
    on = date or latest_report_date(actor=actor)
    if sort and sort.lstrip("-") not in SORT_KEYS:
        sort = None
    rows = statistics_table(actor=actor, on=on, municipality_id=_municipality_filter(actor, municipality_id),
                            kind=kind.value if kind else None, below_target=below_target, sort=sort)
    return {
        "date": on,
        "columns": [{"letter": letter, "title": TITLE_OF[letter]} for letter in LETTERS],
        "count": len(rows),
        "items": [
            {"org_id": r.organisation.pk, "source": r.source, "values": r.values,
             "shares": {g: r.share(g).share for g in SHARE_KEYS}, "below_target": r.indicators.below_target}
            for r in rows[offset:offset + limit]
        ],
    }


class OrgMonthlyOut(Schema):
    org_id: int = Field(..., description="Идентификатор организации в Среде.", examples=[42])
    inn: str = Field(..., description="ИНН.", examples=["7801234567"])
    short_name: str = Field(..., description="Краткое наименование.", examples=["ГБОУ СОШ № 5"])
    municipality: str = Field(..., description="Муниципалитет.", examples=["Адмиралтейский район"])
    teachers: FigureOut = Field(..., description="Учителя: всего по ОО-1 и активные в месяце; цель 75 %.")
    students: FigureOut = Field(..., description="Обучающиеся; цель 30 %; у дошкольных не считаются.")
    parents: FigureOut = Field(..., description="Родители (= обучающиеся по ОО-1); цель 30 %.")
    uses_service: bool | None = Field(..., description="Организация «использует сервис» в месяце (Р-240); null — нет данных.")


class MonthlyShareOut(Schema):
    name: str = Field(..., description="Муниципалитет или «Всего».", examples=["Адмиралтейский район"])
    organisations: int = Field(..., description="Организаций.", examples=[40])
    known: int = Field(..., description="Из них с известными данными (есть ОО-1).", examples=[38])
    using: int = Field(..., description="Из них используют сервис.", examples=[19])
    share: float | None = Field(..., description="Доля использующих среди известных, 0–1, без округления.", examples=[0.5])


class MonthlyOut(Schema):
    month: dt.date = Field(..., description="Первый день месяца.", examples=["2025-10-01"])
    organisations: list[OrgMonthlyOut] = Field(..., description="Критерий месяца по организациям.")
    municipalities: list[MonthlyShareOut] = Field(..., description="Доля использующих по муниципалитетам.")
    total: MonthlyShareOut = Field(..., description="Доля использующих по всем организациям в области роли.")


class RoadmapStageOut(Schema):
    number: int = Field(..., description="Номер этапа.", examples=[2])
    title: str = Field(..., description="Этап.", examples=["Не менее 75 % сотрудников еженедельно"])
    due_date: dt.date = Field(..., description="Срок.", examples=["2025-12-30"])
    group: str = Field(..., description="Кого касается: teachers, students, parents или пусто.", examples=["teachers"])
    target_share: float | None = Field(..., description="Цель, доля 0–1; null — цель не числом (см. note).", examples=[0.75])
    note: str = Field(..., description="Как считается.")
    current: float | None = Field(..., description="Текущая доля группы по организациям региона на дату.", examples=[0.71])
    meets: bool | None = Field(..., description="Цель достигнута; null — нельзя посчитать.")
    overdue: bool = Field(..., description="Срок прошёл, а цель не достигнута.")


@router.get("/stats/monthly", response={200: MonthlyOut, **ERRORS}, summary="Критерий месяца (Р-240)")
def monthly(request: HttpRequest,
            month: dt.date = Query(..., description="Любой день месяца, например 2025-10-01."),
            municipality_id: int | None = Query(None, description="Только организации этого муниципалитета.")):
    """R32: организация «использует сервис» в месяце, если не менее 75 % учителей и 30 % обучающихся
    (кроме дошкольных) и родителей были активны в этом месяце; доля таких организаций района и региона."""
    actor = _actor(request)
    organisations = scoped_organisations(actor=actor)
    municipality_id = _municipality_filter(actor, municipality_id)
    if municipality_id:
        organisations = organisations.filter(municipality_id=municipality_id)
    rows = monthly_criterion(actor=actor, month=month, organisations=organisations)
    per_municipality, total = monthly_shares(rows)

    def share(s):
        return {"name": s.name, "organisations": s.organisations, "known": s.known, "using": s.using, "share": s.share}

    return {
        "month": rollups.month_start(month),
        "organisations": [
            {"org_id": r.organisation.pk, "inn": r.organisation.inn, "short_name": r.organisation.short_name,
             "municipality": r.organisation.municipality.name, "uses_service": r.uses_service,
             **{g: exports.figure_json(getattr(r, g)) for g in SHARE_KEYS}}
            for r in rows
        ],
        "municipalities": [share(s) for s in per_municipality],
        "total": share(total),
    }


@router.get("/stats/roadmap", response={200: list[RoadmapStageOut], **ERRORS}, summary="Дорожная карта региона")
@paginate(Pagination)
def roadmap(request: HttpRequest,
            region_id: int | None = Query(None, description="Регион; по умолчанию — регион роли токена."),
            date: dt.date | None = Query(None, description="На какую дату считать текущие доли; по умолчанию — последняя выгрузка.")):
    """Этапы дорожной карты региона (R33) со сроками и целями, текущая доля по организациям региона в
    области роли и достигнута ли цель. Постранично, по сроку."""
    actor = _actor(request)
    orgs = scoped_organisations(actor=actor)
    if region_id is None:
        first = orgs.order_by("pk").first()
        region_id = actor.region_id or (first.municipality.region_id if first else None)
    if region_id is None or not orgs.filter(municipality__region_id=region_id).exists():
        raise Http404
    on = date or latest_report_date(actor=actor)
    return [
        {"number": s.stage.number, "title": s.stage.title, "due_date": s.stage.due_date, "group": s.stage.group,
         "target_share": float(s.stage.target_share) if s.stage.target_share is not None else None,
         "note": s.stage.note, "current": s.current, "meets": s.meets, "overdue": s.overdue}
        for s in roadmap_status(actor=actor, region_id=region_id, on=on)
    ]
