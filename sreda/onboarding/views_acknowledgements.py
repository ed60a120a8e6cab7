"""Pages of acknowledgements (R23): «Ознакомление с документами» for the school's leaders (publish, who has and
who has not, ask more people, XLSX) and «Документы школы» for each employee («Ознакомлен(а)»)."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadhandler import SkipFile
from django.core.paginator import Paginator
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sreda.core.permissions import Action, require
from sreda.core.school import acting_school, org_query
from sreda.core.text import plural
from sreda.onboarding import acknowledgements as ack
from sreda.onboarding.forms_acknowledgements import AskMoreForm, DocumentForm
from sreda.onboarding.tracker import local_today
from sreda.people.documents import SizeLimitUploadHandler, display_name
from sreda.stats.exports import workbook

PAGE_SIZE = 50
NO_SCHOOL = ("Документы на ознакомление публикуются от имени школы. Выберите роль руководителя или администратора ОО "
             "(«Сменить роль»).")
NO_STAFF = "«Документы школы» видят сотрудники школы. Выберите роль сотрудника школы («Сменить роль»)."


class _SizeLimit(SizeLimitUploadHandler):
    """The verification scans' handler with this page's limit and message."""

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.limit:
            if self.request is not None:
                self.request.upload_refusals[self.field_name] = ack.too_large(display_name(self.file_name))
            raise SkipFile()
        return raw_data


def _school(request):
    return acting_school(request, Action.MANAGE_ACKNOWLEDGEMENTS, no_school=NO_SCHOOL)


def _base(request, organisation) -> dict:
    active = request.active_role
    return {"org": organisation, "org_q": org_query(active, organisation),
            "org_param": organisation.pk if active.is_platform_operator else None}


def _add_errors(form, exc: ValidationError) -> None:
    for name, errors in exc.message_dict.items():
        form.add_error(name if name in form.fields else None, errors)


@login_required
@require_GET
def documents(request):
    """The school's documents with how many acknowledged of how many asked."""
    organisation = _school(request)
    query = (request.GET.get("q") or "")[:200]
    rows = ack.documents_for(actor=request.active_role, organisation=organisation, query=query)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "onboarding/acknowledgements/documents.html",
                  {**_base(request, organisation), "page": page, "query": query})


@csrf_exempt
@login_required
@require_http_methods(["GET", "POST"])
def document_new(request):
    """Publish a document and choose whom to ask. The size limit stops an oversized file while it streams in;
    CSRF is checked by the inner view."""
    if request.method == "POST":
        request.upload_handlers.insert(0, _SizeLimit(request, limit=ack.MAX_BYTES))
    return _document_new(request)


@csrf_protect
def _document_new(request):
    active = request.active_role
    organisation = _school(request)
    staff = list(ack.school_staff(organisation))
    form = DocumentForm(request.POST or None, request.FILES or None, staff=staff)
    if request.method == "POST":
        refused = getattr(request, "upload_refusals", {}).get("file")
        if form.is_valid() and not refused:
            data = form.cleaned_data
            try:
                document = ack.document_publish(
                    actor=active, organisation=organisation, title=data["title"], instruction=data["instruction"],
                    upload=data["file"], due_date=data["due_date"], audience=data["audience"],
                    person_ids=data["people"])
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                counts = ack.document_counts(document)
                n = counts["asked"]
                messages.success(request, f"Документ опубликован. Попросили ознакомиться {n} "
                                          f"{plural(n, 'сотрудника', 'сотрудников', 'сотрудников')}.")
                return redirect(reverse("onboarding:document", args=[document.pk]) + org_query(active, organisation))
        if refused:
            form.add_error("file", refused)
    return render(request, "onboarding/acknowledgements/document_form.html",
                  {**_base(request, organisation), "form": form, "max_size": "20 МБ"},
                  status=400 if form.is_bound else 200)


