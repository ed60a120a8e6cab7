"""Pages of the schedule (R14): lessons by week with filters, adding/editing/deleting a lesson in the page,
reporting periods, file import with progress, and «Выгрузка МояШкола» with its status."""
from __future__ import annotations

from datetime import date, timedelta
from io import BytesIO

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sreda.core.permissions import Action
from sreda.core.school import acting_school, org_query, parse_int
from sreda.library import publication as pub
from sreda.library import schedule as svc
from sreda.library.forms_schedule import LessonForm, PeriodForm, ScheduleFileForm
from sreda.library.models import ScheduleImport
from sreda.library.tasks import start_import

PAGE_SIZE = 50
NO_SCHOOL = ("Расписание ведётся для школы выбранной роли. Выберите роль руководителя или администратора ОО "
             "(«Сменить роль»).")


def _school(request):
    return acting_school(request, Action.MANAGE_SCHEDULE, no_school=NO_SCHOOL)


def _org_q(request, organisation) -> str:
    return org_query(request.active_role, organisation)


def _base(request, organisation) -> dict:
    return {"org": organisation, "org_q": _org_q(request, organisation),
            "org_param": organisation.pk if request.active_role.is_platform_operator else None}


def _week_start(request) -> date:
    raw = request.GET.get("week") or request.GET.get("day") or ""
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        day = timezone.localdate()
    return svc.week_of(day)[0]


@login_required
@require_http_methods(["GET", "POST"])
def schedule(request):
    """The week's lessons, the filters, the lesson form (add, or edit with ?edit=<id>)."""
    active = request.active_role
    organisation = _school(request)
    lesson = svc.access_lesson(actor=active, organisation=organisation,
                               lesson_id=parse_int(request.POST.get("lesson") or request.GET.get("edit")))
    if request.method == "POST":
        form = LessonForm(request.POST, organisation=organisation)
        if form.is_valid():
            data = form.cleaned_data
            try:
                saved = svc.lesson_save(actor=active, organisation=organisation, lesson=lesson, day=data["day"],
                                        number=data["number"], school_class=data["school_class"],
                                        subject=data["subject"], teacher=data["teacher"])
            except ValidationError as exc:
                for name, errors in exc.message_dict.items():
                    form.add_error(name if name in form.fields else None, errors)
            else:
                messages.success(request, "Урок изменён. Он попадёт в библиотеку после «Выгрузка МояШкола»."
                                 if lesson else "Урок добавлен. Он попадёт в библиотеку после «Выгрузка МояШкола».")
                query = f"?week={svc.week_of(saved.day)[0].isoformat()}"
                if active.is_platform_operator:
                    query += f"&org={organisation.pk}"
                return redirect(reverse("library:schedule") + query)
    else:
        monday, today = _week_start(request), timezone.localdate()
        initial = {"day": today if monday <= today <= monday + timedelta(days=6) else monday}
        if lesson is not None:
            initial = {"day": lesson.day, "number": lesson.number, "school_class": lesson.school_class_id,
                       "subject": lesson.subject_id, "teacher": lesson.teacher_id}
        form = LessonForm(initial=initial, organisation=organisation)
    return render(request, "library/schedule.html", _week_context(request, organisation, form, lesson),
                  status=400 if form.is_bound and form.errors else 200)


def _week_and_filters(request) -> tuple[date, date, dict]:
    monday = _week_start(request)
    filters = {"class_id": parse_int(request.GET.get("class")), "teacher_id": parse_int(request.GET.get("teacher")),
               "subject_id": parse_int(request.GET.get("subject"))}
    return monday, monday + timedelta(days=6), filters


def _week_context(request, organisation, form, lesson) -> dict:
    monday, sunday, filters = _week_and_filters(request)
    rows = svc.lessons_for(organisation=organisation, start=monday, end=sunday, **filters)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    year = svc.current_school_year()
    return {
        **_base(request, organisation), "form": form, "editing": lesson, "page": page,
        "monday": monday, "sunday": sunday, "prev_week": monday - timedelta(days=7),
        "next_week": monday + timedelta(days=7), "filters": filters,
        "classes": svc.school_classes(organisation), "teachers": svc.school_teachers(organisation),
        "subjects": svc.subjects(), "unpublished": svc.unpublished_count(organisation),
        "periods": svc.periods_for(organisation=organisation, school_year=year), "year": year,
        "publication": pub.last_publication(organisation),
    }


