"""The school a page acts for: the active role's own, or — for the platform operator, who belongs to no
school — the one named by `?org=<id>` (R1: the active role decides)."""
from __future__ import annotations

from django.core.exceptions import PermissionDenied

from sreda.core.permissions import Action, require
from sreda.orgs.models import Organisation


def parse_int(value) -> int | None:
    """An id from a query string or form; anything else is None, never an error page."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def org_query(active, organisation) -> str:
    """«?org=<id>» for the platform operator, who names the school in the address (see acting_school); ""
    for a role that has its own school."""
    if active is None or organisation is None or not active.is_platform_operator:
        return ""
    return f"?org={organisation.pk}"


def acting_school(request, action: Action, *, no_school: str, oversight: bool = False) -> Organisation:
    """The organisation the request acts for, checked for `action`; `no_school` explains a role without one.
    With `oversight` the district's and the region's roles, too, name a school of their scope by «?org=»."""
    from sreda.orgs.selectors import access_organisation

    active = request.active_role
    organisation = active.organisation if active is not None else None
    if organisation is None and active is not None and (active.is_platform_operator or oversight):
        org_id = parse_int(request.GET.get("org") or request.POST.get("org"))
        if org_id:
            organisation = access_organisation(actor=active, organisation_id=org_id, action=action)
    if organisation is None:
        raise PermissionDenied(no_school)
    require(active, action, organisation)
    return organisation