def _document_context(request, document, ask_form=None) -> dict:
    state = request.GET.get("state") if request.GET.get("state") in ack.AckState.LABELS else ""
    query = (request.GET.get("q") or "")[:200]
    rows = ack.acknowledgement_rows(document=document, state=state, query=query)
    counts = ack.document_counts(document)
    tabs = [("", "Все", counts["asked"]), (ack.AckState.DONE, ack.AckState.LABELS[ack.AckState.DONE], counts["done"]),
            (ack.AckState.PENDING, ack.AckState.LABELS[ack.AckState.PENDING], counts["pending"])]
    return {
        **_base(request, document.organisation), "document": document, "counts": counts, "tabs": tabs,
        "state": state, "query": query, "page": Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page")),
        "ask_form": ask_form or AskMoreForm(staff=ack.school_staff(document.organisation)),
        "file_label": ack.CheckedFile(document.file_type, 0, "").label if document.file_path else "",
        "due_passed": document.due_date is not None and document.due_date < local_today(document.organisation),
    }


@login_required
@require_GET
def document_detail(request, pk: int):
    """Who has acknowledged and who has not, with counts, search and the form to ask more people."""
    document = ack.access_document(actor=request.active_role, document_id=pk, manage=True)
    context = _document_context(request, document)
    fragment = request.htmx and request.htmx.target == "ack-rows"
    template = "onboarding/acknowledgements/_rows.html" if fragment else "onboarding/acknowledgements/document.html"
    return render(request, template, context)


@login_required
@require_POST
def document_ask(request, pk: int):
    """Ask more employees; those already asked keep their state."""
    active = request.active_role
    document = ack.access_document(actor=active, document_id=pk, manage=True)
    form = AskMoreForm(request.POST, staff=ack.school_staff(document.organisation))
    if form.is_valid():
        try:
            added = ack.document_ask_more(actor=active, document=document, audience=form.cleaned_data["audience"],
                                          person_ids=form.cleaned_data["people"])
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, f"Добавлено сотрудников: {added}." if added
                             else "Все выбранные сотрудники уже были в списке.")
            return redirect(reverse("onboarding:document", args=[pk]) + org_query(active, document.organisation))
    return render(request, "onboarding/acknowledgements/document.html", _document_context(request, document, form),
                  status=400)


@login_required
@require_GET
def document_export(request, pk: int):
    document = ack.access_document(actor=request.active_role, document_id=pk, manage=True)
    state = request.GET.get("state") if request.GET.get("state") in ack.AckState.LABELS else ""
    rows = ack.acknowledgement_rows(document=document, state=state, query=(request.GET.get("q") or "")[:200])
    content = workbook("Ознакомление", ack.ROWS_HEAD, [ack.row_cells(r, document.organisation) for r in rows.iterator()])
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="oznakomlenie-{document.pk}.xlsx"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def document_file(request, pk: int):
    """The file, to the school's leaders and to the employees who were asked (audited); others get 404."""
    active = request.active_role
    document = ack.access_document(actor=active, document_id=pk)
    path = ack.document_file_open(actor=active, document=document)
    response = FileResponse(open(path, "rb"), content_type=document.file_type or "application/octet-stream",
                            as_attachment=True, filename=document.file_name or path.name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def my_documents(request):
    """«Документы школы»: what the school asked this employee to acknowledge."""
    active = request.active_role
    organisation = active.organisation if active is not None else None
    if organisation is None:
        raise PermissionDenied(NO_STAFF)
    require(active, Action.ACKNOWLEDGE_DOCUMENTS, organisation)
    rows = ack.my_acknowledgements(actor=active)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "onboarding/acknowledgements/my_documents.html",
                  {"org": organisation, "page": page, "pending": ack.pending_count(active),
                   "today": local_today(organisation)})


@login_required
@require_POST
def acknowledge(request, pk: int):
    """«Ознакомлен(а)» (POST with CSRF); pressing it again changes nothing."""
    active = request.active_role
    document = ack.access_document(actor=active, document_id=pk)
    row = ack.document_acknowledge(actor=active, document=document)
    messages.success(request, f"Отмечено: вы ознакомились с документом «{document.title}» "
                              f"{ack._local_time(row.acknowledged_at, document.organisation)}.")
    return redirect("onboarding:my_documents")
