"""Invitation pages (R10–R11): the administrator's list, the form, an invitation with its history and
«Отправить повторно» / «Отозвать», and the invitee's page behind the link."""
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from sreda.core.permissions import Action
from sreda.core.school import acting_school
from sreda.core.text import plural
from sreda.onboarding import selectors, services
from sreda.onboarding.forms import InvitationForm, RevokeForm
from sreda.onboarding.selectors import InvitationState, local_date
from sreda.onboarding.services import InvitationRefused

PAGE_SIZE = 25
VALID_DAYS = f"{settings.INVITATION_VALID_DAYS} {plural(settings.INVITATION_VALID_DAYS, 'день', 'дня', 'дней')}"
NO_SCHOOL = ("Приглашения отправляются от имени школы. Выберите роль руководителя или администратора ОО "
             "(«Сменить роль»).")


def _school(request):
    return acting_school(request, Action.MANAGE_EMPLOYEES, no_school=NO_SCHOOL)


@login_required
def invitation_list(request):
    """The administrator sees pending, accepted, expired, replaced and revoked invitations (R10–R11)."""
    active = request.active_role
    organisation = _school(request)
    state = request.GET.get("state") if request.GET.get("state") in InvitationState.LABELS else ""
    query = request.GET.get("q", "")[:200]
    invitations = selectors.invitation_list(actor=active, organisation=organisation, state=state or None, query=query)
    page = Paginator(invitations, PAGE_SIZE).get_page(request.GET.get("page"))
    counts = selectors.invitation_counts(actor=active, organisation=organisation)
    tabs = [("", "Все", sum(counts.values()))] + [(key, label, counts[key]) for key, label in InvitationState.LABELS.items()]
    context = {
        "organisation": organisation, "page": page, "state": state, "query": query, "tabs": tabs, "counts": counts,
        "org_param": organisation.pk if active.is_platform_operator else None,
    }
    fragment = request.htmx and request.htmx.target == "results"
    template = "onboarding/_invitation_results.html" if fragment else "onboarding/invitations.html"
    return render(request, template, context)


@login_required
@require_http_methods(["GET", "POST"])
def invitation_new(request):
    active = request.active_role
    organisation = _school(request)
    form = InvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            sent = services.invitation_send(actor=active, organisation=organisation, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            invitation = sent.invitation
            messages.success(request, f"Приглашение отправлено на {invitation.email}. Ссылка действует до "
                                      f"{local_date(invitation.expires_at, organisation)}.")
            return redirect("onboarding:invitation", pk=invitation.pk)
    return render(request, "onboarding/invitation_form.html", {
        "form": form, "organisation": organisation, "valid_days": VALID_DAYS,
        "org_param": organisation.pk if active.is_platform_operator else None,
    }, status=400 if request.method == "POST" else 200)


def _detail(request, invitation, *, error: str | None = None, status: int = 200):
    active = request.active_role
    return render(request, "onboarding/invitation_detail.html", {
        "invitation": invitation,
        "organisation": invitation.organisation,
        "status_label": selectors.status_label(invitation),
        "events": [(e, selectors.EVENT_LABELS.get(e.kind, e.kind))
                   for e in selectors.invitation_events(invitation=invitation)],
        "valid_days": VALID_DAYS,
        "replaces": selectors.invitation_replaces(invitation=invitation),
        "steps": services.allowed_steps(invitation),
        "revoke_form": RevokeForm(),
        "error": error,
        "org_param": invitation.organisation_id if active.is_platform_operator else None,
    }, status=status)


@login_required
def invitation_detail(request, pk: int):
    invitation = selectors.access_invitation(actor=request.active_role, invitation_id=pk)
    return _detail(request, invitation)


@login_required
@require_POST
def invitation_resend(request, pk: int):
    """R11: a new link; the old one stops working. A second click (or a second administrator) is told the
    invitation is already replaced."""
    invitation = selectors.access_invitation(actor=request.active_role, invitation_id=pk)
    try:
        sent = services.invitation_resend(actor=request.active_role, invitation=invitation)
    except ValidationError as exc:
        return _detail(request, selectors.access_invitation(actor=request.active_role, invitation_id=pk),
                       error=" ".join(exc.messages), status=409)
    messages.success(request, f"Новая ссылка отправлена на {sent.invitation.email}; прежняя больше не действует.")
    return redirect("onboarding:invitation", pk=sent.invitation.pk)


@login_required
@require_POST
def invitation_revoke(request, pk: int):
    invitation = selectors.access_invitation(actor=request.active_role, invitation_id=pk)
    form = RevokeForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        services.invitation_revoke(actor=request.active_role, invitation=invitation, reason=reason)
    except ValidationError as exc:
        return _detail(request, selectors.access_invitation(actor=request.active_role, invitation_id=pk),
                       error=" ".join(exc.messages), status=409)
    messages.success(request, "Приглашение отозвано: ссылка больше не действует.")
    return redirect("onboarding:invitation", pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def accept(request, token: str):
    """The page behind the link. Signing in (and consenting, and choosing a role) brings the person back
    here through `?next=`. Every refusal answers with its own status and changes nothing."""
    active = request.active_role
    if request.method == "POST":
        try:
            membership = services.invitation_accept(actor=active, token=token)
        except InvitationRefused as refused:
            problem = refused.problem
        else:
            messages.success(
                request,
                f"Приглашение принято: вы — «{membership.get_role_display()}» в {membership.organisation.short_name}. "
                "Выберите эту роль, чтобы работать от имени школы.",
            )
            return redirect("choose_role")
    else:
        problem = None
    invitation = selectors.invitation_for_token(token)
    if problem is None:
        problem = selectors.acceptance_problem(actor=active, invitation=invitation)
    shown = invitation if problem is None or problem.code != "invalid" else None
    return render(request, "onboarding/accept.html", {
        "invitation": shown,
        "problem": problem,
        "role_label": shown.get_role_display() if shown else "",
        "inviter": selectors.inviter_label(shown) if shown else "",
        "expires": local_date(shown.expires_at, shown.organisation) if shown else "",
        "choose_role_url": reverse("choose_role"),
    }, status=problem.status if problem else 200)
