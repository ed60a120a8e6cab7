"""Pages of access groups (R13), as on Госуслуги: «Группы доступа» with the advanced search, the group
card, «Посмотреть сотрудников в группе» and «Присоединить нового сотрудника».

The school is the active role's organisation; the platform operator names one with `?org=<id>` or
`?inn=<ИНН>` (on the group card).
"""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from sreda.access import selectors, services
from sreda.access.forms import GroupSearchForm, SelectionForm
from sreda.core.identifiers import digits
from sreda.core.permissions import Action, require
from sreda.core.school import org_query
from sreda.orgs.models import Organisation

GROUPS_PAGE_SIZE = 25
PEOPLE_PAGE_SIZE = 50
ORGANISATION_NOT_FOUND = "Организация не найдена."


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _school(request) -> Organisation | None:
    """The school whose employees the page shows: the active role's; for the platform operator, the one
    named in the address (`org` id or `inn`), or none yet."""
    active = request.active_role
    if active is None or not active.is_platform_operator:
        return active.organisation if active is not None else None
    params = request.GET  # forms post back to their own address, so it carries `org` on POST too
    if params.get("inn"):
        organisation = Organisation.objects.filter(inn=digits(params["inn"])).first()
    elif params.get("org"):
        organisation = Organisation.objects.filter(pk=_int(params["org"])).first()
    else:
        return None
    if organisation is None:
        raise Http404(ORGANISATION_NOT_FOUND)
    return organisation


def _context(request, group, organisation) -> dict:
    """What every group page shows: the group, the school, and the `?org=` the operator's links carry."""
    operator = request.active_role.is_platform_operator
    return {
        "group": group, "organisation": organisation, "is_operator": operator,
        "org_query": org_query(request.active_role, organisation),
    }


@login_required
def group_list(request):
    """«Группы доступа»: the advanced search (Организация, Система, Группа доступа) and the results."""
    active = request.active_role
    organisation = _school(request)
    require(active, Action.MANAGE_ACCESS_GROUPS, organisation)
    form = GroupSearchForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    groups = selectors.group_search(
        actor=active, owner=filters.get("organisation", ""), system=filters.get("system", ""),
        group=filters.get("group", ""), organisation=organisation,
    )
    page = Paginator(groups, GROUPS_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {**_context(request, None, organisation), "form": form, "page": page,
               "suggestions": selectors.search_suggestions() if not request.htmx else {}}
    return render(request, "access/_group_results.html" if request.htmx else "access/groups.html", context)


@login_required
def group_detail(request, pk: int):
    """The group card: owner, system, description, and the two actions of Госуслуги."""
    active = request.active_role
    organisation = _school(request)
    require(active, Action.MANAGE_ACCESS_GROUPS, organisation)
    group = selectors.access_group(actor=active, group_id=pk, organisation=organisation)
    return render(request, "access/group.html", _context(request, group, organisation))


def _school_or_card(request, pk: int):
    """The school for the member pages, or a redirect to the group card where the operator names one."""
    organisation = _school(request)
    require(request.active_role, Action.MANAGE_ACCESS_GROUPS, organisation)
    if organisation is None:
        messages.info(request, "Укажите организацию (ИНН), сотрудников которой показать.")
        return None, redirect("access:group", pk=pk)
    return organisation, None


def _selection_page(request, *, group, organisation, people, template: str, partial: str,
                    error: str | None = None, selected=()):
    page = Paginator(people, PEOPLE_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {**_context(request, group, organisation), "page": page, "error": error,
               "selected": set(selected), "query": request.GET.get("q", "")[:200]}
    if request.htmx and request.method == "GET":
        return render(request, partial, context)
    return render(request, template, context, status=400 if error else 200)


@login_required
@require_http_methods(["GET", "POST"])
def group_members(request, pk: int):
    """«Посмотреть сотрудников в группе»: this school's employees in the group; «Исключить из группы»."""
    active = request.active_role
    organisation, back = _school_or_card(request, pk)
    if back:
        return back
    group = selectors.access_group(actor=active, group_id=pk, organisation=organisation)
    error, selected = None, []
    if request.method == "POST":
        form = SelectionForm(request.POST)
        try:
            if not form.is_valid():
                raise ValidationError(form.errors["person"])
            selected = form.cleaned_data["person"]
            removed = services.group_members_remove(actor=active, group=group, person_ids=selected,
                                                    organisation=organisation)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            if removed:
                messages.success(request, f"Исключено из группы «{group.name}» сотрудников: {removed}.")
            else:
                messages.info(request, "Выбранные сотрудники уже исключены из группы.")
            return redirect(request.get_full_path())
    query = request.GET.get("q", "")[:200]
    members = selectors.group_members(actor=active, group=group, organisation=organisation, query=query)
    return _selection_page(request, group=group, organisation=organisation, people=members,
                           template="access/members.html", partial="access/_member_results.html",
                           error=error, selected=selected)


@login_required
@require_http_methods(["GET", "POST"])
def group_add(request, pk: int):
    """«Присоединить нового сотрудника»: the school's employees not yet in the group; several at once."""
    active = request.active_role
    organisation, back = _school_or_card(request, pk)
    if back:
        return back
    group = selectors.access_group(actor=active, group_id=pk, organisation=organisation)
    # The search lives in the address (the form posts back to it), so «Добавить всех найденных» adds
    # exactly the people the page found.
    candidates = selectors.employees_not_in_group(actor=active, group=group, organisation=organisation,
                                                  query=request.GET.get("q", "")[:200])
    error, selected = None, []
    if request.method == "POST":
        form = SelectionForm(request.POST)
        try:
            if not form.is_valid():
                raise ValidationError(form.errors["person"])
            if form.cleaned_data["all"]:
                selected = list(candidates.prefetch_related(None).values_list("pk", flat=True)[:services.MAX_SELECTION + 1])
            else:
                selected = form.cleaned_data["person"]
            added = services.group_members_add(actor=active, group=group, person_ids=selected,
                                               organisation=organisation)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            if added:
                messages.success(request, f"Добавлено в группу «{group.name}» сотрудников: {added}.")
            else:
                messages.info(request, "Выбранные сотрудники уже состоят в группе.")
            members_url = reverse("access:group_members", args=[group.pk])
            return redirect(members_url + _context(request, group, organisation)["org_query"])
    return _selection_page(request, group=group, organisation=organisation, people=candidates,
                           template="access/add.html", partial="access/_add_results.html",
                           error=error, selected=selected)
