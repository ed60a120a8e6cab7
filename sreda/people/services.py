"""Writes about people: consent to personal-data processing (R3), the choice of the active role (R1),
and the audited read of a person's personal data."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from sreda.core import active_role as ar
from sreda.core.audit import audit
from sreda.core.identifiers import format_phone, format_snils
from sreda.core.permissions import Action, can, require
from sreda.people.models import Consent, ConsentKind, Person


@transaction.atomic
def consent_give(*, user, ip_address: str | None) -> Consent:
    """R3: the user consents to the current text version; stored once per version with time and address."""
    consent, created = Consent.objects.get_or_create(
        user=user,
        kind=ConsentKind.PERSONAL_DATA,
        text_version=settings.CONSENT_VERSION,
        defaults={"given_at": timezone.now(), "ip_address": ip_address or None},
    )
    if created:
        audit(
            actor=ar.ActiveRole(user=user, key=ar.PRIVATE),
            action="consent.give",
            obj=consent,
            details={"text_version": consent.text_version, "ip_address": consent.ip_address},
        )
    return consent


@transaction.atomic
def active_role_choose(*, user, key: str, session) -> ar.ActiveRole:
    """R1: act as one of the user's own roles from now on; any other key is refused."""
    chosen = next((choice for choice in ar.role_choices(user) if choice.key == key), None)
    if chosen is None:
        raise ValidationError(
            "Такой роли нет среди ваших. Выберите роль из списка; если нужной нет — см. «Нет нужной роли?».",
            code="unknown_role",
        )
    session[ar.SESSION_KEY] = chosen.key
    audit(actor=chosen, action="active_role.choose", obj=chosen.membership, organisation=chosen.organisation,
          details={"key": chosen.key, "label": chosen.label})
    return chosen


@dataclass(frozen=True)
class PersonalData:
    snils: str
    birth_date: date | None
    email: str
    phone: str


def may_view_personal_data(*, actor: ar.ActiveRole, person: Person) -> bool:
    """The person themself, or a role allowed personal data (director, administrator, operator)."""
    is_self = actor.person is not None and actor.person.pk == person.pk
    return is_self or can(actor, Action.VIEW_PERSONAL_DATA, actor.organisation)


@transaction.atomic
def personal_data_view(*, actor: ar.ActiveRole, person: Person) -> PersonalData:
    """The full СНИЛС, birth date and contacts of a person, to roles that need them; every read is audited.

    The caller has already obtained `person` through `access_person`, so it is inside the role's scope.
    """
    is_self = actor.person is not None and actor.person.pk == person.pk
    if not may_view_personal_data(actor=actor, person=person):
        require(actor, Action.VIEW_PERSONAL_DATA, actor.organisation)  # raises with the Russian reason
    audit(actor=actor, action="personal_data.view", obj=person, organisation=actor.organisation,
          details={"fields": ["snils", "birth_date", "email", "phone"], "self": is_self})
    return PersonalData(
        snils=format_snils(person.snils) if person.snils else "",
        birth_date=person.birth_date,
        email=person.email,
        phone=format_phone(person.phone) if person.phone else "",
    )
