"""XLSX of the applications lists (the director's «Заявки», the centre's queue) and of the open groups."""
from __future__ import annotations

from django.http import HttpResponse
from django.utils import timezone

from sreda.stats.exports import XLSX_CONTENT_TYPE, workbook

EXPORT_LIMIT = 50_000
APPLICATION_HEAD = ["№ заявки", "Заявитель", "ОО", "Программа", "Группа", "Даты обучения", "Статус", "Подана"]
GROUP_HEAD = ["Группа", "Программа", "Организация ДПО", "Форма обучения", "Часов", "Начало", "Окончание",
              "Мест", "Включено"]


def application_rows(applications) -> list[list]:
    tz = timezone.get_current_timezone()
    return [[a.pk, a.applicant.full_name, a.organisation.short_name, a.group.program.name, a.group.name,
             a.group.dates_label, a.get_status_display(), timezone.localtime(a.created_at, tz).date()]
            for a in applications[:EXPORT_LIMIT]]


def applications_xlsx(applications, file_stem: str) -> HttpResponse:
    data = workbook("Заявки", APPLICATION_HEAD, application_rows(applications))
    return xlsx_response(data, file_stem)


def groups_xlsx(groups, file_stem: str) -> HttpResponse:
    rows = [[g.name, g.program.name, str(g.program.organisation), g.program.get_study_form_display() or "Не указано",
             g.program.hours, g.starts_on, g.ends_on, g.capacity, getattr(g, "included", None)]
            for g in groups[:EXPORT_LIMIT]]
    return xlsx_response(workbook("Группы", GROUP_HEAD, rows), file_stem)


def xlsx_response(data: bytes, file_stem: str) -> HttpResponse:
    response = HttpResponse(data, content_type=XLSX_CONTENT_TYPE)
    stamp = timezone.localdate().strftime("%Y-%m-%d")
    response["Content-Disposition"] = f'attachment; filename="{file_stem}-{stamp}.xlsx"'
    return response
