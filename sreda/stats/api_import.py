"""API of the stats app: import of a platform's A–Y export (R35) — the same service as the page and the CLI."""
from datetime import date, datetime

from django.http import HttpRequest
from ninja import Field, File, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from sreda.api.auth import api_actor
from sreda.api.models import SCOPE_STATS_READ, SCOPE_STATS_WRITE
from sreda.api.schemas import ERRORS, Pagination
from sreda.stats.imports import access_stats_import, stats_imports_for, stats_upload

router = Router(tags=["Статистика"])


class UnmatchedOut(Schema):
    line: int = Field(..., description="Номер строки в файле (с 1, считая заголовок).", examples=[7])
    org_id: str = Field(..., description="ID организации из столбца H (может быть пустым).", examples=["100500"])
    inn: str = Field(..., description="ИНН из столбца W (может быть пустым).", examples=["7804123456"])
    short_name: str = Field(..., description="Краткое название из столбца B.", examples=["ГБОУ СОШ № 404"])
    reason: str = Field("", description="Почему строка не загружена: организация не найдена или вне области роли.",
                        examples=["организация не найдена в Среде ни по ID организации, ни по ИНН"])


class ErrorLineOut(Schema):
    line: int = Field(..., description="Номер строки в файле (0 — файл целиком).", examples=[12])
    column: str = Field(..., description="Буква столбца A–Y (пусто — файл целиком).", examples=["K"])
    reason: str = Field(..., description="Что не так, по-русски; строка не загружена.", examples=["«восемьдесят» не число"])


class ImportOut(Schema):
    id: int = Field(..., description="Идентификатор загрузки.", examples=[31])
    file_name: str = Field(..., description="Имя загруженного файла.", examples=["stat-2025-11-20.xlsx"])
    created_at: datetime = Field(..., description="Когда загружен.")
    imported: int = Field(..., description="Сколько строк записано (новых или изменённых).", examples=[412])
    unchanged: int = Field(..., description="Сколько строк совпали с уже загруженными — ничего не изменено.", examples=[0])
    unmatched: list[UnmatchedOut] = Field(..., description="Строки, не сопоставленные с организациями Среды.")
    errors: list[ErrorLineOut] = Field(..., description="Строки с ошибками: не загружены, остальные загружены.")

    @staticmethod
    def resolve_unmatched(obj) -> list:
        return (obj.result or {}).get("unmatched", [])

    @staticmethod
    def resolve_errors(obj) -> list:
        return (obj.result or {}).get("errors", [])


@router.post("/stats/imports", response={201: ImportOut, **ERRORS}, summary="Загрузить выгрузку статистики платформы",
             openapi_extra={"requestBody": {"content": {"multipart/form-data": {"encoding": {"file": {
                 "contentType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet, text/csv"}}}}}})
def stats_import_create(request: HttpRequest, file: File[UploadedFile]):
    """R35: таблица A–Y платформы (multipart/form-data, поле `file`): .xlsx или .csv (UTF-8 с запятой или
    Windows-1251 с точкой с запятой). Организации — по ID организации, иначе по ИНН, только в области роли
    токена. Строки с ошибками и несопоставленные перечислены в ответе; повторная загрузка того же файла
    ничего не меняет. Неподходящий файл — 422, ничего не загружено. Нужна область `stats:write`."""
    actor = api_actor(request, SCOPE_STATS_WRITE)
    result = stats_upload(actor=actor, upload=file)
    return Status(201, result.stats_import)


class ImportFilters(Schema):
    date_from: date | None = Field(None, description="Загружены в этот день или позже (ГГГГ-ММ-ДД).",
                                   examples=["2025-11-01"])
    date_to: date | None = Field(None, description="Загружены в этот день или раньше (ГГГГ-ММ-ДД).",
                                 examples=["2025-11-30"])
    q: str = Field("", max_length=200, description="Часть имени файла (регистр не важен).", examples=["stat-2025"])


@router.get("/stats/imports", response={200: list[ImportOut], **ERRORS}, summary="Загрузки статистики платформы")
@paginate(Pagination)
def stats_import_list(request: HttpRequest, filters: Query[ImportFilters]):
    """Прежние загрузки в области роли токена, новые первыми; по датам загрузки и имени файла. Нужна область
    `stats:read`."""
    imports = stats_imports_for(actor=api_actor(request, SCOPE_STATS_READ))
    if filters.date_from is not None:
        imports = imports.filter(created_at__date__gte=filters.date_from)
    if filters.date_to is not None:
        imports = imports.filter(created_at__date__lte=filters.date_to)
    if filters.q.strip():
        imports = imports.filter(file_name__icontains=filters.q.strip())
    return imports


@router.get("/stats/imports/{int:import_id}", response={200: ImportOut, **ERRORS}, summary="Загрузка статистики платформы")
def stats_import_detail(request: HttpRequest, import_id: int):
    """Итог одной загрузки: сколько записано, без изменений, несопоставленные строки и ошибки."""
    return access_stats_import(actor=api_actor(request, SCOPE_STATS_READ), import_id=import_id)
