"""Teacher-facing pages of the catalogue (R17): «Каталог» (search and filters), a lesson, its file,
«Избранное», «Заказ». Every catalogue request re-checks library access (R15) — nothing is cached; the
operator browses freely. Ordering a course is for the school's staff (ORDER_COURSES), not gated by R15."""
from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.urls import NoReverseMatch, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_POST

from sreda.core.permissions import Action, can
from sreda.core.school import parse_int
from sreda.core.text import plural
from sreda.library import uploads
from sreda.library.access import library_access_for
from sreda.library.catalogue import (
    GRADES, CatalogueFilters, access_item, catalogue_search, supported_subjects, type_labels,
)
from sreda.library.models import Assignment, ContentType, Course, OrderStatus
from sreda.library.orders import (
    favourite_ids, favourite_toggle, favourites_of, order_create, order_transition, orders_for,
)
from sreda.library.sanitize import sanitize_html
from sreda.people.roles import Role

PAGE_SIZE = 20
REASONS_TEMPLATE = "library/_reasons.html"  # helper B's include: «У вас нет доступа к платформе» + reasons
FALLBACK_REASONS_TEMPLATE = "library/catalogue_reasons.html"


def reasons_template() -> str:
    try:
        get_template(REASONS_TEMPLATE)
        return REASONS_TEMPLATE
    except TemplateDoesNotExist:
        return FALLBACK_REASONS_TEMPLATE


def guarded_url(name: str, *args) -> str | None:
    """A link to a page another part builds; None while it does not exist."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def is_operator(request) -> bool:
    return can(request.active_role, Action.MANAGE_CATALOGUE)


def access_check(request, course=None):
    """R15 for this request: None when the library is open to the active role, else the AccessResult."""
    if is_operator(request):
        return None
    person = getattr(request.user, "person", None)
    result = library_access_for(person, request.active_role, course=course)
    if not result.allowed:
        return result
    if result.organisation is not None:
        _record_visit(person=person, organisation=result.organisation)
    return None


def _record_visit(*, person, organisation) -> None:
    """R19 «вошёл в библиотеку» also when a teacher comes straight to the catalogue (the access part's
    `record_visit`: one row per person, school and local day)."""
    try:
        from sreda.library.views_access import record_visit
    except ImportError:  # the access part not there yet
        return
    record_visit(person=person, organisation=organisation)


def refused(request, access, *, title: str = "Каталог"):
    return render(request, "library/catalogue_refused.html",
                  {"access": access, "reasons_template": reasons_template(), "title": title}, status=403)


def _tabs(current: str) -> list[tuple[str, str, bool]]:
    tabs = [("Каталог", "library:catalogue"), ("Избранное", "library:favourites"), ("Заказ", "library:orders")]
    return [(label, reverse(name), name == current) for label, name in tabs]


def _decorate(items, person) -> list:
    saved = favourite_ids(person=person, item_ids=[i.pk for i in items])
    for item in items:
        item.type_labels = type_labels(item.content_types)
        item.is_favourite = item.pk in saved
    return items


def found_label(n: int) -> str:
    """«Найден 1 урок», «Найдено 3 урока», «Найдено 25 уроков»."""
    return f"{plural(n, 'Найден', 'Найдено', 'Найдено')} {n} {plural(n, 'урок', 'урока', 'уроков')}"


@login_required
@require_GET
def catalogue(request):
    """R17 «Каталог»: search by title, filters by class, subject, lesson number and content types."""
    access = access_check(request)
    if access is not None:
        return refused(request, access)
    filters = CatalogueFilters.from_query(request.GET)
    page = Paginator(catalogue_search(filters=filters), PAGE_SIZE).get_page(request.GET.get("page"))
    _decorate(page.object_list, getattr(request.user, "person", None))
    context = {
        "tabs": _tabs("library:catalogue"), "filters": filters, "page": page, "grades": GRADES,
        "subjects": supported_subjects(), "content_types": ContentType.choices, "hx_target": "#catalogue-results",
        "found": found_label(page.paginator.count),
    }
    template = "library/catalogue_results.html" if request.htmx and not request.htmx.boosted else "library/catalogue.html"
    return render(request, template, context)


def _student_has_assignment(request, item) -> bool:
    """A student of a class this lesson was assigned to (R18) may open it and its file."""
    active = request.active_role
    membership = active.membership if active is not None else None
    if membership is None or membership.role != Role.STUDENT or not membership.school_class_id:
        return False
    return Assignment.objects.filter(item=item, school_class_id=membership.school_class_id).exists()


@login_required
@require_GET
def item(request, pk: int):
    """One lesson: its course, class, subject, types, description and sanitised body or its file."""
    lesson = access_item(item_id=pk, supported_only=not is_operator(request))
    student = _student_has_assignment(request, lesson)
    if not student:
        access = access_check(request, course=lesson.course)
        if access is not None:
            return refused(request, access, title=lesson.title)
    person = getattr(request.user, "person", None)
    _decorate([lesson], person)
    active = request.active_role
    organisation = active.organisation if active is not None else None
    return render(request, "library/item.html", {
        "item": lesson, "tabs": _tabs("library:catalogue"),
        # Sanitised on save already; sanitised again here so that nothing stored before a rule change leaks.
        "body_html": mark_safe(sanitize_html(lesson.body)),  # noqa: S308 — output of the allowlist sanitiser
        "file_label": uploads.type_label(lesson.file_type) if lesson.file_path else "",
        "assign_url": guarded_url("library:assign", lesson.pk) if can(active, Action.ASSIGN_LESSONS) else None,
        "may_order": organisation is not None and can(active, Action.ORDER_COURSES, organisation),
        "is_student": student,
    })


@login_required
@require_GET
def item_file(request, pk: int):
    """The lesson's file, as an attachment, never sniffed: to a teacher with access (R15, condition 6 for its
    course), the operator, or a student whose class was assigned this lesson (R18)."""
    lesson = access_item(item_id=pk, supported_only=not is_operator(request))
    if not _student_has_assignment(request, lesson) and access_check(request, course=lesson.course) is not None:
        raise Http404("Файл не найден.")
    path = uploads.stored_path(lesson.file_path)
    if path is None:
        raise Http404("Файл не найден.")
    response = FileResponse(open(path, "rb"), content_type=lesson.file_type or "application/octet-stream",
                            as_attachment=True, filename=lesson.file_name or f"урок.{path.suffix.lstrip('.')}")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def favourite(request, pk: int):
    """«В избранное» / «Убрать из избранного» (POST; an htmx request gets the button back)."""
    lesson = access_item(item_id=pk, supported_only=True)
    access = access_check(request, course=lesson.course)
    person = getattr(request.user, "person", None)
    if access is not None or person is None:
        return refused(request, access or library_access_for(person, request.active_role), title=lesson.title)
    lesson.is_favourite = favourite_toggle(person=person, item=lesson)
    if request.htmx:
        return render(request, "library/item_favourite.html", {"item": lesson})
    messages.success(request, "Урок добавлен в избранное." if lesson.is_favourite else "Урок убран из избранного.")
    target = request.POST.get("next") or ""
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("library:item", args=[lesson.pk])
    return redirect(target)


@login_required
@require_GET
def favourites(request):
    """R17 «Избранное»: the person's saved lessons, newest first."""
    access = access_check(request)
    if access is not None:
        return refused(request, access, title="Избранное")
    person = getattr(request.user, "person", None)
    rows = favourites_of(person=person) if person is not None else []
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    _decorate([f.item for f in page.object_list], person)
    return render(request, "library/favourites.html", {"tabs": _tabs("library:favourites"), "page": page})


