"""Pages of the step into the next school year (issue #10, item 2): a school's preview, run and undo; the
district's preview of all its schools and the run for every school that is ready."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from sreda.core.permissions import Action
from sreda.core.school import acting_school, parse_int
from sreda.core.text import parse_day, plural
from sreda.orgs.models import YearTransition
from sreda.orgs.transition import (
    access_transition,
    district_previews,
    district_run,
    require_district,
    transition_preview,
    transition_run,
    transition_undo,
)

NO_SCHOOL = ("Переход на новый учебный год выполняется для школы: войдите как администратор или руководитель ОО, "
             "а методист района — со страницы «Новый учебный год в районе».")


def _school(request):
    """The active role's own school, or — for the district and the operator — the one named by «?org=»."""
    return acting_school(request, Action.RUN_YEAR_TRANSITION, no_school=NO_SCHOOL, oversight=True)


def _day_of(source) -> tuple[object, str]:
    raw = (source.get("date") or "").strip()
    if not raw:
        return None, ""
    day = parse_day(raw)
    return day, "" if day else f"Дата «{raw}» не читается: введите её как 01.09.2026."


@login_required
@require_http_methods(["GET", "POST"])
def year_transition(request):
    organisation = _school(request)  # PermissionDenied: the common «Нет доступа» page with the reason
    active = request.active_role
    here = reverse("orgs:year_transition") + (f"?org={organisation.pk}" if active.organisation is None else "")
    error = ""
    source = request.POST if request.method == "POST" else request.GET
    day, error = _day_of(source)
    if request.method == "POST" and not error:
        try:
            if request.POST.get("action") == "undo":
                transition = access_transition(actor=active, organisation=organisation,
                                               transition_id=parse_int(request.POST.get("transition")) or 0)
                transition_undo(actor=active, transition=transition)
                messages.success(request, f"Переход в {transition.to_year.title} отменён: классы и роли "
                                          f"{transition.from_year.title} восстановлены.")
            else:
                done = transition_run(actor=active, organisation=organisation, day=day)
                s = done.summary
                messages.success(request, (
                    f"Школа переведена в {done.to_year.title} учебный год с {done.date:%d.%m.%Y}: "
                    f"{s['students_moving']} {plural(s['students_moving'], 'обучающийся', 'обучающихся', 'обучающихся')} "
                    f"в следующих классах, выпуск — {s['students_graduating']}. Чаты прошлого года уйдут в архив "
                    f"при ближайшей синхронизации."))
            return redirect(here)
        except (ValidationError, YearTransition.DoesNotExist) as exc:
            error = " ".join(getattr(exc, "messages", None) or [str(exc)])
    preview = transition_preview(actor=active, organisation=organisation, day=day)
    history = (YearTransition.objects.filter(organisation=organisation).select_related("from_year", "to_year",
                                                                                         "created_by", "undone_by")
               .order_by("-created_at", "-id")[:20])
    return render(request, "orgs/year_transition.html", {
        "org": organisation, "preview": preview, "history": history, "error": error,
        "day_value": (request.POST.get("date") if request.method == "POST" else request.GET.get("date"))
        or (preview.day.strftime("%d.%m.%Y") if preview.day else ""),
        "org_param": organisation.pk if active.organisation is None else None,
    }, status=400 if error else 200)


@login_required
@require_http_methods(["GET", "POST"])
def year_transition_district(request):
    active = request.active_role
    require_district(active)
    source = request.POST if request.method == "POST" else request.GET
    day, error = _day_of(source)
    municipality_id = parse_int(source.get("municipality"))
    previews = district_previews(actor=active, municipality_id=municipality_id, day=day) if not error else []
    if request.method == "POST" and not error:
        done, skipped = district_run(actor=active, previews=previews)
        messages.success(request, f"Переведено школ: {len(done)}; не переведено: {len(skipped)}.")
        target = reverse("orgs:year_transition_district")
        query = "&".join(x for x in (f"date={source.get('date')}" if source.get("date") else "",
                                     f"municipality={municipality_id}" if municipality_id else "") if x)
        return redirect(f"{target}?{query}" if query else target)
    if request.GET.get("format") == "xlsx":
        return _district_xlsx(previews)
    only = request.GET.get("only") == "problems"
    rows = [p for p in previews if p.problems] if only else previews
    return render(request, "orgs/year_transition_district.html", {
        "previews": rows, "ready": sum(1 for p in previews if p.can_run), "total": len(previews), "error": error,
        "day_value": source.get("date", ""), "only": only, "municipality": municipality_id,
    }, status=400 if error else 200)


def _district_xlsx(previews) -> HttpResponse:
    from sreda.stats.exports import workbook

    rows = [[p.organisation.short_name, p.organisation.inn, p.from_year.title if p.from_year else "", p.to_title,
             p.day.strftime("%d.%m.%Y") if p.day else "", len(p.advancing), len(p.graduating), p.students_moving,
             p.students_graduating, "готова" if p.can_run else "; ".join(p.problems)] for p in previews]
    data = workbook("Новый учебный год", ["Школа", "ИНН", "Из года", "В год", "Дата", "Классов переходит",
                                           "Классов выпускается", "Обучающихся переходит", "Выпускников",
                                           "Состояние"], rows)
    response = HttpResponse(data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = 'attachment; filename="year-transition.xlsx"'
    return response

