"""Reads of API tokens, scoped by the active role."""
from __future__ import annotations

from django.db.models import Q, QuerySet

from sreda.api.models import ApiToken
from sreda.core.active_role import ActiveRole
from sreda.core.permissions import Action, can, require
from sreda.orgs.models import Organisation


def token_list(*, actor: ActiveRole, organisation: Organisation) -> QuerySet[ApiToken]:
    """Tokens acting in an organisation (its own role tokens and its people's), newest first."""
    require(actor, Action.MANAGE_TOKENS, organisation)
    return (
        ApiToken.objects.filter(Q(organisation=organisation) | Q(membership__organisation=organisation))
        .select_related("membership__person", "membership__organisation", "organisation", "created_by")
        .order_by("-created_at", "-id")
    )


def token_by_prefix(*, actor: ActiveRole, prefix: str) -> ApiToken | None:
    """The token whose secret starts with `prefix`, if the active role manages tokens of its scope; None
    both when there is none and when it is someone else's (no existence leaks)."""
    token = (
        ApiToken.objects.select_related("membership__organisation__municipality", "organisation__municipality")
        .filter(prefix=prefix.strip())
        .first()
    )
    if token is None:
        return None
    scope_org = token.scope_organisation
    if scope_org is None and not actor.is_platform_operator:
        return None
    return token if can(actor, Action.MANAGE_TOKENS, scope_org) else None
