"""Pages of the teacher («Слушатель», R36–R37): open groups with search and filters, applying, «Моё обучение»
with statuses, comments, history and «Отменить»; documents of an application."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from sreda.core.permissions import Action, can
from sreda.core.school import parse_int
from sreda.core.text import parse_day
from sreda.dpo import selectors, services
from sreda.dpo.exports import groups_xlsx
from sreda.dpo.models import StudyForm
from sreda.dpo.statuses import APPLICANT, Act, Status, acts_for

PAGE_SIZE = 25
NO_LISTENER = ("Программы ДПО и «Моё обучение» — для роли «Слушатель»: учителя или сотрудника школы. Нажмите "
               "«Сменить роль» рядом со своим именем вверху страницы и выберите роль в своей школе.")


def _listener(request):
    active = request.active_role
    organisation = active.organisation if active is not None else None
    if organisation is None or not can(active, Action.APPLY_DPO, organisation):
        raise PermissionDenied(NO_LISTENER)
    return active, organisation


def _group_filters(request) -> selectors.GroupFilters:
    form = request.GET.get("form", "")
    return selectors.GroupFilters(
        query=request.GET.get("q", "")[:200], program_id=parse_int(request.GET.get("program")),
        study_form=form if form in StudyForm.values else "",
        date_from=parse_day(request.GET.get("from")), date_to=parse_day(request.GET.get("to")))


@login_required
def groups(request):
    """«Программы ДПО»: open groups of the region, search and filters by program, form and dates (R36)."""
    active, organisation = _listener(request)
    filters = _group_filters(request)
    rows = selectors.open_groups(actor=active, filters=filters)
    if request.GET.get("format") == "xlsx":
        return groups_xlsx(rows, "dpo-gruppy")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    applied = selectors.applied_group_ids(actor=active, group_ids=[g.pk for g in page.object_list])
    for group in page.object_list:
        group.mine = applied.get(group.pk)
    return render(request, "dpo/groups.html", {
        "page": page, "filters": filters, "organisation": organisation,
        "programs": selectors.programs_for_filter(actor=active), "forms": StudyForm.choices,
    })


@login_required
@require_POST
def apply(request, pk: int):
    active, _ = _listener(request)
    group = selectors.access_group(actor=active, group_id=pk)
    try:
        application = services.application_apply(actor=active, group=group,
                                                 documents=request.FILES.getlist("documents"))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("dpo:groups")
    messages.success(request, f"Заявка №{application.pk} подана: статус «{application.get_status_display()}». "
                              "Её рассмотрит руководитель ОО.")
    return redirect("dpo:my")


@login_required
def my(request):
    """«Моё обучение»: each application's status, comments and history; «Отменить» while not in the group."""
    active, organisation = _listener(request)
    rows = selectors.my_applications(actor=active)
    page = Paginator(rows, 10).get_page(request.GET.get("page"))
    notices = selectors.recent_notices(actor=active)
    unread = {n.pk for n in notices if n.read_at is None}
    services.notices_mark_read(actor=active)
    items = [(a, APPLICANT in selectors.actor_kinds(active, a) and Act.CANCEL in acts_for(a.status, {APPLICANT}))
             for a in page.object_list]
    return render(request, "dpo/my.html", {"page": page, "items": items, "notices": notices, "unread": unread,
                                           "organisation": organisation})


@login_required
@require_POST
def my_cancel(request, pk: int):
    active, _ = _listener(request)
    application = selectors.access_application(actor=active, application_id=pk)
    try:
        services.application_transition(actor=active, application_id=application.pk, act=Act.CANCEL,
                                        comment=request.POST.get("comment", ""), seen_status=seen_status(request))
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.success(request, f"Заявка №{application.pk} отменена.")
    return redirect("dpo:my")


def seen_status(request) -> str | None:
    """The status the page showed when the button was pressed (a hidden field), if it is a status at all."""
    seen = request.POST.get("seen", "")
    return seen if seen in Status.values else None


@login_required
def document(request, pk: int, document_id: int):
    """A document of the application, to its applicant, its school's director and the centre only."""
    application = selectors.access_application(actor=request.active_role, application_id=pk)
    doc = application.documents.filter(pk=document_id).first()
    if doc is None:
        raise Http404("Документ не найден.")
    from sreda.core.audit import audit

    audit(actor=request.active_role, action="dpo.document.view", obj=application,
          organisation=application.organisation, details={"document": doc.pk})
    return FileResponse(doc.file.open("rb"), content_type=doc.content_type, as_attachment=False, filename=doc.name)


