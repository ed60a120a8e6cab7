"""SCIM Bulk under the sync hold (issue #10, item 1; R4, R25): a request that would end or move more of the
token's school's active roles than its thresholds allow is not applied but held, like a roster file.

The whole request runs in one transaction (each operation keeps its own savepoint and status, bulk.py). The
school's active roles are read before and after it; the difference is measured with the file import's rules
(sreda/roster/hold.py) and, when over the thresholds, everything is rolled back — audit rows, chat triggers and
the on-commit `roster_applied` included, so the chats keep everyone — and the body is stored as a HeldImport
of kind «scim». Approving re-runs the stored body and applies it only if the difference is still the previewed
one (the same fingerprint rule as files); otherwise it is held again.
"""
from __future__ import annotations

from django.db import transaction
from django.urls import reverse

from sreda.api.scim import bulk
from sreda.api.scim.selectors import Scope
from sreda.core.active_role import ActiveRole
from sreda.orgs.models import Organisation
from sreda.roster import hold as hold_mod
from sreda.roster.models import HeldImport
from sreda.roster.services import ImportResult

SOURCE = "SCIM Bulk"


class BulkHeld(Exception):
    """The request was held: nothing changed; `held` is the stored HeldImport."""

    def __init__(self, held: HeldImport):
        super().__init__(f"held import {held.pk}")
        self.held = held


class _Over(Exception):
    def __init__(self, diff):
        self.diff = diff


def bulk_guarded(*, scope: Scope, body, base: str, approving: HeldImport | None = None) -> tuple[dict, object]:
    """Run a BulkRequest as one transaction under the school's thresholds; returns the BulkResponse and the
    difference (None for a token of no school, which writes nothing). Raises BulkHeld when held."""
    organisation = scope.organisation
    try:
        with transaction.atomic():
            if organisation is None:  # a district's or region's token: every write answers 403 by itself
                return _run(scope, body, base), None
            # Two requests of one school one after another, so each measures only its own changes (PostgreSQL;
            # SQLite writes one at a time anyway).
            list(Organisation.objects.select_for_update().filter(pk=organisation.pk).values_list("pk", flat=True))
            before = hold_mod.active_memberships(organisation)
            response = _run(scope, body, base)
            diff = hold_mod.difference_since(organisation, before)
            if approving is not None and diff.fingerprint != approving.fingerprint:
                raise _Over(diff)
            if approving is None and diff.over:
                raise _Over(diff)
            return response, diff
    except _Over as over:
        held = hold_mod.hold(actor=scope.actor, diff=over.diff, target=organisation, payload=body, replaces=approving)
        raise BulkHeld(held) from None


def _run(scope: Scope, body, base: str) -> dict:
    return bulk.run(scope=scope, body=body, base=base, single=bulk.single_operation(scope, base))


def bulk_approve(*, actor: ActiveRole, held: HeldImport) -> ImportResult:
    """Re-run a held Bulk as the approving administrator: applied if it changes exactly the preview, else held
    again (`held` and `hold_changed` of the result). Failed operations are listed as skipped lines."""
    scope = Scope(token=None, actor=actor, organisation=held.organisation)
    base = reverse("scim:root").rstrip("/")
    try:
        response, diff = bulk_guarded(scope=scope, body=held.payload, base=base, approving=held)
    except BulkHeld as again:
        return ImportResult(held=again.held, hold_changed=True)
    answers = response["Operations"]
    school = diff.schools[held.organisation_id]
    result = ImportResult(applied=True, rows=len(answers))
    result.created = sum(1 for a in answers if a["status"] == "201")
    result.updated = sum(1 for a in answers if a["status"] in ("200", "204"))
    result.ended = len(school.ended) + len(school.moved)
    result.skipped = [{"file": SOURCE, "line": n, "reason": f"{a['method']}: {a['response']['detail']}"}
                      for n, a in enumerate(answers, start=1) if "response" in a]
    return result


def held_message(held: HeldImport, *, page_url: str) -> str:
    """The SCIM Error's detail for a held request: what it would have done, that nothing changed, what to do."""
    school = next((s for s in held.preview.get("schools", []) if s["organisation_id"] == held.organisation_id), None)
    percent, people = hold_mod.thresholds([held.organisation_id])[held.organisation_id]
    active = school["active"] if school else 0
    return (f"Запрос SCIM Bulk удержан (удержанный импорт № {held.pk}) и не применён: он завершил бы "
            f"{held.ended_count} и перевёл бы в другой класс {held.moved_count} из {active} активных ролей школы "
            f"«{held.organisation.short_name}» — больше порога школы ({percent} % активных ролей или {people} "
            f"человек). Ничего не изменено. Администратор или руководитель школы проверит, кого затронет запрос, и "
            f"применит или отклонит его: {page_url} или POST /api/v1/orgs/{held.organisation_id}/roster/held/"
            f"{held.pk}/approve. Если выгрузка ошибочна, исправьте её и отправьте заново.")
