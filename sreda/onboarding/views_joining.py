"""Join pages (R20, R22): «Моя школа» for the private person (find a school, send a request, «Мои заявки»)
and the school's queue «Заявки на вступление» with the roster match field by field."""
from __future__ import annotations

from io import BytesIO

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from sreda.core.permissions import Action, can, require
from sreda.core.school import acting_school, org_query, parse_int
from sreda.onboarding import joining
from sreda.onboarding.forms_joining import JoinForm, RejectForm
from sreda.onboarding.joining_match import FIELDS, MatchKind, candidates_for
from sreda.onboarding.models import JoinRole, JoinStatus
from sreda.orgs.models import Organisation
from sreda.orgs.selectors import organisation_search
from sreda.people.models import Person

PAGE_SIZE = 25
NO_SCHOOL = ("Заявки на вступление рассматривает школа: выберите роль администратора или руководителя ОО "
             "(«Сменить роль»).")


# --- the requester -----------------------------------------------------------------------------------------

@login_required
def join(request):
    """«Моя школа»: the person's requests with status and reason, and the search for a school (R5, R20)."""
    active = request.active_role
    require(active, Action.JOIN_SCHOOL)
    query = request.GET.get("q", "")[:200].strip()
    schools = None
    if query:
        schools = Paginator(organisation_search(actor=active, query=query), 10).get_page(request.GET.get("spage"))
    mine = Paginator(joining.own_requests(actor=active), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "onboarding/joining/join.html", {"query": query, "schools": schools, "page": mine})


def _join_form(request, organisation, data=None):
    active = request.active_role
    person = active.person
    initial = {}
    if person is not None:
        initial = {"surname": person.surname, "name": person.name, "patronymic": person.patronymic,
                   "birth_date": person.birth_date}
    children = Person.objects.filter(pk__in=[c.pk for c in joining.my_children(actor=active)]).order_by("sort_key")
    return JoinForm(data, initial=initial, classes=joining.school_classes(organisation), children=children)


