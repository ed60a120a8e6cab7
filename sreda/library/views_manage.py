"""The operator's catalogue pages (MANAGE_CATALOGUE, R16–R17): items with search, create/edit an item or a
course, import CSV/XLSX, the supported-subjects list, and the decisions on schools' course orders."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from sreda.core.audit import audit
from sreda.core.permissions import Action, require
from sreda.library.catalogue import (
    GRADES, CatalogueFilters, access_item, catalogue_search, item_save, subject_add, subject_set_supported, type_labels,
)
from sreda.library.catalogue_files import COLUMNS, MAX_BYTES, catalogue_import, catalogue_xlsx
from sreda.library.forms_catalogue import CourseForm, DecisionForm, ImportForm, ItemForm
from sreda.library.models import ContentType, OrderStatus
from sreda.library.orders import order_transition, orders_queue
from sreda.orgs.models import Subject
from sreda.stats.exports import XLSX_CONTENT_TYPE

PAGE_SIZE = 30


def _operator(request):
    require(request.active_role, Action.MANAGE_CATALOGUE)
    return request.active_role


@login_required
def catalogue_manage(request):
    """All catalogue lessons (supported or not) with search and filters; links to every operator action."""
    _operator(request)
    filters = CatalogueFilters.from_query(request.GET)
    page = Paginator(catalogue_search(filters=filters, supported_only=False), PAGE_SIZE).get_page(
        request.GET.get("page"))
    for item in page.object_list:
        item.type_labels = type_labels(item.content_types)
    return render(request, "library/manage.html", {
        "page": page, "filters": filters, "grades": GRADES, "subjects": Subject.objects.order_by("name"),
        "content_types": ContentType.choices, "waiting": orders_queue(actor=request.active_role,
                                                                      status=OrderStatus.REQUESTED).count(),
    })


@login_required
def catalogue_export(request):
    """The lessons of the current search as XLSX in the import format (edit in Excel and load back)."""
    _operator(request)
    items = catalogue_search(filters=CatalogueFilters.from_query(request.GET), supported_only=False)
    response = HttpResponse(catalogue_xlsx(items.iterator(chunk_size=2000)), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="catalogue-{timezone.localdate():%Y-%m-%d}.xlsx"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def item_edit(request, pk: int | None = None):
    """Create (pk None) or change a lesson: body HTML (sanitised) or a file checked by content."""
    actor = _operator(request)
    item = access_item(item_id=pk) if pk else None
    initial = None
    if item is not None:
        initial = {"course": item.course, "position": item.position, "title": item.title,
                   "content_types": item.content_type_codes, "description": item.description, "body": item.body,
                   "external_id": item.external_id or ""}
    form = ItemForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = item_save(actor=actor, data=form.item_data(), item=item, file=form.cleaned_data.get("file"),
                              remove_file=form.cleaned_data.get("remove_file", False))
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for name, errors in exc.message_dict.items():
                    form.add_error(name if name in form.fields else None, errors)
            else:
                form.add_error("file" if request.FILES else None, exc.messages)
        else:
            messages.success(request, f"Урок «{saved.title}» сохранён.")
            return redirect("library:catalogue_manage")
    status = 400 if request.method == "POST" else 200
    return render(request, "library/manage_item.html", {"form": form, "item": item}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def course_create(request):
    actor = _operator(request)
    form = CourseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        course = form.save()
        audit(actor=actor, action="library.course.create", obj=course)
        messages.success(request, f"Курс «{course.title}» добавлен. Теперь добавьте его уроки.")
        return redirect("library:catalogue_item_create")
    return render(request, "library/manage_course.html", {"form": form},
                  status=400 if request.method == "POST" else 200)


@login_required
@require_http_methods(["GET", "POST"])
def import_file(request):
    """Load lessons from CSV/XLSX: every bad line by line and column; nothing stored when any is bad."""
    actor = _operator(request)
    form = ImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            form.add_error("file", f"Файл больше {MAX_BYTES // (1024 * 1024)} МБ.")
        else:
            result = catalogue_import(actor=actor, data=upload.read(), file_name=upload.name)
            if not result.errors:
                messages.success(request, f"Каталог загружен: новых уроков {result.created}, изменено "
                                          f"{result.updated}, без изменений {result.unchanged}.")
                return redirect("library:catalogue_manage")
    bad = request.method == "POST" and (result is None or bool(result.errors))
    return render(request, "library/manage_import.html", {"form": form, "result": result, "columns": COLUMNS,
                                                          "limit_mb": MAX_BYTES // (1024 * 1024)},
                  status=400 if bad else 200)


@login_required
@require_http_methods(["GET", "POST"])
def subjects(request):
    """R16: the supported list is data — take a subject off, put it back, or add a new one."""
    actor = _operator(request)
    error = None
    if request.method == "POST":
        if request.POST.get("name") is not None:
            try:
                subject = subject_add(actor=actor, name=request.POST["name"])
            except ValidationError as exc:
                error = exc.messages[0]
            else:
                messages.success(request, f"Предмет «{subject.name}» добавлен в список библиотеки.")
                return redirect("library:catalogue_subjects")
        else:
            subject = get_object_or_404(Subject, pk=request.POST.get("subject"))
            subject_set_supported(actor=actor, subject=subject, supported=request.POST.get("supported") == "1")
            messages.success(request, f"«{subject.name}»: " + ("поддерживается библиотекой." if subject.supported
                                                              else "убран из списка библиотеки."))
            return redirect("library:catalogue_subjects")
    rows = Subject.objects.order_by("-supported", "name")
    return render(request, "library/manage_subjects.html", {
        "subjects": rows, "error": error, "supported_count": rows.filter(supported=True).count(),
    }, status=400 if error else 200)


@login_required
def orders_manage(request):
    """Every school's course orders; the operator approves or rejects (with a comment) those that wait."""
    actor = _operator(request)
    status = request.GET.get("status", OrderStatus.REQUESTED)
    page = Paginator(orders_queue(actor=actor, status=status or None), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "library/orders_manage.html", {
        "page": page, "status": status, "statuses": OrderStatus.choices, "requested": OrderStatus.REQUESTED,
    })


@login_required
@require_POST
def order_decide(request, pk: int):
    actor = _operator(request)
    form = DecisionForm(request.POST)
    to = OrderStatus.APPROVED if request.POST.get("decision") == "approve" else OrderStatus.REJECTED
    try:
        form.is_valid()
        order = order_transition(actor=actor, order_id=pk, to=to, comment=form.cleaned_data.get("comment", ""))
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, f"Заказ курса «{order.course.title}» для «{order.organisation.short_name}»: "
                                  f"{order.get_status_display().lower()}.")
    return redirect("library:orders_manage")
