"""Pages: the director confirms teachers and students and sends the report (R8, R9); the regional
operator sees every school's reports and who owes one."""
from __future__ import annotations

import csv
import zoneinfo
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from sreda.core.permissions import DENIED_MESSAGE, UNCONFIRMED_DIRECTOR, Action, can, require
from sreda.orgs.selectors import municipality_list
from sreda.people import confirmation as conf
from sreda.people.models import Confirmation, DirectorVerification, VerificationStatus

PAGE_SIZE = 50
REPORTS_PAGE_SIZE = 50
DECISIONS_PAGE_SIZE = 100
RECENT_REPORTS = 10


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _verification_url() -> str | None:
    try:
        return reverse("people:verification")
    except NoReverseMatch:  # the verification pages are not installed
        return None


def _school_of_director(request):
    """The active role's school, if the role is a director there; a 403 with the reason otherwise."""
    active = request.active_role
    organisation = active.organisation if active is not None else None
    if organisation is None or not can(active, Action.CONFIRM_MEMBERS, organisation):
        raise PermissionDenied(DENIED_MESSAGE[Action.CONFIRM_MEMBERS])
    return organisation


def _unconfirmed(request, organisation):
    """R8: the table is absent; the page says why and what to do, with the state of the request."""
    verification = (DirectorVerification.objects.filter(membership=request.active_role.membership)
                    .order_by("-submitted_at", "-pk").first())
    return render(request, "people/confirmation_unconfirmed.html", {
        "organisation": organisation, "reason": UNCONFIRMED_DIRECTOR, "verification": verification,
        "statuses": VerificationStatus, "verification_url": _verification_url(),
    })


@login_required
@require_GET
def confirmation(request):
    """The confirmed director's table of teachers and students; the banner while a report is owed."""
    organisation = _school_of_director(request)
    active = request.active_role
    if not conf.may_confirm(active, organisation):
        return _unconfirmed(request, organisation)
    member_filter = conf.MemberFilter.from_params(request.GET)
    page = Paginator(conf.member_table(actor=active, organisation=organisation, member_filter=member_filter),
                     PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "organisation": organisation, "page": page, "filter": member_filter,
        "filter_params": member_filter.as_params(), "statuses": Confirmation.choices, "groups": conf.Group.CHOICES,
        "zone": conf.region_zone(organisation),
    }
    if request.htmx:
        return render(request, "people/confirmation_members_results.html", context)
    counts = conf.member_status_counts(actor=active, organisation=organisation, group=member_filter.group)
    context.update(
        classes=list(conf.school_classes(organisation=organisation)),
        status_counts=[(value, label, counts.get(value, 0)) for value, label in conf.STATUS_PLURAL.items()],
        owed=conf.report_owed(actor=active, organisation=organisation),
        reports=conf.report_list(actor=active, organisation=organisation)[:RECENT_REPORTS],
    )
    return render(request, "people/confirmation_members.html", context)


@login_required
@require_POST
def confirmation_decide(request):
    """«Подтвердить» / «Отклонить» the ticked rows, or every row of the filter («выбрать все N»)."""
    organisation = _school_of_director(request)
    member_filter = conf.MemberFilter.from_params(request.POST)
    back = member_filter.as_params()
    if _int(request.POST.get("page")):
        back["page"] = request.POST["page"]
    raw_ids = request.POST.getlist("membership_ids")
    try:
        if request.POST.get("scope") == "filter":
            result = conf.members_decide(actor=request.active_role, organisation=organisation,
                                         decision=request.POST.get("decision", ""), member_filter=member_filter,
                                         expected_count=_int(request.POST.get("expected_count")))
        else:
            if any(not value.isdigit() for value in raw_ids):
                raise ValidationError("Неверный номер строки в запросе. Обновите страницу и повторите.")
            result = conf.members_decide(actor=request.active_role, organisation=organisation,
                                         decision=request.POST.get("decision", ""),
                                         membership_ids=[int(value) for value in raw_ids])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, result.message)
    url = reverse("people:confirmation")
    return redirect(f"{url}?{urlencode(back)}" if back else url)


@login_required
@require_POST
def confirmation_report_send(request):
    """«Отправить отчет»: the decisions since the last report go to the regional operator."""
    organisation = _school_of_director(request)
    try:
        report = conf.report_send(actor=request.active_role, organisation=organisation)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Отчёт отправлен оператору региона: подтверждено {report.confirmed_count}, "
                                  f"отклонено {report.rejected_count}.")
    return redirect("people:confirmation")