@login_required
@require_POST
def lesson_delete(request, pk: int):
    active = request.active_role
    organisation = _school(request)
    lesson = svc.access_lesson(actor=active, organisation=organisation, lesson_id=pk)
    if lesson is None:
        raise Http404("Урок не найден в расписании этой школы.")
    week = svc.week_of(lesson.day)[0]
    svc.lesson_delete(actor=active, organisation=organisation, lesson=lesson)
    messages.success(request, "Урок удалён из расписания.")
    query = f"?week={week.isoformat()}" + (f"&org={organisation.pk}" if active.is_platform_operator else "")
    return redirect(reverse("library:schedule") + query)


@login_required
@require_GET
def schedule_export(request):
    """The week's lessons (with the page's filters) as XLSX."""
    from openpyxl import Workbook

    organisation = _school(request)
    monday, sunday, filters = _week_and_filters(request)
    rows = svc.lessons_for(organisation=organisation, start=monday, end=sunday, **filters)
    book = Workbook()
    sheet = book.active
    sheet.title = "Расписание"
    sheet.append(["Дата", "Урок №", "Класс", "Предмет", "Учитель", "Выгружен"])
    for lesson in rows.iterator():
        sheet.append([lesson.day.strftime("%d.%m.%Y"), lesson.number, lesson.school_class.title,
                      lesson.subject.name, lesson.teacher.full_name,
                      "да" if lesson.published_at else "нет"])
    for letter, width in zip("ABCDEF", (12, 8, 8, 30, 36, 10)):
        sheet.column_dimensions[letter].width = width
    out = BytesIO()
    book.save(out)
    response = HttpResponse(out.getvalue(),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="schedule-{monday.isoformat()}.xlsx"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def periods(request):
    """The school year's reporting periods: list, add, edit (?edit=<id>; only the school's own)."""
    active = request.active_role
    organisation = _school(request)
    year = svc.current_school_year()
    listed = svc.periods_for(organisation=organisation, school_year=year)
    period = listed.filter(organisation=organisation, pk=parse_int(request.POST.get("period")
                                                                  or request.GET.get("edit")) or 0).first()
    if request.method == "POST":
        form = PeriodForm(request.POST)
        if form.is_valid():
            try:
                svc.period_save(actor=active, organisation=organisation, period=period, **form.cleaned_data)
            except ValidationError as exc:
                for name, errors in exc.message_dict.items():
                    form.add_error(name if name in form.fields else None, errors)
            else:
                messages.success(request, "Отчётный период сохранён.")
                return redirect(reverse("library:periods") + _org_q(request, organisation))
    else:
        initial = {"title": period.title, "start": period.start, "end": period.end} if period else {}
        form = PeriodForm(initial=initial)
    context = {**_base(request, organisation), "form": form, "editing": period, "periods": listed, "year": year}
    return render(request, "library/schedule_periods.html", context,
                  status=400 if form.is_bound and form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def schedule_import(request):
    active = request.active_role
    organisation = _school(request)
    form = ScheduleFileForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            row = start_import(actor=active, organisation=organisation, upload=form.cleaned_data["file"])
        except ValidationError as exc:
            form.add_error("file", exc.messages)
        else:
            return redirect(reverse("library:schedule_import_detail", args=[row.pk]) + _org_q(request, organisation))
    recent = ScheduleImport.objects.filter(organisation=organisation).select_related("created_by")[:20]
    return render(request, "library/schedule_import.html", {**_base(request, organisation), "form": form,
                                                            "recent": recent},
                  status=400 if form.is_bound and form.errors else 200)


@login_required
@require_GET
def schedule_import_detail(request, pk: int):
    organisation = _school(request)
    row = ScheduleImport.objects.filter(pk=pk, organisation=organisation).first()
    if row is None:
        raise Http404("Импорт не найден")
    context = {**_base(request, organisation), "row": row, "summary": row.summary or {},
               "finished": row.status in ("done", "failed")}
    template = "library/_schedule_import_status.html" if request.htmx else "library/schedule_import_detail.html"
    return render(request, template, context)


@login_required
@require_POST
def schedule_publish(request):
    organisation = _school(request)
    try:
        row = pub.publication_start(actor=request.active_role, organisation=organisation)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
        return redirect(reverse("library:schedule") + _org_q(request, organisation))
    return redirect(reverse("library:publication", args=[row.pk]) + _org_q(request, organisation))


@login_required
@require_GET
def publication(request, pk: int):
    organisation = _school(request)
    row = pub.access_publication(actor=request.active_role, organisation=organisation, publication_id=pk)
    if row is None:
        raise Http404("Выгрузка не найдена")
    finished = row.status in ("done", "failed")
    context = {**_base(request, organisation), "row": row, "finished": finished,
               "warnings": pub.publication_warnings(organisation) if finished else []}
    template = "library/_publication_status.html" if request.htmx else "library/schedule_publication.html"
    return render(request, template, context)
