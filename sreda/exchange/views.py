"""Pages of the exchange journal (issue #10, item 3): «Журнал обмена» of a school with a run's errors and
warnings, «Состояние обмена» of the schools in a district or region; XLSX of both."""
from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from sreda.core.permissions import DENIED_MESSAGE, Action, can
from sreda.core.school import acting_school, parse_int
from sreda.exchange import exports
from sreda.exchange.models import LinkKind, RunKind, RunStatus
from sreda.exchange.selectors import access_run, health_rows, health_schools, runs_for
from sreda.exchange.text import place_text

PAGE_SIZE = 25
LINK_PAGES = {
    LinkKind.ROSTER_IMPORT: "roster:detail", LinkKind.HELD_IMPORT: "roster:held_detail",
    LinkKind.CHAT_TASK: "chats:task", LinkKind.SCHEDULE_IMPORT: "library:schedule_import_detail",
    LinkKind.SCHEDULE_PUBLICATION: "library:publication",
}


def _journal_school(request):
    """The school whose journal is shown: the active role's own, or — for the district, the region and the
    platform operator — the one named by `?org=` within their scope (else None: they start at the district page)."""
    active = request.active_role
    if not can(active, Action.VIEW_EXCHANGE_HEALTH, getattr(active, "organisation", None)):
        raise PermissionDenied(DENIED_MESSAGE[Action.VIEW_EXCHANGE_HEALTH])
    if active.organisation is None and parse_int(request.GET.get("org")) is None:
        return None
    return acting_school(request, Action.VIEW_EXCHANGE_HEALTH, no_school=DENIED_MESSAGE[Action.VIEW_EXCHANGE_HEALTH],
                         oversight=True)


def _journal_filters(request) -> dict:
    kind, status = request.GET.get("kind") or "", request.GET.get("status") or ""
    return {"kind": kind if kind in RunKind.values else "", "status": status if status in RunStatus.values else ""}


@login_required
@require_GET
def runs_page(request):
    """«Журнал обмена»: the school's last runs, by kind and outcome, newest first."""
    organisation = _journal_school(request)
    if organisation is None:
        return redirect("exchange:health")
    filters = _journal_filters(request)
    runs = runs_for(actor=request.active_role, organisation=organisation, **filters)
    page = Paginator(runs, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"org": organisation, "page": page, "filters": filters, "kinds": RunKind.choices,
               "statuses": RunStatus.choices, "org_param": organisation.pk if request.active_role.organisation is None else None}
    template = "exchange/_runs_results.html" if request.htmx else "exchange/runs.html"
    return render(request, template, context)


@login_required
@require_GET
def runs_xlsx(request):
    organisation = _journal_school(request)
    if organisation is None:
        return redirect("exchange:health")
    runs = runs_for(actor=request.active_role, organisation=organisation, **_journal_filters(request))
    return exports.runs_xlsx(runs, file_stem=f"zhurnal-obmena-{organisation.inn}")


@login_required
@require_GET
def run_page(request, pk: int):
    """One run: when, what came of it, each rejected record (errors) and each optional value dropped (warnings)."""
    active = request.active_role
    run = access_run(actor=active, run_id=pk)
    if run is None:
        raise Http404("Запуск обмена не найден.")
    own_school = active.organisation is not None and active.organisation.pk == run.organisation_id
    link_url = reverse(LINK_PAGES[run.link_kind], args=[run.link_id]) if own_school and run.link_kind else None
    back = reverse("exchange:runs") + ("" if own_school else f"?org={run.organisation_id}")
    return render(request, "exchange/run.html", {
        "run": run, "org": run.organisation, "link_url": link_url, "back": back,
        "errors": [{**e, "place": place_text(e)} for e in run.errors],
        "warnings": [{**w, "place": place_text(w)} for w in run.warnings]})


def _health_filters(request) -> dict:
    return {"problems_only": request.GET.get("problems") == "1", "query": (request.GET.get("q") or "").strip()[:100]}


@login_required
@require_GET
def health_page(request):
    """«Состояние обмена»: a row per school in scope, schools with problems first."""
    active = request.active_role
    if not can(active, Action.VIEW_EXCHANGE_HEALTH):
        raise PermissionDenied(DENIED_MESSAGE[Action.VIEW_EXCHANGE_HEALTH])
    filters = _health_filters(request)
    page = Paginator(health_schools(actor=active, **filters), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "rows": health_rows(page.object_list), "filters": filters, "kinds": RunKind.choices}
    template = "exchange/_health_results.html" if request.htmx else "exchange/health.html"
    return render(request, template, context)


@login_required
@require_GET
def health_xlsx(request):
    active = request.active_role
    if not can(active, Action.VIEW_EXCHANGE_HEALTH):
        raise PermissionDenied(DENIED_MESSAGE[Action.VIEW_EXCHANGE_HEALTH])
    schools = health_schools(actor=active, **_health_filters(request))
    return exports.health_xlsx(schools, file_stem="sostoyanie-obmena")