# --- the regional operator ------------------------------------------------------------------------------

def _overview_filters(request) -> dict:
    municipalities = list(municipality_list(actor=request.active_role))
    municipality_id = _int(request.GET.get("municipality"))
    owes = request.GET.get("owes", "")
    return {
        "query": (request.GET.get("q") or "").strip()[:200],
        "owes": owes if owes in dict(conf.Owes.CHOICES) else "",
        "municipality_id": municipality_id if any(m.pk == municipality_id for m in municipalities) else None,
        "municipalities": municipalities,
    }


@login_required
@require_GET
def confirmation_reports(request):
    """Every school of the region: its last report, whether it owes one, since when; filter and search."""
    active = request.active_role
    require(active, Action.VIEW_CONFIRMATION_REPORTS)
    filters = _overview_filters(request)
    schools = conf.school_overview(actor=active, query=filters["query"], owes=filters["owes"],
                                   municipality_id=filters["municipality_id"])
    page = Paginator(schools, REPORTS_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {**filters, "page": page, "owes_choices": conf.Owes.CHOICES,
               "csv_query": urlencode({k: v for k, v in request.GET.items() if k != "page"})}
    if request.htmx:
        return render(request, "people/confirmation_reports_results.html", context)
    context["owing"] = conf.school_overview(actor=active, owes=conf.Owes.YES).count()
    return render(request, "people/confirmation_reports.html", context)


CSV_COLUMNS = ["Организация", "ИНН", "Муниципалитет", "Регион", "Отчёт нужен", "Решений без отчёта",
               "Самое раннее решение без отчёта", "Последний отчёт"]


@login_required
@require_GET
def confirmation_reports_csv(request):
    """The overview as CSV (UTF-8 with BOM, «;» — what Excel opens), with the page's filters."""
    active = request.active_role
    require(active, Action.VIEW_CONFIRMATION_REPORTS)
    filters = _overview_filters(request)
    schools = conf.school_overview(actor=active, query=filters["query"], owes=filters["owes"],
                                   municipality_id=filters["municipality_id"])
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate().strftime("%Y-%m-%d")
    response["Content-Disposition"] = f'attachment; filename="confirmation-reports-{stamp}.csv"'
    response.write("\ufeff")
    writer = csv.writer(response, delimiter=";")
    writer.writerow(CSV_COLUMNS)
    for school in schools.iterator(chunk_size=2000):
        zone = zoneinfo.ZoneInfo(conf.region_zone(school))
        writer.writerow([
            school.short_name, school.inn, school.municipality.name, school.municipality.region.name,
            "да" if school.unreported_count else "нет", school.unreported_count,
            school.unreported_since.astimezone(zone).strftime("%d.%m.%Y %H:%M") if school.unreported_since else "",
            school.last_report_at.astimezone(zone).strftime("%d.%m.%Y %H:%M") if school.last_report_at else "",
        ])
    return response


@login_required
@require_GET
def confirmation_school(request, pk: int):
    """One school's reports, newest first, and what it owes now."""
    active = request.active_role
    organisation = conf.access_school(actor=active, organisation_id=pk)
    page = Paginator(conf.report_list(actor=active, organisation=organisation),
                     REPORTS_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "people/confirmation_school.html", {
        "organisation": organisation, "page": page, "zone": conf.region_zone(organisation),
        "owed": conf.report_owed(actor=active, organisation=organisation),
        "is_operator": can(active, Action.VIEW_CONFIRMATION_REPORTS, organisation),
    })


@login_required
@require_GET
def confirmation_report(request, pk: int):
    """A report: who was confirmed and who was rejected, when and by whom."""
    active = request.active_role
    report = conf.access_report(actor=active, report_id=pk)
    decision = request.GET.get("decision", "")
    decision = decision if decision in conf.DECISIONS else ""
    page = Paginator(conf.report_decisions(report=report, decision=decision),
                     DECISIONS_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "people/confirmation_report.html", {
        "report": report, "organisation": report.organisation, "page": page, "decision": decision,
        "zone": conf.region_zone(report.organisation),
        "is_operator": can(active, Action.VIEW_CONFIRMATION_REPORTS, report.organisation),
        "decisions": [(Confirmation.CONFIRMED, "Подтверждённые"), (Confirmation.REJECTED, "Отклонённые")],
    })
