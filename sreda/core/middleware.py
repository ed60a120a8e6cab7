"""Request gates: the active role is resolved on every request; consent (R3) and a role choice (R1)
come before anything else opens."""
from urllib.parse import quote

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse
from django_htmx.http import HttpResponseClientRedirect

from sreda.core import active_role as ar

# Paths that open without consent or a chosen role: signing in and out, the consent page itself,
# static files, the token-authenticated API (the token carries its role), and a municipality's public
# dashboard (R35: shared by a secret link, read-only, no personal data).
OPEN_PREFIXES = ("/static/", "/api/", "/accounts/login", "/accounts/logout", "/healthz", "/stats/public/",
                 "/_matrix/app/",  # the homeserver authenticates with its hs_token (chats.appservice)
                 "/scim/")  # SCIM clients authenticate with a token of scope «scim»


def _is_open(path: str) -> bool:
    return path.startswith(OPEN_PREFIXES)


class ActiveRoleMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.active_role = None
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            key = request.session.get(ar.SESSION_KEY)
            active = ar.resolve(user, key)
            if active is None and key:
                # The membership ended or was taken away: ask again rather than act in a stale role.
                request.session.pop(ar.SESSION_KEY, None)
            request.active_role = active
        return self.get_response(request)


class ConsentRequiredMiddleware:
    """Signed-in people see only the consent page until they consent, then only the role choice
    until they choose."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        path = request.path
        if user is None or not user.is_authenticated or _is_open(path):
            return self.get_response(request)
        consent_url = reverse("consent")
        if not has_current_consent(request):
            if path != consent_url:
                return _redirect(request, consent_url)
            return self.get_response(request)
        choose_url = reverse("choose_role")
        if request.active_role is None and path not in (choose_url, consent_url):
            return _redirect(request, choose_url)
        return self.get_response(request)


def _redirect(request, url: str):
    """Send the person to `url` and back afterwards. An HTMX fragment request (a poll, a live search)
    gets a whole-page redirect, not the other page pasted into the fragment."""
    if getattr(request, "htmx", False):
        back = request.htmx.current_url_abs_path or request.get_full_path()
        return HttpResponseClientRedirect(f"{url}?next={quote(back, safe='/')}")
    return redirect(f"{url}?next={quote(request.get_full_path(), safe='/')}")


def has_current_consent(request) -> bool:
    cached = request.session.get("sreda_consent_version")
    if cached == settings.CONSENT_VERSION:
        return True
    from sreda.people.models import Consent

    given = Consent.objects.filter(user=request.user, text_version=settings.CONSENT_VERSION).exists()
    if given:
        request.session["sreda_consent_version"] = settings.CONSENT_VERSION
    return given
