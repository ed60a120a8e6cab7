"""Exports of the A–Y table (R31) and of the indicators (R32–R34): XLSX (openpyxl), CSV (UTF-8 with BOM,
comma — as the platform's dashboard exports it) and the JSON of `python -m sreda stats indicators`.

The A–Y files have one header row with the seed's Russian titles, column A in the first column, so the
sheet's column letters are the letters of R31 and the file imports back (stats/imports.py)."""
from __future__ import annotations

import csv
import io
from datetime import date, datetime

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from sreda.stats import indicators as ind
from sreda.stats.table import TableRow, header

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"


def cell_text(value) -> str:
    """A cell as text (CSV and the page): dates as 20.11.2025, yes/no in Russian, empty for unknown."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "да" if value else "нет"
    if isinstance(value, date):
        return value.strftime("%d.%m.%Y")
    return str(value)


def _xlsx_value(value):
    if isinstance(value, bool):
        return "да" if value else "нет"
    return value


def workbook(title: str, head: list[str], rows: list[list]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = title
    ws.append(head)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append([_xlsx_value(v) for v in row])
        for cell in ws[ws.max_row]:
            if isinstance(cell.value, datetime):
                cell.number_format = "DD.MM.YYYY HH:MM"
            elif isinstance(cell.value, date):
                cell.number_format = "DD.MM.YYYY"
    for i, name in enumerate(head, start=1):
        ws.column_dimensions[get_column_letter(i)].width = max(10, min(40, len(name) + 2))
    ws.freeze_panes = "A2"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def csv_bytes(head: list[str], rows: list[list]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(head)
    for row in rows:
        writer.writerow([cell_text(v) for v in row])
    return buffer.getvalue().encode("utf-8-sig")


# --- the A–Y table ---------------------------------------------------------------------------------------


def table_xlsx(rows: list[TableRow]) -> bytes:
    return workbook("A–Y", header(), [r.cells for r in rows])


def table_csv(rows: list[TableRow]) -> bytes:
    return csv_bytes(header(), [r.cells for r in rows])


def table_filename(on: date, ext: str) -> str:
    return f"statistika-{on.isoformat()}.{ext}"


# --- the indicators --------------------------------------------------------------------------------------


def figure_json(fig: ind.GroupFigure) -> dict:
    return {"total": fig.total, "active": fig.active, "share": fig.share, "meets": fig.meets}


def indicators_json(*, on: date, rows: list[ind.OrgIndicators]) -> dict:
    """The JSON of issue 4: shares are fractions 0–1, unrounded; unknown → null."""
    return {
        "date": on.isoformat(),
        "organisations": [
            {
                "org_id": r.organisation.pk,
                "inn": r.organisation.inn,
                "short_name": r.organisation.short_name,
                "municipality": r.organisation.municipality.name,
                "source": r.source,
                "teachers": figure_json(r.teachers),
                "students": figure_json(r.students),
                "parents": figure_json(r.parents),
                "meets_all": r.meets_all,
                "self_diagnosis_8_5": r.self_diagnosis_8_5,
            }
            for r in rows
        ],
        "municipalities": [
            {"name": s.name, "organisations": s.organisations, "meeting_all": s.meeting_all, "share": s.share}
            for s in ind.municipality_summaries(rows)
        ],
    }


INDICATOR_HEADER = [
    "ID организации в Среде", "ИНН", "Краткое название", "МО", "Источник",
    "Учителей всего (K)", "Активных учителей (X)", "Доля активных учителей", "Учителя: цель 75% выполнена",
    "Учеников всего (L)", "Активных учеников (U)", "Доля активных учеников", "Ученики: цель 30% выполнена",
    "Родителей всего (M)", "Активных родителей (V)", "Доля активных родителей", "Родители: цель 30% выполнена",
    "Все цели выполнены", "Самодиагностика 8.5 (0–3)",
]
SOURCE_LABEL = {ind.SOURCE_IMPORT: "выгрузка платформы", ind.SOURCE_EVENTS: "события Среды"}


def _indicator_cells(r: ind.OrgIndicators) -> list:
    cells = [r.organisation.pk, r.organisation.inn, r.organisation.short_name, r.organisation.municipality.name,
             SOURCE_LABEL[r.source]]
    for group in ind.GROUPS:
        fig = r.figure(group)
        cells += [fig.total, fig.active, fig.share, fig.meets]
    return [*cells, r.meets_all, r.self_diagnosis_8_5]


def indicators_csv(rows: list[ind.OrgIndicators]) -> bytes:
    return csv_bytes(INDICATOR_HEADER, [_indicator_cells(r) for r in rows])


def indicators_xlsx(rows: list[ind.OrgIndicators]) -> bytes:
    return workbook("Показатели", INDICATOR_HEADER, [_indicator_cells(r) for r in rows])