@login_required
@require_http_methods(["GET", "POST"])
def join_new(request, org_id: int):
    """R20: role and the exact class; R22: a parent chooses the child and sends two linked requests."""
    active = request.active_role
    require(active, Action.JOIN_SCHOOL)
    organisation = Organisation.objects.filter(pk=org_id, is_active=True).select_related("municipality").first()
    if organisation is None:
        messages.error(request, "Школа не найдена: найдите её по названию или ИНН ещё раз.")
        return redirect("onboarding:join")
    form = _join_form(request, organisation, request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if data["role"] == JoinRole.PARENT:
                joining.join_request_send_for_child(actor=active, organisation=organisation,
                                                    school_class=data["school_class"], child=data["child"])
                text = ("Отправлены две заявки: прикрепить законного представителя и зарегистрировать и прикрепить "
                        "обучающегося. Школа рассмотрит каждую.")
            else:
                joining.join_request_send(actor=active, organisation=organisation, role=data["role"],
                                          school_class=data["school_class"], surname=data["surname"],
                                          name=data["name"], patronymic=data["patronymic"],
                                          birth_date=data["birth_date"])
                text = f"Заявка отправлена в {organisation.short_name}. Её состояние — в «Мои заявки»."
        except ValidationError as exc:
            _errors_to_form(form, exc)
        else:
            messages.success(request, text)
            return redirect("onboarding:join")
    children = joining.my_children(actor=active)
    return render(request, "onboarding/joining/join_form.html", {
        "form": form, "organisation": organisation,
        "children": [(c, joining.child_problems(actor=active, child=c)) for c in children],
    }, status=400 if form.is_bound and form.errors else 200)


def _errors_to_form(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


@login_required
@require_POST
def join_cancel(request, pk: int):
    req = joining.access_join_request(actor=request.active_role, request_id=pk)
    try:
        joining.join_request_cancel(actor=request.active_role, request=req)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Заявка № {pk} отозвана.")
    return redirect("onboarding:join")


# --- the school's queue --------------------------------------------------------------------------------------

def _school(request):
    return acting_school(request, Action.REVIEW_JOIN_REQUESTS, no_school=NO_SCHOOL)


def _filters(request) -> dict:
    get = request.GET
    status = get.get("status", JoinStatus.PENDING)
    return {
        "status": status if status in JoinStatus.values else "",
        "class_id": parse_int(get.get("class")),
        "role": get.get("role") if get.get("role") in JoinRole.values else "",
        "query": get.get("q", "")[:200],
        "match": get.get("match") if get.get("match") in MatchKind.LABELS else "",
    }


def _queue(request, organisation):
    f = _filters(request)
    return joining.join_queue(actor=request.active_role, organisation=organisation, status=f["status"] or None,
                              class_id=f["class_id"], role=f["role"] or None, query=f["query"],
                              match=f["match"] or None), f


@login_required
def join_requests(request):
    """The administrator's queue: number, ФИО, role, class, date, status, and the roster match per field."""
    active = request.active_role
    organisation = _school(request)
    qs, f = _queue(request, organisation)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    matches = joining.matches_for(page.object_list)
    rows = [(req, matches[req.pk]) for req in page.object_list]
    context = {
        "organisation": organisation, "page": page, "rows": rows, "f": f, "fields": FIELDS,
        "statuses": JoinStatus.choices, "roles": JoinRole.choices, "match_labels": MatchKind.LABELS.items(),
        "classes": joining.school_classes(organisation), "counts": joining.queue_counts(actor=active, organisation=organisation),
        "org_param": organisation.pk if active.is_platform_operator else None,
        "org_q": org_query(active, organisation),
    }
    fragment = request.htmx and request.htmx.target == "results"
    return render(request, "onboarding/joining/_queue_results.html" if fragment else "onboarding/joining/queue.html",
                  context)


@login_required
def join_requests_export(request):
    """The queue with its filters as XLSX (all rows, not only the page)."""
    from openpyxl import Workbook

    organisation = _school(request)
    qs, _ = _queue(request, organisation)
    rows = list(qs)
    matches = joining.matches_for(rows)
    book = Workbook()
    sheet = book.active
    sheet.title = "Заявки"
    head = ["№", "ФИО", "Дата рождения", "Роль", "Вид заявки", "Класс", "Подана", "Статус", "Совпадение",
            "ФИО в контингенте", "Дата рождения в контингенте", "Причина отказа"]
    sheet.append(head)
    for req in rows:
        m = matches[req.pk]
        sheet.append([req.pk, req.full_name, req.birth_date.strftime("%d.%m.%Y") if req.birth_date else "",
                      req.get_role_display(), req.get_kind_display(), req.school_class.title if req.school_class else "",
                      req.created_at.strftime("%d.%m.%Y %H:%M"), req.get_status_display(), m.label,
                      m.entry.full_name if m.entry else "",
                      m.entry.birth_date.strftime("%d.%m.%Y") if m.entry and m.entry.birth_date else "",
                      req.reject_reason])
    out = BytesIO()
    book.save(out)
    response = HttpResponse(out.getvalue(),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = 'attachment; filename="join-requests.xlsx"'
    return response


def _detail(request, req, *, error: str = "", status: int = 200, reject_form=None):
    active = request.active_role
    reviewer = can(active, Action.REVIEW_JOIN_REQUESTS, req.organisation)
    match = joining.matches_for([req])[req.pk]
    candidates = candidates_for(req) if reviewer and req.status == JoinStatus.PENDING else []
    return render(request, "onboarding/joining/request.html", {
        "req": req, "match": match, "candidates": candidates, "reviewer": reviewer,
        "partner": joining.partner_of(req),
        "blocked": joining.approval_blocked(req) if reviewer and req.status == JoinStatus.PENDING else "",
        "events": [(e, joining.EVENT_LABELS.get(e.kind, e.kind)) for e in joining.request_events(request=req)],
        "reject_form": reject_form or RejectForm(), "error": error,
        "org_param": req.organisation_id if active.is_platform_operator else None,
        "org_q": org_query(active, req.organisation),
    }, status=status)


@login_required
def join_request(request, pk: int):
    return _detail(request, joining.access_join_request(actor=request.active_role, request_id=pk))


@login_required
@require_POST
def join_request_approve(request, pk: int):
    active = request.active_role
    req = joining.access_join_request(actor=active, request_id=pk)
    try:
        decided = joining.join_request_approve(actor=active, request=req,
                                               roster_person_id=parse_int(request.POST.get("roster_person")))
    except ValidationError as exc:
        return _detail(request, joining.access_join_request(actor=active, request_id=pk),
                       error=" ".join(exc.messages), status=409)
    messages.success(request, f"Заявка № {pk} одобрена: {decided.linked}.")
    return redirect(reverse("onboarding:join_request", args=[pk]) + org_query(active, req.organisation))


@login_required
@require_POST
def join_request_reject(request, pk: int):
    active = request.active_role
    req = joining.access_join_request(actor=active, request_id=pk)
    form = RejectForm(request.POST)
    if not form.is_valid():
        return _detail(request, req, reject_form=form, status=400,
                       error="Заявка не отклонена: укажите причину отказа — заявитель увидит её.")
    try:
        joining.join_request_reject(actor=active, request=req, reason=form.cleaned_data["reason"])
    except ValidationError as exc:
        return _detail(request, joining.access_join_request(actor=active, request_id=pk),
                       error=" ".join(exc.messages), status=409)
    messages.success(request, f"Заявка № {pk} отклонена. Заявитель увидит причину в «Мои заявки».")
    return redirect(reverse("onboarding:join_request", args=[pk]) + org_query(active, req.organisation))


@login_required
@require_POST
def join_requests_approve_matching(request):
    active = request.active_role
    organisation = _school(request)
    result = joining.join_requests_approve_matching(actor=active, organisation=organisation)
    messages.success(request, result.message)
    return redirect(reverse("onboarding:join_requests") + org_query(active, organisation))
