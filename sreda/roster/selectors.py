"""Reads of the roster app: held imports of a school (issue #10, item 1)."""
from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from sreda.core.active_role import ActiveRole
from sreda.core.permissions import Action, require
from sreda.orgs.models import Organisation
from sreda.roster.models import HeldImport

HELD_NOT_FOUND = "Удержанный импорт не найден или недоступен в текущей роли."


def held_imports_for(*, organisation: Organisation, status: str | None = None) -> QuerySet[HeldImport]:
    """The school's held imports, newest first, without their (large) previews and bodies."""
    qs = HeldImport.objects.filter(organisation=organisation).defer("preview", "payload")
    if status:
        qs = qs.filter(status=status)
    return qs


def access_held_import(*, actor: ActiveRole, organisation: Organisation, held_id: int) -> HeldImport:
    """One held import of the school with its preview, if the role may decide on it; one «not found» for a
    missing one and another school's."""
    require(actor, Action.IMPORT_ROSTER, organisation)
    row = (HeldImport.objects.filter(pk=held_id, organisation=organisation)
           .select_related("organisation", "created_by", "decided_by").first())
    if row is None:
        raise Http404(HELD_NOT_FOUND)
    return row
