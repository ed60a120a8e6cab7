"""Pages of the sync hold (issue #10, item 1): held imports of the school, the preview, approve/reject, thresholds."""
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from sreda.core.text import fold
from sreda.roster.hold import (
    held_approve,
    held_reject,
    hold_settings,
    hold_settings_update,
)
from sreda.roster.models import HeldImport, HoldStatus
from sreda.roster.views import _forbidden, _school_of

PAGE_SIZE = 50
KINDS = {"ended": "Завершаются", "moved": "Переводятся в другой класс", "created": "Добавляются"}


def _held(org, pk) -> HeldImport:
    row = HeldImport.objects.filter(pk=pk, organisation=org).select_related("created_by", "decided_by").first()
    if row is None:
        raise Http404("Удержанный импорт не найден")
    return row


@login_required
@require_GET
def held_list(request):
    try:
        org = _school_of(request)
    except PermissionDenied as exc:
        return _forbidden(request, exc)
    rows = (HeldImport.objects.filter(organisation=org).select_related("created_by", "decided_by")
            .defer("preview", "payload"))
    status = request.GET.get("status", "")
    if status in HoldStatus.values:
        rows = rows.filter(status=status)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "roster/held_list.html", {
        "org": org, "page": page, "status": status, "statuses": HoldStatus.choices, "settings": hold_settings(org)})


def _school_preview(row: HeldImport, org) -> dict:
    schools = row.preview.get("schools", [])
    return next((s for s in schools if s["organisation_id"] == org.pk), schools[0] if schools else {})


@login_required
@require_GET
def held_detail(request, pk: int):
    try:
        org = _school_of(request)
    except PermissionDenied as exc:
        return _forbidden(request, exc)
    row = _held(org, pk)
    school = _school_preview(row, org)
    kind = request.GET.get("kind") if request.GET.get("kind") in KINDS else "ended"
    q = request.GET.get("q", "").strip()
    people = school.get(kind, [])
    if q:
        people = [p for p in people if fold(q) in fold(p["name"])]
    page = Paginator(people, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "roster/held_detail.html", {
        "org": org, "row": row, "school": school, "kind": kind, "kinds": KINDS, "page": page, "q": q,
        "error": request.GET.get("error", ""), "limit": row.preview.get("limit")})


@login_required
@require_GET
def held_xlsx(request, pk: int):
    """The preview as XLSX: one row per person with what would happen to them."""
    from sreda.stats.exports import workbook

    try:
        org = _school_of(request)
    except PermissionDenied as exc:
        return _forbidden(request, exc)
    row = _held(org, pk)
    school = _school_preview(row, org)
    rows = [["завершается", p["name"], p["role"], p.get("class", ""), ""] for p in school.get("ended", [])]
    rows += [["переводится", p["name"], p["role"], p.get("from", ""), p.get("to", "")] for p in school.get("moved", [])]
    rows += [["добавляется", p["name"], p["role"], p.get("class", ""), ""] for p in school.get("created", [])]
    data = workbook("Удержанный импорт", ["Изменение", "ФИО", "Роль", "Класс", "Новый класс"], rows)
    response = HttpResponse(data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="held-import-{row.pk}.xlsx"'
    return response


@login_required
@require_POST
def held_decide(request, pk: int, decision: str):
    try:
        org = _school_of(request)
    except PermissionDenied as exc:
        return _forbidden(request, exc)
    row = _held(org, pk)
    try:
        if decision == "approve":
            result = held_approve(actor=request.active_role, held=row)
            if result.held is not None:
                return redirect("roster:held_detail", pk=result.held.pk)
            if not result.applied:
                return render(request, "roster/held_detail.html", {
                    "org": org, "row": row, "school": _school_preview(row, org), "kinds": KINDS, "kind": "ended",
                    "page": Paginator([], PAGE_SIZE).get_page(1),
                    "error": "Импорт не применён: в файле есть ошибки. " + "; ".join(
                        e["reason"] for e in result.errors[:5])}, status=400)
        else:
            held_reject(actor=request.active_role, held=row)
    except ValidationError as exc:
        return render(request, "roster/held_detail.html", {
            "org": org, "row": row, "school": _school_preview(row, org), "kinds": KINDS, "kind": "ended",
            "page": Paginator([], PAGE_SIZE).get_page(1), "error": exc.messages[0]}, status=400)
    return redirect("roster:held_detail", pk=row.pk)


@login_required
@require_POST
def held_settings(request):
    try:
        org = _school_of(request)
    except PermissionDenied as exc:
        return _forbidden(request, exc)
    try:
        hold_settings_update(actor=request.active_role, organisation=org, percent=request.POST.get("percent"),
                             people=request.POST.get("people"))
    except ValidationError as exc:
        rows = HeldImport.objects.filter(organisation=org).defer("preview", "payload")
        return render(request, "roster/held_list.html", {
            "org": org, "page": Paginator(rows, PAGE_SIZE).get_page(1), "status": "", "statuses": HoldStatus.choices,
            "settings": hold_settings(org), "error": exc.messages[0]}, status=400)
    return redirect("roster:held_list")
