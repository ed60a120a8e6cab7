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


def tokens_in_scope(*, actor: ActiveRole, query: str = "") -> QuerySet[ApiToken]:
    """The tokens the active role manages (R29): its school's; a district's own and its schools'; all for the
    platform operator. Searched by name or the token's first characters."""
    qs = ApiToken.objects.select_related(
        "membership__person", "membership__organisation", "organisation", "municipality", "region", "created_by")
    if actor.is_platform_operator:
        pass
    elif actor.municipality_id and can(actor, Action.MANAGE_TOKENS):
        m = actor.municipality_id
        qs = qs.filter(Q(municipality_id=m) | Q(organisation__municipality_id=m)
                       | Q(membership__organisation__municipality_id=m))
    elif actor.organisation is not None and can(actor, Action.MANAGE_TOKENS, actor.organisation):
        qs = qs.filter(Q(organisation=actor.organisation) | Q(membership__organisation=actor.organisation))
    else:
        return qs.none()
    query = (query or "").strip()
    if query:
        qs = qs.filter(Q(name__icontains=query) | Q(prefix__startswith=query))
    return qs.order_by("-created_at", "-id")


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
    return token if tokens_in_scope(actor=actor).filter(pk=token.pk).exists() else None
