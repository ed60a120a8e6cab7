"""Pages of director verification (R6–R8): the director's page, the operator's queue and request, the
document. Input is parsed here; every rule is in `verification.py`."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sreda.core.permissions import UNCONFIRMED_DIRECTOR, Action, require
from sreda.orgs.selectors import municipality_list
from sreda.people import verification as v
from sreda.people.documents import SizeLimitUploadHandler
from sreda.people.forms_verification import QueueFilterForm, RejectForm, VerificationForm
from sreda.people.models import VerificationStatus

PAGE_SIZE = 25


@csrf_exempt
@login_required
@require_http_methods(["GET", "POST"])
def director_verification(request):
    """R6–R8: the director's status, history and — when there is nothing under review — the form.

    The size limit is put in front of Django's upload handlers before the body is read, so an oversized
    scan is dropped while it streams in; CSRF is then checked by the inner view as usual."""
    if request.method == "POST":
        request.upload_handlers.insert(0, SizeLimitUploadHandler(request))
    return _director_verification(request)


@csrf_protect
def _director_verification(request):
    active = request.active_role
    state = v.director_state(actor=active)
    form = VerificationForm(request.POST or None, request.FILES or None, regions=state.regions)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            refused = getattr(request, "upload_refusals", {}).get("document")
            if refused:
                form.add_error("document", refused)
            else:
                try:
                    v.verification_submit(
                        actor=active, method=form.cleaned_data["method"], region=form.cleaned_data["region"],
                        consent=form.cleaned_data["consent"], document=form.cleaned_data["document"],
                        passport=form.passport(),
                    )
                except ValidationError as exc:
                    form.add_error(None, exc)
                else:
                    messages.success(request, "Заявка отправлена оператору региона. Срок рассмотрения указан ниже.")
                    return redirect("people:verification")
        status = 400
    return render(request, "people/verification_director.html", {
        "state": state, "form": form, "why": UNCONFIRMED_DIRECTOR, "expected_wait": v.EXPECTED_WAIT,
        "scan_methods": sorted(v.SCAN_METHODS),
    }, status=status)


@login_required
@require_POST
def verification_withdraw(request, pk: int):
    active = request.active_role
    verification = v.access_verification(actor=active, verification_id=pk)
    try:
        v.verification_withdraw(actor=active, verification=verification)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.success(request, "Заявка отозвана. Вы можете отправить новую.")
    return redirect("people:verification")


@login_required
@require_GET
def verification_queue(request):
    """R7: the operator's queue: due dates, the overdue highlighted, filters, search, counts."""
    active = request.active_role
    require(active, Action.REVIEW_VERIFICATIONS)
    data = request.GET.copy()
    data.setdefault("status", VerificationStatus.SUBMITTED)
    form = QueueFilterForm(data, municipalities=municipality_list(actor=active), statuses=v.QUEUE_STATUSES)
    filters = form.cleaned_data if form.is_valid() else {"status": VerificationStatus.SUBMITTED}
    municipality = filters.get("municipality")
    rows = v.verification_queue(
        actor=active, status=filters.get("status") or None, municipality_id=municipality.pk if municipality else None,
        overdue=bool(filters.get("overdue")), query=filters.get("q", ""),
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"form": form, "page": page, "counts": v.verification_counts(actor=active),
               "show_region": active.is_platform_operator}
    template = "people/_verification_queue_results.html" if request.htmx else "people/verification_queue.html"
    return render(request, template, context)


def _detail_context(request, verification, reject_form=None) -> dict:
    active = request.active_role
    return {
        "verification": verification,
        "events": v.verification_history(verifications=[verification.pk]),
        "passport": v.verification_passport_view(actor=active, verification=verification),
        "can_decide": verification.status == VerificationStatus.SUBMITTED,
        "reject_form": reject_form or RejectForm(),
    }


@login_required
@require_GET
def verification_detail(request, pk: int):
    """R7: one request for the operator: the document link, the passport data (display audited), history."""
    verification = v.access_verification(actor=request.active_role, verification_id=pk, reviewer_only=True)
    return render(request, "people/verification_detail.html", _detail_context(request, verification))


@login_required
@require_POST
def verification_approve(request, pk: int):
    active = request.active_role
    verification = v.access_verification(actor=active, verification_id=pk, reviewer_only=True)
    try:
        v.verification_approve(actor=active, verification=verification)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Руководитель {verification.membership.person.full_name} подтверждён. "
                                  "Ему отправлено уведомление.")
    return redirect("people:verification_detail", pk=pk)


@login_required
@require_POST
def verification_reject(request, pk: int):
    active = request.active_role
    verification = v.access_verification(actor=active, verification_id=pk, reviewer_only=True)
    form = RejectForm(request.POST)
    if form.is_valid():
        try:
            v.verification_reject(actor=active, verification=verification, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                form.add_error(None, exc)
            else:
                messages.error(request, " ".join(exc.messages))
                return redirect("people:verification_detail", pk=pk)
        else:
            messages.success(request, "Заявка отклонена. Руководитель увидит причину и получит уведомление.")
            return redirect("people:verification_detail", pk=pk)
    return render(request, "people/verification_detail.html", _detail_context(request, verification, form), status=400)


@never_cache
@login_required
@require_GET
def verification_document(request, pk: int):
    """The scan, inline, to the reviewing operator or the owner (audited); anyone else gets 404."""
    active = request.active_role
    verification = v.access_verification(actor=active, verification_id=pk)
    return document_response(v.verification_document_open(actor=active, verification=verification))


def document_response(opened: v.OpenedDocument) -> FileResponse:
    """The checked content type, inline, never sniffed, never cached by a shared proxy."""
    response = FileResponse(opened.file, content_type=opened.content_type, as_attachment=False,
                            filename=opened.name or "document")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