# --- «Заказ» -------------------------------------------------------------------------------------------------

NO_SCHOOL = "Заказывать курсы для школы могут руководитель, администратор и учителя ОО. Смените роль."


def _ordering_school(request):
    active = request.active_role
    organisation = active.organisation if active is not None else None
    if organisation is None or not can(active, Action.ORDER_COURSES, organisation):
        raise PermissionDenied(NO_SCHOOL)
    return organisation


@login_required
def orders(request):
    """R17 «Заказ»: the school's course orders with their statuses, and a form to order one more."""
    if is_operator(request):
        return redirect("library:orders_manage")
    organisation = _ordering_school(request)
    error = None
    if request.method == "POST":
        course = Course.objects.filter(pk=parse_int(request.POST.get("course")), subject__supported=True).first()
        if course is None:
            error = "Выберите курс из каталога."
        else:
            try:
                order_create(actor=request.active_role, organisation=organisation, course=course,
                             comment=request.POST.get("comment", ""))
            except ValidationError as exc:
                error = exc.messages[0]
            else:
                messages.success(request, f"Заявка на курс «{course.title}» отправлена оператору платформы.")
                return redirect("library:orders")
    filters = CatalogueFilters.from_query(request.GET)
    courses = Course.objects.filter(subject__supported=True).select_related("subject")
    if filters.grade:
        courses = courses.filter(grade=filters.grade)
    if filters.subject_id:
        courses = courses.filter(subject_id=filters.subject_id)
    page = Paginator(orders_for(actor=request.active_role, organisation=organisation), PAGE_SIZE).get_page(
        request.GET.get("page"))
    person = getattr(request.user, "person", None)
    return render(request, "library/orders.html", {
        "tabs": _tabs("library:orders"), "organisation": organisation, "page": page, "error": error,
        "courses": courses[:300], "filters": filters, "grades": GRADES, "subjects": supported_subjects(),
        "chosen_course": parse_int(request.GET.get("course")), "person_id": person.pk if person else None,
        "requested": OrderStatus.REQUESTED,
    }, status=400 if error else 200)


@login_required
@require_POST
def order_cancel(request, pk: int):
    """The person who sent a request withdraws it while it waits."""
    _ordering_school(request)
    try:
        order = order_transition(actor=request.active_role, order_id=pk, to=OrderStatus.CANCELLED)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, f"Заявка на курс «{order.course.title}» отменена.")
    return redirect("library:orders")
