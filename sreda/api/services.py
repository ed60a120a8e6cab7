"""Issuing and revoking API tokens (R29). The secret leaves this module once, in token_create's result."""
from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from sreda.api.auth import hash_secret, new_secret, prefix_of
from sreda.api.models import SCOPES, ApiToken
from sreda.core.active_role import ActiveRole
from sreda.core.audit import audit
from sreda.core.permissions import Action, require
from sreda.orgs.models import Municipality, Organisation, Region
from sreda.people.models import Membership
from sreda.people.roles import ROLE_SCOPE, Role, Scope


def _check_scopes(scopes: list[str]) -> list[str]:
    cleaned = list(dict.fromkeys(s.strip() for s in scopes if s and s.strip()))
    if not cleaned:
        raise ValidationError("Укажите хотя бы одну область доступа токена: " + ", ".join(SCOPES) + ".")
    unknown = [s for s in cleaned if s not in SCOPES]
    if unknown:
        raise ValidationError(
            f"Неизвестная область доступа «{unknown[0]}». Допустимы: " + ", ".join(SCOPES) + "."
        )
    return cleaned


def _check_role_scope(role: str, organisation, municipality, region) -> None:
    if role not in Role.values:
        raise ValidationError(f"Неизвестная роль «{role}». Допустимы: " + ", ".join(Role.values) + ".")
    given = [x for x in (organisation, municipality, region) if x is not None]
    expected = ROLE_SCOPE[role]
    holder = {Scope.ORGANISATION: organisation, Scope.MUNICIPALITY: municipality, Scope.REGION: region}[expected]
    if len(given) != 1 or holder is None:
        raise ValidationError(f"Для роли «{Role(role).label}» укажите {Scope(expected).label} (и только её).")


def _require_may_issue_role(actor: ActiveRole, role: str, organisation: Organisation | None,
                            municipality: Municipality | None = None) -> None:
    """A token never acts with more power than its issuer: the platform operator issues any role; a
    district methodist issues school roles in their district (R29); a school's director or administrator
    issues only their own role in their own school."""
    if actor.is_platform_operator:
        return
    if organisation is None:
        # R29: a district methodist pulls the district's figures with a token of their own role and district.
        if role == Role.METHODIST and actor.role == Role.METHODIST and municipality is not None \
                and municipality.pk == actor.municipality_id:
            return
        raise PermissionDenied("Токены районных и региональных ролей выпускает оператор платформы.")
    require(actor, Action.MANAGE_TOKENS, organisation)
    if actor.role == Role.METHODIST:
        return
    if role != actor.role:
        raise PermissionDenied(
            f"Вы можете выпустить токен только для своей роли «{actor.role_label}»."
        )


@transaction.atomic
def token_create(*, actor: ActiveRole, name: str, scopes: list[str], membership: Membership | None = None,
                 role: str | None = None, organisation: Organisation | None = None,
                 municipality: Municipality | None = None, region: Region | None = None) -> tuple[ApiToken, str]:
    """Issue a token acting as `membership` (the issuer's own role) or as `role` in a scope; returns the
    token and its secret, which is shown once and never stored."""
    name = (name or "").strip()
    if not name:
        raise ValidationError("Укажите название токена, например «Школьная ИС».")
    scopes = _check_scopes(scopes)
    if membership is not None:
        if role or organisation or municipality or region:
            raise ValidationError("Токен действует либо от роли человека, либо от роли организации — не от обеих.")
        own = actor.membership is not None and actor.membership.pk == membership.pk
        if not (own or actor.is_platform_operator):
            raise PermissionDenied("Токен от имени роли может выпустить только её владелец.")
        require(actor, Action.MANAGE_TOKENS, membership.organisation)
        fields = {"membership": membership}
        scope_org = membership.organisation
    else:
        _check_role_scope(role or "", organisation, municipality, region)
        _require_may_issue_role(actor, role, organisation, municipality)
        fields = {"role": role, "organisation": organisation, "municipality": municipality, "region": region}
        scope_org = organisation
    user = actor.user if actor.user is not None and getattr(actor.user, "pk", None) else None
    for _ in range(5):
        secret = new_secret()
        try:
            with transaction.atomic():
                token = ApiToken.objects.create(
                    name=name[:200], prefix=prefix_of(secret), key_hash=hash_secret(secret), scopes=scopes,
                    created_by=user, **fields,
                )
            break
        except IntegrityError:
            # Two secrets sharing the first 8 characters: astronomically rare, draw again.
            continue
    else:  # pragma: no cover
        raise RuntimeError("Не удалось выпустить токен с уникальным началом.")
    audit(actor=actor, action="api_token.create", obj=token, organisation=scope_org,
          details={"prefix": token.prefix, "scopes": scopes, "role": token.role_label})
    return token, secret


@transaction.atomic
def token_revoke(*, actor: ActiveRole, token: ApiToken) -> ApiToken:
    """Revoke a token at once; revoking a revoked token changes nothing."""
    token = (
        ApiToken.objects.select_for_update(of=("self",))
        .select_related("membership__organisation", "organisation")
        .get(pk=token.pk)
    )
    scope_org = token.scope_organisation
    if scope_org is None and not actor.is_platform_operator:
        if not (actor.role == Role.METHODIST and token.municipality_id == actor.municipality_id):
            raise PermissionDenied("Токены районных и региональных ролей отзывает оператор платформы.")
    else:
        require(actor, Action.MANAGE_TOKENS, scope_org)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit(actor=actor, action="api_token.revoke", obj=token, organisation=scope_org,
              details={"prefix": token.prefix})
    return token
