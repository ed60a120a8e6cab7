"""«Подключение классов» (R23): the class teacher's tracker of their class; the school's leaders see every class,
the per-school summary, set the deadline from the school's order, and export both to XLSX."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from sreda.core.permissions import Action
from sreda.core.school import acting_school, org_query, parse_int
from sreda.core.text import parse_day
from sreda.onboarding import tracker
from sreda.stats.exports import workbook

PAGE_SIZE = 100
NO_SCHOOL = ("Подключение классов ведётся в школе выбранной роли. Выберите роль классного руководителя (учителя), "
             "администратора или руководителя ОО («Сменить роль»).")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _school(request):
    return acting_school(request, Action.VIEW_ONBOARDING, no_school=NO_SCHOOL)


def _page_context(request, organisation, *, deadline_errors=None, deadline_input=None) -> dict:
    active = request.active_role
    leads = tracker.leads_school(active, organisation)
    classes = tracker.visible_classes(actor=active, organisation=organisation)
    class_id = parse_int(request.GET.get("class"))
    if class_id is None and not leads and len(classes) == 1:
        class_id = classes[0].pk  # a class teacher of one class goes straight to it
    school_class = tracker.access_class(actor=active, organisation=organisation, class_id=class_id) \
        if class_id is not None else None
    deadline = tracker.deadline_of(organisation)
    today = tracker.local_today(organisation)
    context = {
        "org": organisation, "org_q": org_query(active, organisation),
        "org_param": organisation.pk if active.is_platform_operator else None,
        "leads": leads, "classes": classes, "school_class": school_class, "deadline": deadline,
        "overdue": tracker.is_overdue(deadline, organisation, today), "today": today,
        "deadline_errors": deadline_errors or {}, "deadline_input": deadline_input or {},
        "not_class_teacher": not leads and not classes,
    }
    if leads:
        summary = tracker.school_summary(actor=active, organisation=organisation)
        context["summary"] = summary
        context["summary_total"] = tracker.summary_total(summary)
    if school_class is not None:
        rows = tracker.class_rows(actor=active, organisation=organisation, school_class=school_class)
        only_missing = request.GET.get("show") == tracker.Show.MISSING
        role = request.GET.get("role") if request.GET.get("role") in tracker.ROLE_LABELS else ""
        query = (request.GET.get("q") or "")[:200]
        shown = tracker.filter_rows(rows, only_missing=only_missing, role=role, query=query)
        context.update({
            "counts": tracker.counts_of(rows), "page": Paginator(shown, PAGE_SIZE).get_page(request.GET.get("page")),
            "only_missing": only_missing, "role": role, "query": query, "roles": tracker.ROLE_LABELS,
        })
    return context


@login_required
@require_GET
def tracker_page(request):
    """R23: the class's students and parents, what each still lacks, the deadline; the leaders' summary."""
    organisation = _school(request)
    context = _page_context(request, organisation)
    fragment = request.htmx and request.htmx.target == "tracker-rows"
    template = "onboarding/tracker/_rows.html" if fragment else "onboarding/tracker/tracker.html"
    return render(request, template, context)


@login_required
@require_POST
def deadline(request):
    """The administrator sets the deadline and the order's title; bad input changes nothing."""
    active = request.active_role
    organisation = _school(request)
    raw_day = (request.POST.get("deadline") or "").strip()
    title = request.POST.get("order_title") or ""
    day = parse_day(raw_day)
    try:
        if raw_day and day is None:
            raise ValidationError({"deadline": [f"«{raw_day}» — не дата. Укажите дату в виде ДД.ММ.ГГГГ, "
                                                "например 30.04.2026."]})
        row = tracker.deadline_set(actor=active, organisation=organisation, deadline=day, order_title=title)
    except PermissionDenied:
        raise
    except ValidationError as exc:
        context = _page_context(request, organisation, deadline_errors=exc.message_dict,
                                deadline_input={"deadline": raw_day, "order_title": title})
        return render(request, "onboarding/tracker/tracker.html", context, status=400)
    messages.success(request, f"Срок подключения установлен: {row.deadline:%d.%m.%Y}"
                              + (f" ({row.order_title})." if row.order_title else "."))
    back = reverse("onboarding:tracker") + org_query(active, organisation)
    class_id = parse_int(request.POST.get("class"))
    if class_id:
        back += ("&" if "?" in back else "?") + f"class={class_id}"
    return redirect(back)


def _xlsx(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def export_class(request):
    """The class's rows (with the page's filters) as XLSX."""
    active = request.active_role
    organisation = _school(request)
    school_class = tracker.access_class(actor=active, organisation=organisation,
                                        class_id=parse_int(request.GET.get("class")))
    rows = tracker.class_rows(actor=active, organisation=organisation, school_class=school_class)
    role = request.GET.get("role") if request.GET.get("role") in tracker.ROLE_LABELS else ""
    rows = tracker.filter_rows(rows, only_missing=request.GET.get("show") == tracker.Show.MISSING, role=role,
                               query=(request.GET.get("q") or "")[:200])
    content = workbook(f"Класс {school_class.title}", tracker.ROW_HEAD, [tracker.row_cells(r) for r in rows])
    return _xlsx(content, f"podklyuchenie-{school_class.grade}-{school_class.pk}.xlsx")


@login_required
@require_GET
def export_summary(request):
    """The school's summary per class as XLSX (the leaders only)."""
    active = request.active_role
    organisation = _school(request)
    if not tracker.leads_school(active, organisation):
        raise PermissionDenied("Сводку по школе видят администратор и руководитель ОО.")
    summary = tracker.school_summary(actor=active, organisation=organisation)
    rows = [tracker.summary_cells(r) for r in summary]
    total = tracker.summary_total(summary)
    rows.append(["Итого", "", total.students, total.parents, total.registered, total.joined, total.confirmed,
                 total.in_chats, total.percent, total.missing])
    return _xlsx(workbook("Подключение классов", tracker.SUMMARY_HEAD, rows), f"podklyuchenie-{organisation.pk}.xlsx")
