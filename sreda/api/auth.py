"""Bearer-token authentication: the token's role becomes the request's active role (R1, R29)."""
from __future__ import annotations

import hashlib
import secrets
import string
from datetime import timedelta

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils import timezone
from ninja.errors import AuthenticationError
from ninja.security import HttpBearer

from sreda.api.models import PREFIX_LENGTH, SCOPES, ApiToken
from sreda.core.active_role import ActiveRole
from sreda.people.models import Membership

SECRET_LENGTH = 40
_ALPHABET = string.ascii_letters + string.digits
# Writing last_used_at on every request would turn every read into a write; once a minute is enough
# to tell a live integration from a dead one.
LAST_USED_RESOLUTION = timedelta(minutes=1)

UNKNOWN_TOKEN = "Токен не найден или отозван. Выпустите новый токен."
NO_TOKEN = "Нужен API-токен: передайте заголовок «Authorization: Bearer <токен>»."
ROLE_ENDED = "Роль, от имени которой выпущен токен, больше не действует. Выпустите новый токен."


def new_secret() -> str:
    """A random secret of letters and digits (about 238 bits); never starts with «-», so it is safe in a shell."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(SECRET_LENGTH))


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def prefix_of(secret: str) -> str:
    return secret[:PREFIX_LENGTH]


def token_active_role(token: ApiToken) -> ActiveRole:
    """The active role a token acts in. A role without a person is an unsaved Membership: it is never
    written, it only carries the role and the scope to the permission checks."""
    if token.membership_id:
        membership = token.membership
        user = getattr(membership.person, "user", None)
    else:
        membership = Membership(role=token.role, organisation=token.organisation,
                                municipality=token.municipality, region=token.region)
        user = None
    return ActiveRole(user=user, key=f"token:{token.pk}", membership=membership)


def find_token(secret: str) -> ApiToken | None:
    """The live token with this secret, its role and scope loaded: one query for a role token, two for a
    token of a person's membership. Kept to few joins and no ORDER BY on purpose: this runs on every API
    request, and compiling a query of a dozen joins cost more than the rest of a small request."""
    if not secret or len(secret) > 200:
        return None
    found = list(
        ApiToken.objects.filter(key_hash=hash_secret(secret), revoked_at__isnull=True)
        .select_related("organisation__municipality__region", "municipality__region", "region")
        .order_by()[:1]
    )
    if not found:
        return None
    token = found[0]
    if token.membership_id:
        token.membership = (
            Membership.objects.select_related(
                "person__user", "organisation__municipality__region", "municipality__region", "region",
                "school_class")
            .order_by().get(pk=token.membership_id)
        )
    return token


def touch(token: ApiToken) -> None:
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now


class TokenAuth(HttpBearer):
    """`Authorization: Bearer <token>`; an unknown, revoked or orphaned token is a 401 with a reason."""

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken:
        api_token = find_token(token.strip())
        if api_token is None:
            raise AuthenticationError(message=UNKNOWN_TOKEN)
        if api_token.membership_id and not api_token.membership.is_active:
            raise AuthenticationError(message=ROLE_ENDED)
        touch(api_token)
        request.api_token = api_token
        request.active_role = token_active_role(api_token)
        return api_token


def api_actor(request: HttpRequest, scope: str) -> ActiveRole:
    """The active role of an authenticated API request, if its token carries `scope`; 403 otherwise."""
    token: ApiToken = request.auth
    if scope not in token.scopes:
        raise PermissionDenied(f"Токену не выдана область «{scope}» ({SCOPES.get(scope, scope)}).")
    return request.active_role
