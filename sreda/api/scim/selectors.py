"""Reads of SCIM: the token's scope, its users (people with a role there) and its access groups.

Tenant first (Zulip's access_<thing>): a person outside the token's organisations is «not found», the
same answer as a missing id, so an id of another school reveals nothing.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from django.db.models import CharField, Exists, OuterRef, Prefetch, Q, QuerySet
from django.db.models.functions import Cast

from sreda.access.models import AccessGroup, AccessGroupMember
from sreda.api.models import ApiToken
from sreda.api.scim.filters import FilterError, parse_filter, text_lookup, to_q
from sreda.core.active_role import ActiveRole
from sreda.core.models import AuditEntry
from sreda.orgs.models import Organisation
from sreda.people.models import Membership, Person

USER_DELETED = "scim.user_delete"
SYNTHETIC_USERNAME = re.compile(r"sreda-(\d{1,18})")


class NotFound(Exception):
    """404 in SCIM's format; one message for missing and forbidden."""


@dataclass
class Scope:
    """What a SCIM token may see: the organisations of its role (a school, a district's schools, a region's)."""

    token: ApiToken
    actor: ActiveRole
    organisation: Organisation | None  # the one school of a school token; None for district / region tokens

    def membership_q(self, prefix: str = "") -> Q:
        """Memberships held in one of the scope's organisations."""
        token = self.token
        if self.organisation is not None:
            return Q(**{f"{prefix}organisation_id": self.organisation.pk})
        if token.municipality_id:
            return Q(**{f"{prefix}organisation__municipality_id": token.municipality_id})
        if token.region_id:
            return Q(**{f"{prefix}organisation__municipality__region_id": token.region_id})
        membership = token.membership
        if membership is not None and membership.municipality_id:
            return Q(**{f"{prefix}organisation__municipality_id": membership.municipality_id})
        if membership is not None and membership.region_id:
            return Q(**{f"{prefix}organisation__municipality__region_id": membership.region_id})
        return Q(pk__in=[])

    def organisations(self) -> QuerySet[Organisation]:
        if self.organisation is not None:
            return Organisation.objects.filter(pk=self.organisation.pk)
        token = self.token
        if token.municipality_id or (token.membership_id and token.membership.municipality_id):
            return Organisation.objects.filter(municipality_id=token.municipality_id or token.membership.municipality_id)
        region_id = token.region_id or (token.membership.region_id if token.membership_id else None)
        return Organisation.objects.filter(municipality__region_id=region_id) if region_id else Organisation.objects.none()


def scope_of(token: ApiToken, actor: ActiveRole) -> Scope:
    return Scope(token=token, actor=actor, organisation=token.scope_organisation)


def scope_memberships(scope: Scope) -> QuerySet[Membership]:
    """The active memberships of the scope, with what the SCIM representation shows of them."""
    return (
        Membership.objects.active().filter(scope.membership_q())
        .select_related("organisation", "school_class").order_by("organisation_id", "id")
    )


def _deleted(scope: Scope):
    """A DELETE of this person by SCIM in the scope since the person last changed (a later POST brings
    them back). The audit log is where Sreda remembers it: memberships keep their history either way."""
    orgs = scope.organisations().values("pk")
    return Exists(AuditEntry.objects.filter(
        action=USER_DELETED, object_type="people.person", object_id=Cast(OuterRef("pk"), CharField()),
        organisation_id__in=orgs, created_at__gte=OuterRef("updated_at"),
    ))


def users(scope: Scope) -> QuerySet[Person]:
    """The people of the scope: any membership there (current or ended — «active: false» keeps them
    visible), not deleted through SCIM. Each carries `scim_memberships` (active, in scope): three queries
    per page whatever its size (count, rows, memberships)."""
    in_scope = Membership.objects.filter(scope.membership_q(), person=OuterRef("pk"))
    return (
        Person.objects.filter(Exists(in_scope)).exclude(_deleted(scope))
        .select_related("user")
        .prefetch_related(Prefetch("memberships", queryset=scope_memberships(scope), to_attr="scim_memberships"))
        .order_by("pk")
    )


