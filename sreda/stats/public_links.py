"""Public dashboard links (R35): a municipality's read-only dashboard shared by a secret link that the
methodologist (or the regional operator) can revoke. The secret leaves this module once, in
public_link_create's result; only its SHA-256 is stored.

The public page acts with no user: `public_actor(link)` is an ActiveRole of an unsaved methodologist
membership of the link's municipality (as sreda/api/auth.py does for a person-less token), so every
selector it calls sees only that municipality.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from sreda.core.active_role import ActiveRole
from sreda.core.audit import audit
from sreda.core.permissions import Action, require
from sreda.orgs.models import Municipality
from sreda.people.models import Membership
from sreda.people.roles import Role
from sreda.stats.models import PublicDashboardLink

TOKEN_BYTES = 32  # secrets.token_urlsafe(32): 43 characters, 256 bits
MAX_TOKEN_LENGTH = 100
LABEL_MAX = 200
OPEN_RESOLUTION = timedelta(minutes=1)

OUT_OF_SCOPE = "Этот муниципалитет вне области вашей роли."
ALREADY_REVOKED = "Ссылка уже отозвана."
NOT_FOUND = "Ссылка не найдена или отозвана."


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def municipality_in_scope(actor: ActiveRole | None, municipality: Municipality) -> bool:
    """Is the municipality inside the active role's scope (operator: all; region: its districts; district: itself)?"""
    if actor is None:
        return False
    if actor.is_platform_operator:
        return True
    if actor.membership is None:
        return False
    if actor.region_id:
        return municipality.region_id == actor.region_id
    if actor.municipality_id:
        return municipality.pk == actor.municipality_id
    return False


def _require_manage(actor: ActiveRole | None, municipality: Municipality) -> None:
    require(actor, Action.MANAGE_PUBLIC_LINKS)
    if not municipality_in_scope(actor, municipality):
        raise PermissionDenied(OUT_OF_SCOPE)


def _user_of(actor: ActiveRole):
    user = actor.user
    return user if user is not None and getattr(user, "pk", None) else None


@transaction.atomic
def public_link_create(*, actor: ActiveRole, municipality: Municipality, label: str = "") -> tuple[PublicDashboardLink, str]:
    """Issue a public link to `municipality`'s dashboard; returns the link and its secret token, which is
    shown once and never stored."""
    _require_manage(actor, municipality)
    label = " ".join((label or "").split())
    if len(label) > LABEL_MAX:
        raise ValidationError(f"Название ссылки — не длиннее {LABEL_MAX} символов.")
    token = secrets.token_urlsafe(TOKEN_BYTES)
    link = PublicDashboardLink.objects.create(
        municipality=municipality, label=label, token_hash=hash_token(token), created_by=_user_of(actor),
    )
    audit(actor=actor, action="public_link.create", obj=link,
          details={"municipality_id": municipality.pk, "municipality": municipality.name, "label": label})
    return link, token


@transaction.atomic
def public_link_revoke(*, actor: ActiveRole, link: PublicDashboardLink) -> PublicDashboardLink:
    """Revoke a link at once: the public page answers «not found» from the next request on. A second
    revocation is refused and changes nothing (the conditional UPDATE makes the effect single)."""
    link = PublicDashboardLink.objects.select_related("municipality").get(pk=link.pk)
    _require_manage(actor, link.municipality)
    now = timezone.now()
    changed = PublicDashboardLink.objects.filter(pk=link.pk, revoked_at__isnull=True).update(revoked_at=now)
    if not changed:
        raise ValidationError(ALREADY_REVOKED)
    link.revoked_at = now
    audit(actor=actor, action="public_link.revoke", obj=link,
          details={"municipality_id": link.municipality_id, "label": link.label})
    return link


def public_link_list(*, actor: ActiveRole) -> QuerySet[PublicDashboardLink]:
    """Links of the municipalities in the active role's scope, newest first, live and revoked."""
    qs = PublicDashboardLink.objects.select_related("municipality__region", "created_by__person")
    if actor is None or not (actor.is_platform_operator or actor.membership is not None):
        return qs.none()
    if actor.is_platform_operator:
        pass
    elif actor.region_id:
        qs = qs.filter(municipality__region_id=actor.region_id)
    elif actor.municipality_id:
        qs = qs.filter(municipality_id=actor.municipality_id)
    else:
        return qs.none()
    return qs.order_by("-created_at", "-id")


def access_link(*, actor: ActiveRole, link_id: int) -> PublicDashboardLink:
    """A link the active role may manage; one «not found» for missing and foreign links."""
    from django.http import Http404

    link = public_link_list(actor=actor).filter(pk=link_id).first()
    if link is None:
        raise Http404(NOT_FOUND)
    return link


def public_link_by_token(token: str) -> PublicDashboardLink | None:
    """The live link with this token, or None for an unknown or revoked one. Marks it opened (at most
    once a minute, so a busy public page does not write on every view)."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    link = (
        PublicDashboardLink.objects.filter(token_hash=hash_token(token), revoked_at__isnull=True)
        .select_related("municipality__region")
        .first()
    )
    if link is not None:
        now = timezone.now()
        if link.last_opened_at is None or now - link.last_opened_at >= OPEN_RESOLUTION:
            PublicDashboardLink.objects.filter(pk=link.pk).update(last_opened_at=now)
            link.last_opened_at = now
    return link


def public_actor(link: PublicDashboardLink) -> ActiveRole:
    """The role the public page acts in: a methodologist of the link's municipality that belongs to no
    person. The Membership is never saved; it only carries the role and the scope to permission checks."""
    membership = Membership(role=Role.METHODIST, municipality=link.municipality)
    return ActiveRole(user=None, key=f"public:{link.pk}", membership=membership)
