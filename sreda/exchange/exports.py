"""XLSX of the exchange journal of a school and of the health of the schools in scope."""
from __future__ import annotations

from datetime import datetime

from django.http import HttpResponse
from django.utils import timezone

from sreda.exchange.models import RunKind
from sreda.exchange.selectors import health_rows
from sreda.stats.exports import XLSX_CONTENT_TYPE, workbook

EXPORT_LIMIT = 50_000
RUN_HEAD = ["Начало", "Окончание", "Длительность", "Вид", "Запуск", "Итог", "Что", "Счётчики", "Ошибок",
            "Предупреждений", "Сообщение"]
HEALTH_HEAD = ["Организация", "ИНН", "Муниципалитет", "Ошибка", "Нет обмена более суток", "Последний обмен",
               "Последний успешный", *(label for _, label in RunKind.choices)]


def _local(value: datetime | None):
    """openpyxl writes no time zone: the local time of the region's clock, as the pages show it."""
    return timezone.localtime(value).replace(tzinfo=None) if value else None


def response(data: bytes, file_stem: str) -> HttpResponse:
    reply = HttpResponse(data, content_type=XLSX_CONTENT_TYPE)
    reply["Content-Disposition"] = f'attachment; filename="{file_stem}-{timezone.localdate():%Y-%m-%d}.xlsx"'
    return reply


def runs_xlsx(runs, *, file_stem: str) -> HttpResponse:
    rows = [[_local(r.started_at), _local(r.finished_at), r.duration_text, r.get_kind_display(),
             r.get_source_display(), r.get_status_display(), r.title, r.counts_text, r.error_count, r.warning_count,
             r.message] for r in runs[:EXPORT_LIMIT]]
    return response(workbook("Журнал обмена", RUN_HEAD, rows), file_stem)


def health_xlsx(schools, *, file_stem: str) -> HttpResponse:
    rows = []
    schools = list(schools[:EXPORT_LIMIT])
    for start in range(0, len(schools), 500):  # the states of 500 schools per query
        for row in health_rows(schools[start:start + 500]):
            org = row.organisation
            cells = [f"{c.status_label}, {_local(c.finished_at):%d.%m.%Y %H:%M}" if c.finished_at else c.status_label
                     for c in row.cells]
            rows.append([org.short_name, org.inn, org.municipality.name, row.failed, row.silent, _local(row.last_at),
                         _local(row.last_success_at), *cells])
    return response(workbook("Состояние обмена", HEALTH_HEAD, rows), file_stem)
