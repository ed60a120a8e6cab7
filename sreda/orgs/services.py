"""Writes about regions, municipalities and organisations (R4): by the platform operator (regions)
and by the regional operator within their region (municipalities, organisations)."""
from __future__ import annotations

from zoneinfo import available_timezones

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from sreda.core.active_role import ActiveRole
from sreda.core.audit import audit
from sreda.core.permissions import Action, require
from sreda.orgs.models import Municipality, Organisation, OrganisationType, Region

REGION_FIELDS = ("name", "code", "timezone", "external_id")
MUNICIPALITY_FIELDS = ("region", "name", "external_id")
ORGANISATION_FIELDS = (
    "municipality", "full_name", "short_name", "kind", "inn", "ogrn", "external_id", "messenger_org_id", "is_active",
)


def _require_region(actor: ActiveRole, region: Region) -> None:
    """Municipalities and organisations are managed inside the actor's own region (R4)."""
    require(actor, Action.MANAGE_ORGANISATIONS)
    if not actor.is_platform_operator and actor.region_id != region.pk:
        raise PermissionDenied("Этот регион вне области вашей роли: оператор региона ведёт только свой регион.")


def _check_region(region: Region) -> None:
    errors = {}
    if not (region.code or "").isdigit() or not 1 <= len(region.code) <= 3:
        errors["code"] = [f"Код региона «{region.code}»: ожидается от 1 до 3 цифр, например 78."]
    if region.timezone not in available_timezones():
        errors["timezone"] = [f"Часовой пояс «{region.timezone}» неизвестен; укажите, например, Europe/Moscow или Asia/Yekaterinburg."]
    region.external_id = region.external_id or None
    try:
        region.full_clean()
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def region_create(*, actor: ActiveRole, name: str, code: str, timezone: str = "Europe/Moscow",
                  external_id: str | None = None) -> Region:
    require(actor, Action.MANAGE_REGIONS)
    region = Region(name=name.strip(), code=code.strip(), timezone=timezone.strip(), external_id=external_id)
    _check_region(region)
    region.save()
    audit(actor=actor, action="region.create", obj=region)
    return region


@transaction.atomic
def region_update(*, actor: ActiveRole, region: Region, data: dict) -> Region:
    require(actor, Action.MANAGE_REGIONS)
    region = Region.objects.select_for_update().get(pk=region.pk)
    changed = _apply(region, data, REGION_FIELDS)
    _check_region(region)
    region.save()
    audit(actor=actor, action="region.update", obj=region, details={"changed": changed})
    return region


@transaction.atomic
def municipality_create(*, actor: ActiveRole, region: Region, name: str, external_id: str | None = None) -> Municipality:
    _require_region(actor, region)
    municipality = Municipality(region=region, name=name.strip(), external_id=external_id or None)
    municipality.full_clean()
    municipality.save()
    audit(actor=actor, action="municipality.create", obj=municipality)
    return municipality


@transaction.atomic
def municipality_update(*, actor: ActiveRole, municipality: Municipality, data: dict) -> Municipality:
    municipality = Municipality.objects.select_for_update().select_related("region").get(pk=municipality.pk)
    _require_region(actor, municipality.region)
    changed = _apply(municipality, data, MUNICIPALITY_FIELDS)
    _require_region(actor, municipality.region)  # moving it to another region needs that region too
    municipality.external_id = municipality.external_id or None
    municipality.full_clean()
    municipality.save()
    audit(actor=actor, action="municipality.update", obj=municipality, details={"changed": changed})
    return municipality


@transaction.atomic
def organisation_create(*, actor: ActiveRole, municipality: Municipality, full_name: str, short_name: str, inn: str,
                        kind: str = OrganisationType.GENERAL, ogrn: str = "", external_id: str | None = None,
                        messenger_org_id: str = "") -> Organisation:
    """A new organisation with a checksum-valid INN (and OGRN, when given); refused with the reason otherwise."""
    organisation = Organisation(
        municipality=municipality, full_name=full_name.strip(), short_name=short_name.strip(), kind=kind,
        inn=inn.strip(), ogrn=(ogrn or "").strip(), external_id=external_id or None, messenger_org_id=messenger_org_id,
    )
    require(actor, Action.MANAGE_ORGANISATIONS, organisation)
    organisation.full_clean()  # Organisation.clean() validates INN and OGRN and says which and why
    organisation.save()
    audit(actor=actor, action="organisation.create", obj=organisation, organisation=organisation)
    return organisation


@transaction.atomic
def organisation_update(*, actor: ActiveRole, organisation: Organisation, data: dict) -> Organisation:
    organisation = Organisation.objects.select_for_update().select_related("municipality__region").get(pk=organisation.pk)
    require(actor, Action.MANAGE_ORGANISATIONS, organisation)
    changed = _apply(organisation, data, ORGANISATION_FIELDS)
    require(actor, Action.MANAGE_ORGANISATIONS, organisation)  # a new municipality must be in scope too
    organisation.external_id = organisation.external_id or None
    organisation.full_clean()
    organisation.save()
    audit(actor=actor, action="organisation.update", obj=organisation, organisation=organisation,
          details={"changed": changed})
    return organisation


def _apply(obj, data: dict, allowed: tuple[str, ...]) -> list[str]:
    unknown = set(data) - set(allowed)
    if unknown:
        raise ValueError(f"Unknown fields for {type(obj).__name__}: {sorted(unknown)}")
    changed = []
    for field, value in data.items():
        if isinstance(value, str):
            value = value.strip()
        if getattr(obj, field) != value:
            setattr(obj, field, value)
            changed.append(field)
    return changed
