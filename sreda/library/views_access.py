"""Pages of library access (R15): the library's entrance for everyone, and the school's access report.

The entrance evaluates `library_access_for` on every request («каждое обновление делает новый запрос»): a
refusal lists every failing condition with who fixes it; an admitted teacher gets the library's sections and
a LibraryVisit for the day (R19 «вошли»)."""
from __future__ import annotations

from zoneinfo import ZoneInfo

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from sreda.access.models import AccessGroup
from sreda.access.selectors import UB_TSOK_GROUP_CODE
from sreda.core.permissions import Action, can
from sreda.core.school import acting_school, org_query
from sreda.library.access import (
    ACCOUNT_NOT_CONFIRMED,
    NO_LESSONS_IN_SCHEDULE,
    NOT_A_TEACHER,
    NOT_IN_ACCESS_GROUP,
    library_access_for,
)
from sreda.library.access_report import CONDITIONS, XLSX_CONTENT_TYPE, access_report, filter_rows, report_filename, report_xlsx
from sreda.library.models import LibraryVisit
from sreda.people.confirmation import region_zone
from sreda.people.roles import Role

PAGE_SIZE = 50
NO_SCHOOL = "Отчёт о доступе к библиотеке относится к школе: выберите роль руководителя или администратора ОО."
NO_SCHOOL_OPERATOR = "Укажите школу в адресе: /library/access/?org=<идентификатор организации>."


def url_or_none(name: str, *args, query: str = "") -> str | None:
    """The address of a page, or None while the part that serves it is not installed."""
    try:
        return reverse(name, args=args) + query
    except NoReverseMatch:
        return None


def _local_day(organisation):
    return timezone.localtime(timezone.now(), ZoneInfo(region_zone(organisation))).date()


def record_visit(*, person, organisation) -> None:
    """R19 «вошёл в библиотеку»: one row per person, school and local day; repeats and races insert nothing."""
    LibraryVisit.objects.bulk_create(
        [LibraryVisit(person=person, organisation=organisation, day=_local_day(organisation))], ignore_conflicts=True)


@login_required
@require_GET
def library_home(request):
    """The library's entrance: sections when R15 holds, every reason when it does not; students see their
    assigned lessons."""
    active = request.active_role
    person = request.user.person
    organisation = active.organisation if active is not None else None
    context = {"organisation": organisation}
    if active is not None and active.role == Role.STUDENT:
        context["student"] = True
        context["my_assignments"] = url_or_none("library:my_assignments")
        return render(request, "library/home.html", context)
    result = library_access_for(person, active)
    context["result"] = result
    if result.allowed:
        record_visit(person=person, organisation=result.organisation)
        context["sections"] = [
            (label, url) for label, url in (
                ("Каталог", url_or_none("library:catalogue")),
                ("Избранное", url_or_none("library:favourites")),
                ("Заказ", url_or_none("library:orders")),
                ("Назначенные уроки", url_or_none("library:assignments")),
            ) if url
        ]
    if organisation is not None and can(active, Action.VIEW_LIBRARY_ACCESS, organisation):
        context["report_url"] = url_or_none("library:access_report")
    return render(request, "library/home.html", context)


def _fix_links(request, organisation) -> dict[str, str]:
    """Where each ✗ is fixed, for the roles that can fix it (the operator's links carry ?org=)."""
    active = request.active_role
    query = org_query(active, organisation)
    links: dict[str, str | None] = {}
    if can(active, Action.CONFIRM_MEMBERS, organisation):
        links[ACCOUNT_NOT_CONFIRMED] = url_or_none("people:confirmation", query=query)
    if can(active, Action.MANAGE_ACCESS_GROUPS, organisation):
        group = AccessGroup.objects.filter(code=UB_TSOK_GROUP_CODE).values_list("pk", flat=True).first()
        links[NOT_IN_ACCESS_GROUP] = (url_or_none("access:group_add", group, query=query) if group
                                      else url_or_none("access:groups", query=query))
    if can(active, Action.MANAGE_EMPLOYEES, organisation):
        links[NOT_A_TEACHER] = url_or_none("people:employees", query=query)
    if can(active, Action.MANAGE_SCHEDULE, organisation):
        links[NO_LESSONS_IN_SCHEDULE] = url_or_none("library:schedule", query=query)
    return {code: url for code, url in links.items() if url}


def _report(request):
    operator = request.active_role is not None and request.active_role.is_platform_operator
    organisation = acting_school(request, Action.VIEW_LIBRARY_ACCESS,
                                 no_school=NO_SCHOOL_OPERATOR if operator else NO_SCHOOL)
    rows = access_report(organisation)
    query = request.GET.get("q", "")[:200]
    refused_only = request.GET.get("refused") == "1"
    return organisation, rows, filter_rows(rows, query=query, refused_only=refused_only), query, refused_only


@login_required
@require_GET
def access_report_page(request):
    """«Доступ к библиотеке»: every teacher of the school × conditions 1–5 of R15, with where each ✗ is fixed."""
    organisation, rows, shown, query, refused_only = _report(request)
    page = Paginator(shown, PAGE_SIZE).get_page(request.GET.get("page"))
    links = _fix_links(request, organisation)
    page_rows = [{"row": row, "checks": [{"check": c, "fix_url": links.get(c.code)} for c in row.checks]}
                 for row in page.object_list]
    is_operator = request.active_role.is_platform_operator
    context = {
        "organisation": organisation, "page": page, "page_rows": page_rows, "conditions": CONDITIONS,
        "query": query, "refused_only": refused_only, "total": len(rows),
        "refused_count": sum(1 for row in rows if not row.allowed),
        "org_query": org_query(request.active_role, organisation), "is_operator": is_operator,
    }
    return render(request, "library/access_report.html", context)  # htmx picks #results out of it (hx-select)


@login_required
@require_GET
def access_report_xlsx(request):
    """The same report as XLSX, with the page's filters."""
    organisation, _rows, shown, _q, _r = _report(request)
    response = HttpResponse(report_xlsx(shown), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{report_filename(organisation)}"'
    return response
