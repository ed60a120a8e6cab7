"""The active role (R1): as whom the signed-in person acts right now.

A person picks one of their choices after signing in: a private person (частное лицо), one of their
active memberships, or — for superusers — the platform operator. Every permission check reads this,
never the union of all roles. The choice lives in the session; the API gets it from the token.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import QuerySet

from sreda.people.models import Membership
from sreda.people.roles import Role

SESSION_KEY = "sreda_active_role"
PRIVATE = "private"
PLATFORM_OPERATOR = "operator"
PLATFORM_OPERATOR_LABEL = "Оператор платформы"
PRIVATE_LABEL = "Частное лицо"


@dataclass(frozen=True)
class ActiveRole:
    user: object | None
    key: str  # "private", "operator" or "m:<membership id>"
    membership: Membership | None = field(default=None, compare=False)

    @property
    def is_private(self) -> bool:
        return self.key == PRIVATE

    @property
    def is_platform_operator(self) -> bool:
        return self.key == PLATFORM_OPERATOR

    @property
    def role(self) -> str | None:
        return self.membership.role if self.membership else None

    @property
    def role_label(self) -> str:
        if self.membership:
            return self.membership.get_role_display()
        return PLATFORM_OPERATOR_LABEL if self.is_platform_operator else PRIVATE_LABEL

    @property
    def organisation(self):
        return self.membership.organisation if self.membership else None

    @property
    def organisation_id(self) -> int | None:
        return self.membership.organisation_id if self.membership else None

    @property
    def municipality_id(self) -> int | None:
        return self.membership.municipality_id if self.membership else None

    @property
    def region_id(self) -> int | None:
        return self.membership.region_id if self.membership else None

    @property
    def person(self):
        return getattr(self.user, "person", None)

    @property
    def label(self) -> str:
        """«Учитель — МБОУ СОШ № 1», «Частное лицо»: what the header shows."""
        if self.membership:
            return f"{self.role_label} — {self.membership.scope_name}"
        return self.role_label


def membership_choices(user) -> QuerySet[Membership]:
    """The memberships a user may act in: active ones of their person."""
    if not getattr(user, "person_id", None):
        return Membership.objects.none()
    return (
        Membership.objects.active()
        .filter(person_id=user.person_id)
        .select_related("organisation", "municipality", "region", "school_class")
        .order_by("organisation__short_name", "role", "id")
    )


def role_choices(user) -> list[ActiveRole]:
    """Every role the user can choose, private person first (R1)."""
    choices = [ActiveRole(user=user, key=PRIVATE)]
    if user.is_superuser:
        choices.append(ActiveRole(user=user, key=PLATFORM_OPERATOR))
    choices.extend(ActiveRole(user=user, key=f"m:{m.pk}", membership=m) for m in membership_choices(user))
    return choices


def resolve(user, key: str | None) -> ActiveRole | None:
    """Turn a stored key back into an ActiveRole, or None when it is no longer valid."""
    if not key or user is None or not user.is_authenticated:
        return None
    if key == PRIVATE:
        return ActiveRole(user=user, key=PRIVATE)
    if key == PLATFORM_OPERATOR:
        return ActiveRole(user=user, key=PLATFORM_OPERATOR) if user.is_superuser else None
    if key.startswith("m:") and key[2:].isdigit():
        membership = membership_choices(user).filter(pk=int(key[2:])).first()
        if membership is not None:
            return ActiveRole(user=user, key=key, membership=membership)
    return None


def for_membership(membership: Membership, user=None) -> ActiveRole:
    """An ActiveRole acting as a given membership (API tokens, CLI, tests)."""
    return ActiveRole(user=user, key=f"m:{membership.pk}", membership=membership)


def system_operator() -> ActiveRole:
    """The role the CLI acts in when run by the machine's operator without naming a user."""
    return ActiveRole(user=None, key=PLATFORM_OPERATOR)


def is_school_role(role: str | None) -> bool:
    return role in {Role.DIRECTOR, Role.ADMINISTRATOR, Role.TEACHER, Role.STAFF, Role.STUDENT, Role.PARENT}
