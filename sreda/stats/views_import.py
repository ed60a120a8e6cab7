"""Pages of the statistics import (R35): upload a platform's A–Y export, see what happened to every line,
and the list of earlier imports."""
from datetime import date

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from sreda.core.permissions import DENIED_MESSAGE, Action, can
from sreda.stats.imports import COLUMNS, access_stats_import, stats_imports_for, stats_upload, upload_limit

PAGE_SIZE = 20


def _forbidden(request):
    return render(request, "stats/import_forbidden.html", {"reason": DENIED_MESSAGE[Action.IMPORT_STATS]},
                  status=403)


def _context(request, **extra):
    page = Paginator(stats_imports_for(actor=request.active_role), PAGE_SIZE).get_page(request.GET.get("page"))
    return {"page": page, "columns": COLUMNS, "limit_mb": upload_limit() // (1024 * 1024), **extra}


@login_required
@require_http_methods(["GET", "POST"])
def import_upload(request):
    active = request.active_role
    if not can(active, Action.IMPORT_STATS):
        return _forbidden(request)
    error = None
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            error = "Выберите файл выгрузки статистики: .xlsx или .csv."
        else:
            try:
                result = stats_upload(actor=active, upload=upload)
            except ValidationError as exc:
                error = exc.messages[0]
            except PermissionDenied:
                return _forbidden(request)
            else:
                return redirect("stats:import_detail", pk=result.stats_import.pk)
    return render(request, "stats/import.html", _context(request, error=error), status=400 if error else 200)


@login_required
@require_GET
def import_detail(request, pk: int):
    active = request.active_role
    if not can(active, Action.IMPORT_STATS):
        return _forbidden(request)
    row = access_stats_import(actor=active, import_id=pk)
    result = row.result or {}
    return render(request, "stats/import_detail.html", {
        "row": row, "unmatched": result.get("unmatched", []), "errors": result.get("errors", []),
        "dates": [date.fromisoformat(d) for d in result.get("dates", [])],
    })
