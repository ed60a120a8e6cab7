"""The page of R19 «Показатели библиотеки» and its XLSX: scoped like the stats dashboards (a school's
leaders see their school, a methodologist their municipality, the regional operator the region with a
municipality drill-down), for a period (default: the current month), schools below target first with the
director's contact."""
from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render

from sreda.core.permissions import Action, require
from sreda.core.school import parse_int
from sreda.library import indicators as ind
from sreda.core.text import parse_day
from sreda.orgs.models import Organisation
from sreda.stats import charts
from sreda.stats.dashboards import access_municipality, directors_of, today
from sreda.stats.exports import XLSX_CONTENT_TYPE

PAGE_SIZE = 50


def _period(request) -> tuple[date, date]:
    """`from`/`to` of the address (20.11.2025 or 2025-11-20); the current month when absent or unusable."""
    default_from, default_to = ind.default_period(today())
    raw_from, raw_to = request.GET.get("from", "").strip(), request.GET.get("to", "").strip()
    date_from = parse_day(raw_from) if raw_from else default_from
    date_to = parse_day(raw_to) if raw_to else default_to
    for raw, parsed in ((raw_from, date_from), (raw_to, date_to)):
        if parsed is None:
            messages.warning(request, f"Дата «{raw[:20]}» не распознана: укажите ДД.ММ.ГГГГ (20.11.2025). "
                                      "Показан текущий месяц.")
            return default_from, default_to
    problem = ind.period_check(date_from, date_to)
    if problem:
        messages.warning(request, f"{problem} Показан текущий месяц.")
        return default_from, default_to
    return date_from, date_to


def _selection(request):
    """The schools of the page: the actor's scope, narrowed to a municipality when one is chosen."""
    active = request.active_role
    require(active, Action.VIEW_STATS, active.organisation)
    municipality = None
    municipality_id = parse_int(request.GET.get("municipality"))
    if municipality_id:
        municipality = access_municipality(actor=active, municipality_id=municipality_id)
    organisations = Organisation.objects.filter(municipality=municipality) if municipality else None
    return active, municipality, organisations


@login_required
def indicators_page(request):
    active, municipality, organisations = _selection(request)
    date_from, date_to = _period(request)
    rows = ind.library_indicators(actor=active, date_from=date_from, date_to=date_to, organisations=organisations)
    page = Paginator(ind.below_target_first(rows), PAGE_SIZE).get_page(request.GET.get("page"))
    contacts = directors_of([r.organisation.pk for r in page.object_list])
    schools = [{"row": r, "contact": contacts.get(r.organisation.pk),
                "teachers": _cell(r.teachers), "students": _cell(r.students)} for r in page.object_list]
    municipalities = ind.municipality_summaries(rows)
    total = ind.summarise("Всего", rows)
    ids = {row.organisation.municipality.name: row.organisation.municipality_id for row in rows}
    return render(request, "library/indicators.html", {
        "date_from": date_from, "date_to": date_to, "municipality": municipality, "page": page,
        "schools": schools, "total": total, "total_text": _summary_text(total),
        "municipalities": [{"summary": s, "id": ids.get(s.name), "text": _summary_text(s)} for s in municipalities]
        if municipality is None and len(municipalities) > 1 else [],
        "below": sum(1 for r in rows if r.below_target),
        "targets": {g: int(ind.TARGETS[g] * 100) for g in ind.GROUPS}, "labels": ind.LABELS,
    })


def _cell(fig) -> dict:
    return {"figure": fig, "text": charts.format_share(fig.share)}


def _summary_text(summary: ind.LibrarySummary) -> dict:
    return {"share": charts.format_share(summary.share), "teachers": charts.format_share(summary.teachers_share),
            "students": charts.format_share(summary.students_share)}


@login_required
def indicators_xlsx(request):
    """The same schools and period as the page, every school in one sheet, with the director's contact."""
    active, municipality, organisations = _selection(request)
    date_from, date_to = _period(request)
    rows = ind.below_target_first(
        ind.library_indicators(actor=active, date_from=date_from, date_to=date_to, organisations=organisations))
    data = ind.indicators_xlsx(rows, directors_of([r.organisation.pk for r in rows]))
    response = HttpResponse(data, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{ind.filename(date_from, date_to, "xlsx")}"'
    return response
