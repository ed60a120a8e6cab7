"""Pages of the director («Заявки», R38) and of the regional centre (the queue of «Подтверждена руководителем
ОО», R37): search, filters, bulk approve, XLSX, and the card with «Сведения о заявке», «Комментарии» and
«История действий»."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from sreda.core.active_role import membership_choices
from sreda.core.permissions import DENIED_MESSAGE, Action, can
from sreda.core.school import parse_int
from sreda.core.text import parse_day, plural
from sreda.dpo import selectors, services
from sreda.dpo.exports import applications_xlsx
from sreda.dpo.views import seen_status
from sreda.dpo.statuses import CENTRE, DIRECTOR, Act, Status, acts_for
from sreda.people.roles import Role

PAGE_SIZE = 25
TABS = {"details": "Сведения о заявке", "comments": "Комментарии", "history": "История действий"}
ACT_BUTTONS = {Act.APPROVE: "Одобрить", Act.CANCEL: "Отменить", Act.INCLUDE: "Включить в группу"}
DONE_MESSAGES = {Act.APPROVE: "одобрена: статус «Подтверждена руководителем ОО»",
                 Act.CANCEL: "отменена: статус «Отменена»", Act.INCLUDE: "— статус «Включен в группу»"}


def _filters(request, *, default_status: str = "") -> selectors.ApplicationFilters:
    status = request.GET.get("status", default_status)
    return selectors.ApplicationFilters(
        query=request.GET.get("q", "")[:200], status=status if status in Status.values else "",
        program_id=parse_int(request.GET.get("program")), date_from=parse_day(request.GET.get("from")),
        date_to=parse_day(request.GET.get("to")), organisation_id=parse_int(request.GET.get("school")))


def _switch_role_page(request):
    """R1/R38 and the seed's note: approving needs the role «Руководитель ОО»; say how to switch to it."""
    has_director_role = membership_choices(request.user).filter(role=Role.DIRECTOR).exists()
    return render(request, "dpo/switch_role.html", {"has_director_role": has_director_role}, status=403)


@login_required
def applications(request):
    """«Заявки» of the director's school: № заявки, заявитель, программа, статус, действие (R38)."""
    active = request.active_role
    organisation = active.organisation if active is not None else None
    if organisation is None or not can(active, Action.APPROVE_DPO, organisation):
        return _switch_role_page(request)
    filters = _filters(request)
    rows = selectors.director_applications(actor=active, organisation=organisation, filters=filters)
    if request.GET.get("format") == "xlsx":
        return applications_xlsx(rows, "dpo-zayavki")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "dpo/applications.html", {
        "page": page, "filters": filters, "statuses": Status.choices, "organisation": organisation,
        "programs": selectors.programs_for_filter(actor=active), "new": Status.NEW,
    })


@login_required
@require_POST
def bulk_approve(request):
    active = request.active_role
    organisation = active.organisation if active is not None else None
    if organisation is None or not can(active, Action.APPROVE_DPO, organisation):
        return _switch_role_page(request)
    ids = [i for i in (parse_int(v) for v in request.POST.getlist("ids")) if i]
    if not ids:
        messages.error(request, "Отметьте заявки, которые нужно одобрить.")
        return redirect(reverse("dpo:applications") + _back_query(request))
    result = services.applications_bulk_approve(actor=active, application_ids=ids,
                                                comment=request.POST.get("comment", ""))
    if result.done:
        n = len(result.done)
        messages.success(request, f"{plural(n, 'Одобрена', 'Одобрены', 'Одобрено')} {n} "
                                  f"{plural(n, 'заявка', 'заявки', 'заявок')}.")
    for _pk, reason in result.refused:
        messages.error(request, reason)
    return redirect(reverse("dpo:applications") + _back_query(request))


def _back_query(request) -> str:
    back = request.POST.get("back", "")
    return f"?{back}" if back and "\n" not in back else ""


@login_required
def centre(request):
    """«Центр ДПО»: applications of the region's schools; by default those waiting to be included (R37)."""
    active = request.active_role
    if not can(active, Action.MANAGE_DPO):
        raise PermissionDenied(DENIED_MESSAGE[Action.MANAGE_DPO])
    filters = _filters(request, default_status=Status.APPROVED)
    rows = selectors.centre_applications(actor=active, filters=filters)
    if request.GET.get("format") == "xlsx":
        return applications_xlsx(rows, "dpo-centr")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "dpo/centre.html", {
        "page": page, "filters": filters, "statuses": Status.choices,
        "programs": selectors.programs_for_filter(actor=active), "approved": Status.APPROVED,
        "schools": selectors.centre_schools(actor=active),
    })


@login_required
def card(request, pk: int):
    """«Заявка №…» with its status, the actions the active role may take, and three tabs (R38)."""
    active = request.active_role
    application = selectors.access_application(actor=active, application_id=pk)
    return _card(request, application)


def _card(request, application, *, error: str = "", status: int = 200):
    active = request.active_role
    kinds = selectors.actor_kinds(active, application) & {DIRECTOR, CENTRE}
    if not kinds:  # the applicant reads their application on «Моё обучение»
        return redirect("dpo:my")
    tab = request.GET.get("tab") if request.GET.get("tab") in TABS else "details"
    comments = list(selectors.application_comments(application=application))
    context = {
        "application": application, "group": application.group, "program": application.group.program,
        "person": application.applicant, "membership": application.membership, "tab": tab,
        "tabs": [(key, label, len(comments) if key == "comments" else None) for key, label in TABS.items()],
        "comments": comments, "error": error,
        "events": selectors.application_events(application=application) if tab == "history" else [],
        "documents": application.documents.all() if tab == "details" else [],
        "acts": [(act, ACT_BUTTONS[act]) for act in acts_for(application.status, kinds)],
        "back": reverse("dpo:centre") if CENTRE in kinds and DIRECTOR not in kinds else reverse("dpo:applications"),
        "can_view_pd": can(active, Action.VIEW_PERSONAL_DATA, application.organisation),
    }
    return render(request, "dpo/card.html", context, status=status)


@login_required
@require_POST
def card_act(request, pk: int, act: str):
    """«Одобрить» / «Отменить» / «Включить в группу» with an optional comment (visible to the applicant)."""
    active = request.active_role
    application = selectors.access_application(actor=active, application_id=pk)
    if act not in Act.values:
        return _card(request, application, error="Неизвестное действие.", status=400)
    try:
        services.application_transition(actor=active, application_id=pk, act=act,
                                        comment=request.POST.get("comment", ""), seen_status=seen_status(request))
    except (ValidationError, PermissionDenied) as exc:
        application = selectors.access_application(actor=active, application_id=pk)
        return _card(request, application, error=" ".join(getattr(exc, "messages", [str(exc)])), status=409)
    messages.success(request, f"Заявка №{pk} {DONE_MESSAGES[act]}.")
    if request.POST.get("next") == "centre":
        return redirect(reverse("dpo:centre") + _back_query(request))
    return redirect("dpo:card", pk=pk)


@login_required
@require_POST
def card_comment(request, pk: int):
    active = request.active_role
    application = selectors.access_application(actor=active, application_id=pk)
    try:
        services.comment_add(actor=active, application=application, text=request.POST.get("text", ""))
    except (ValidationError, PermissionDenied) as exc:
        return _card(request, application, error=" ".join(getattr(exc, "messages", [str(exc)])), status=400)
    messages.success(request, "Комментарий добавлен: заявитель увидит его в «Моё обучение».")
    return redirect(reverse("dpo:card", args=[pk]) + "?tab=comments")
