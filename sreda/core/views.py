"""The pages everyone meets: sign-in, consent (R3), the role choice (R1, R2), the home page."""
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from sreda.core import active_role as ar
from sreda.core.attention import attention_items
from sreda.core.forms import ConsentForm, LoginForm
from sreda.core.permissions import OVERSIGHT, Action, can, organisations_in_scope, role_key
from sreda.orgs.selectors import class_list, organisation_search
from sreda.people.models import Consent
from sreda.people.selectors import membership_counts, role_explanations
from sreda.people.services import active_role_choose, consent_give


def healthz(request):
    return HttpResponse("ok", content_type="text/plain")


class LoginView(auth_views.LoginView):
    template_name = "core/login.html"
    authentication_form = LoginForm


def safe_next(request, default: str = "home") -> str:
    """The `next` address if it is a local one, else `default` (never an open redirect)."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                   require_https=request.is_secure()):
        return target
    return reverse(default)


@login_required
@require_http_methods(["GET", "POST"])
def consent(request):
    """R3: the consent text; nothing else opens until it is accepted."""
    given = Consent.objects.filter(user=request.user, text_version=settings.CONSENT_VERSION).first()
    form = ConsentForm(request.POST or None)
    if request.method == "POST" and given is None:
        if form.is_valid():
            consent_give(user=request.user, ip_address=request.META.get("REMOTE_ADDR"))
            messages.success(request, "Спасибо, согласие сохранено.")
            return redirect(safe_next(request))
    return render(request, "core/consent.html", {
        "form": form, "given": given, "version": settings.CONSENT_VERSION,
        "next": request.POST.get("next") or request.GET.get("next", ""),
    })


@login_required
@require_http_methods(["GET", "POST"])
def choose_role(request):
    """R1: as whom to act now; R2: why a role may be missing."""
    error = None
    if request.method == "POST":
        try:
            chosen = active_role_choose(user=request.user, key=request.POST.get("key", ""), session=request.session)
        except ValidationError as exc:
            error = exc.messages[0]
        else:
            messages.success(request, f"Вы действуете как: {chosen.label}.")
            return redirect(safe_next(request))
    person = getattr(request.user, "person", None)
    return render(request, "core/choose_role.html", {
        "choices": ar.role_choices(request.user),
        "current_key": request.active_role.key if request.active_role else None,
        "explanations": role_explanations(person=person),
        "has_person": person is not None,
        "error": error,
        "next": request.POST.get("next") or request.GET.get("next", ""),
    }, status=400 if error else 200)


@login_required
def home(request):
    """A short dashboard for the active role."""
    active = request.active_role
    context = {"kind": "private", "attention": attention_items(active)}
    organisation = active.organisation if active else None
    if organisation is not None and can(active, Action.VIEW_ROSTER, organisation):
        context.update(
            kind="school",
            organisation=organisation,
            class_count=class_list(actor=active, organisation=organisation).count(),
            people_counts=membership_counts(actor=active, organisation=organisation),
            can_import=can(active, Action.IMPORT_ROSTER, organisation),
        )
    elif organisation is not None:
        context.update(kind="member", organisation=organisation, membership=active.membership)
    elif role_key(active) in OVERSIGHT:
        scope = organisations_in_scope(active)
        context.update(
            kind="oversight",
            organisation_count=scope.count(),
            scope_name=active.membership.scope_name if active.membership else "вся платформа",
            can_manage=can(active, Action.MANAGE_ORGANISATIONS),
        )
    else:
        context["organisation_total"] = organisation_search(actor=active).count()
    return render(request, "core/home.html", context)
