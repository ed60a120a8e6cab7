"""Pages of R18: a teacher assigns a catalogue lesson to a class and sees who opened it; a student sees the
lessons assigned to their class and opens them (every opening is recorded)."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods

from sreda.core.school import parse_int
from sreda.core.text import parse_day
from sreda.library import assignments as svc
from sreda.library.models import AssignmentKind, ContentType
from sreda.library.sanitize import sanitize_html

PAGE_SIZE = 25


def _safe_url(name: str, *args) -> str | None:
    """A page of another part of the library, if that part is installed."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


@login_required
@require_http_methods(["GET", "POST"])
def assign(request, item_pk: int):
    """«Назначить классу»: one of the teacher's classes, class work or homework, a date (today or later)."""
    active = request.active_role
    item = svc.access_item(item_id=item_pk)
    access = svc.assign_access(actor=active, item=item)
    context = {"item": item, "access": access, "kinds": AssignmentKind.choices, "errors": {},
               "item_url": _safe_url("library:item", item.pk)}
    if not access.allowed:
        return render(request, "library/assign.html", context, status=403)
    organisation = active.organisation
    today = svc.school_today(organisation)
    classes = list(svc.teacher_classes(person=active.person, organisation=organisation, on=today))
    form = {"school_class": request.POST.get("school_class", str(classes[0].pk) if len(classes) == 1 else ""),
            "kind": request.POST.get("kind", AssignmentKind.CLASSWORK),
            "day": request.POST.get("day", today.strftime("%d.%m.%Y"))}
    context.update({"classes": classes, "form": form, "today": today})
    if request.method == "POST":
        try:
            assignment = svc.assignment_create(actor=active, item=item, school_class_id=form["school_class"],
                                               kind=form["kind"], day=form["day"])
        except svc.AccessRefused as refused:  # access changed between the page and the click
            context["access"] = refused.result
            return render(request, "library/assign.html", context, status=403)
        except ValidationError as exc:
            context["errors"] = {field: " ".join(msgs) for field, msgs in exc.message_dict.items()}
            return render(request, "library/assign.html", context, status=400)
        messages.success(request, f"Урок «{item.title}» назначен классу {assignment.school_class.title} "
                                  f"({assignment.get_kind_display().lower()}) на {assignment.day:%d.%m.%Y}.")
        return redirect("library:assignments")
    return render(request, "library/assign.html", context)


@login_required
def assignment_list(request):
    """The teacher's assignments: filters by class and date, how many students of the class opened each."""
    active = request.active_role
    class_id = parse_int(request.GET.get("class"))
    day_from = parse_day(request.GET.get("from")) if request.GET.get("from") else None
    day_to = parse_day(request.GET.get("to")) if request.GET.get("to") else None
    for raw, parsed in ((request.GET.get("from"), day_from), (request.GET.get("to"), day_to)):
        if raw and parsed is None:
            messages.warning(request, f"Дата «{raw[:20]}» не распознана: укажите ДД.ММ.ГГГГ. Фильтр не применён.")
    rows = svc.teacher_assignments(actor=active, class_id=class_id, day_from=day_from, day_to=day_to)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    classes = list(svc.teacher_classes(person=active.person, organisation=active.organisation)) if active.person else []
    return render(request, "library/assignments.html", {
        "page": page, "classes": classes, "class_id": class_id,
        "day_from": request.GET.get("from", ""), "day_to": request.GET.get("to", ""),
    })


@login_required
def assignment_detail(request, pk: int):
    """Who of the class opened the lesson and when: first and last opening, how many times."""
    active = request.active_role
    assignment = svc.access_assignment(actor=active, assignment_id=pk)
    openings = svc.assignment_openings(assignment=assignment)
    return render(request, "library/assignments_detail.html", {
        "assignment": assignment, "openings": openings,
        "opened": sum(1 for o in openings if o.count), "total": len(openings),
    })


@login_required
def my_assignments(request):
    """«Мои задания»: the lessons assigned to the student's own class, newest date first, new or opened."""
    active = request.active_role
    page = Paginator(svc.student_assignments(actor=active), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "library/my_assignments.html", {"page": page})


@login_required
def open_assignment(request, pk: int):
    """The student opens an assigned lesson: the opening is recorded, then the lesson is shown."""
    active = request.active_role
    assignment = svc.access_student_assignment(actor=active, assignment_id=pk)
    svc.assignment_open(actor=active, assignment=assignment)
    item = assignment.item
    return render(request, "library/assignment_open.html", {
        "assignment": assignment, "item": item,
        # The body is sanitised by the catalogue on every save (helper C's allowlist); it is cleaned again here
        # so that nothing stored before a change of the allowlist reaches a student's browser.
        "body_html": mark_safe(sanitize_html(item.body)) if item.body else "",  # noqa: S308 — sanitiser output
        "types": _type_labels(item),
        "file_url": _safe_url("library:item_file", item.pk) if item.file_path else None,
    })


def _type_labels(item) -> list[str]:
    """R17's content types of the lesson, by their Russian names."""
    labels = dict(ContentType.choices)
    return [labels.get(code, code) for code in item.content_type_codes]