def user(scope: Scope, user_id: str) -> Person:
    if not str(user_id).isdigit() or len(str(user_id)) > 18:
        raise NotFound("Пользователь не найден.")
    person = users(scope).filter(pk=int(user_id)).first()
    if person is None:
        raise NotFound("Пользователь не найден.")
    return person


def _user_name(operator: str, value) -> Q:
    text = text_lookup("user__username")(operator, value)
    no_account = text_lookup("external_id", case_exact=True)(operator, value) & Q(user__isnull=True)
    q = text | no_account
    match = SYNTHETIC_USERNAME.fullmatch(value) if operator == "eq" else None
    if match:
        q |= Q(pk=int(match.group(1)), user__isnull=True, external_id__isnull=True)
    return q


def _active(scope: Scope):
    def build(operator: str, value) -> Q:
        if operator != "eq" or not isinstance(value, bool):
            raise FilterError("Для active поддерживается только «active eq true» или «active eq false».")
        live = Membership.objects.active().filter(scope.membership_q(), person=OuterRef("pk"))
        return Q(Exists(live)) if value else ~Q(Exists(live))
    return build


def _id(operator: str, value) -> Q:
    if operator != "eq" or not str(value).isdigit() or len(str(value)) > 18:
        raise FilterError("Для id поддерживается только «id eq \"…\"».")
    return Q(pk=int(value))


def filter_users(scope: Scope, qs: QuerySet[Person], text: str) -> QuerySet[Person]:
    """userName, externalId, name.familyName, name.givenName, emails.value, active, id."""
    attributes = {
        "id": _id,
        "userName": _user_name,
        "externalId": text_lookup("external_id", case_exact=True),
        "name.familyName": text_lookup("surname"),
        "name.givenName": text_lookup("name"),
        "emails.value": text_lookup("email"),
        "emails": text_lookup("email"),
        "active": _active(scope),
    }
    return qs.filter(to_q(parse_filter(text), attributes))


# --- groups (R13) ----------------------------------------------------------------------------------------


def groups(scope: Scope) -> QuerySet[AccessGroup]:
    """Every access group (groups are global, R13); members are read for the scope's school(s) only."""
    members = (
        AccessGroupMember.objects.filter(scope.membership_q(), removed_at__isnull=True)
        .select_related("person").order_by("person__sort_key", "person_id")
    )
    return (AccessGroup.objects.select_related("system")
            .prefetch_related(Prefetch("members", queryset=members, to_attr="scim_members")).order_by("pk"))


def group(scope: Scope, group_id: str) -> AccessGroup:
    if not str(group_id).isdigit() or len(str(group_id)) > 18:
        raise NotFound("Группа доступа не найдена.")
    found = groups(scope).filter(pk=int(group_id)).first()
    if found is None:
        raise NotFound("Группа доступа не найдена.")
    return found


def group_bare(scope: Scope, group_id: str) -> AccessGroup:
    """The group without its members: for writes, which must not load thousands of members to add a few."""
    if not str(group_id).isdigit() or len(str(group_id)) > 18:
        raise NotFound("Группа доступа не найдена.")
    found = AccessGroup.objects.select_related("system").filter(pk=int(group_id)).first()
    if found is None:
        raise NotFound("Группа доступа не найдена.")
    return found


def group_member_ids(scope: Scope, group: AccessGroup) -> list[str]:
    """Ids of the scope's employees now in the group (one query of integers)."""
    return [str(pk) for pk in AccessGroupMember.objects.filter(scope.membership_q(), group=group, removed_at__isnull=True)
            .order_by("person_id").values_list("person_id", flat=True)]


def filter_groups(qs: QuerySet[AccessGroup], text: str) -> QuerySet[AccessGroup]:
    return qs.filter(to_q(parse_filter(text), {"id": _id, "displayName": text_lookup("name"),
                                              "externalId": text_lookup("code", case_exact=True)}))
