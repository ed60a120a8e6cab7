"""`python -m sreda joining requests --org INN [--status pending] [--json]` and
`python -m sreda joining approve-matching --org INN [--json]` (R20). They act as the platform operator (the
machine's operator); the JSON has the API's fields."""
from __future__ import annotations

import json

from django.core.management.base import CommandError

from sreda.core.active_role import system_operator
from sreda.onboarding import joining
from sreda.onboarding.models import JoinStatus
from sreda.orgs.models import Organisation


def add_arguments(parser) -> None:
    parser.add_argument("--org", required=True, help="ИНН школы")
    parser.add_argument("--status", default=JoinStatus.PENDING, choices=[*JoinStatus.values, "all"],
                        help="статус заявок (по умолчанию pending; all — все)")
    parser.add_argument("--json", action="store_true", dest="as_json", help="вывести результат в JSON")


def _school(inn: str) -> Organisation:
    organisation = Organisation.objects.filter(inn=(inn or "").strip()).first()
    if organisation is None:
        raise CommandError(f"Школа с ИНН «{inn}» не найдена.")
    return organisation


def _row(req, match) -> dict:
    return {
        "id": req.pk, "kind": req.kind, "role": req.role, "role_label": req.get_role_display(),
        "class_title": req.school_class.title if req.school_class_id else None, "full_name": req.full_name,
        "birth_date": req.birth_date.isoformat() if req.birth_date else None, "status": req.status,
        "status_label": req.get_status_display(), "created_at": req.created_at.isoformat(),
        "reject_reason": req.reject_reason,
        "match": {"kind": match.kind, "label": match.label, "taken": match.taken,
                  "roster_person_id": match.entry.person_id if match.entry else None,
                  "checks": [c.__dict__ for c in match.checks]},
    }


def handle(command, *, verb: str, org: str, status: str = JoinStatus.PENDING, as_json: bool = False, **options):
    organisation = _school(org)
    actor = system_operator()
    out = command.stdout
    if verb == "approve-matching":
        result = joining.join_requests_approve_matching(actor=actor, organisation=organisation)
        if as_json:
            out.write(json.dumps({"approved": result.approved, "message": result.message,
                                  "skipped": [{"id": pk, "reason": why} for pk, why in result.skipped]},
                                 ensure_ascii=False))
        else:
            out.write(f"{organisation.short_name}: {result.message}")
            for pk, why in result.skipped:
                out.write(f"№ {pk}: {why}")
        return
    rows = list(joining.join_queue(actor=actor, organisation=organisation,
                                   status=None if status == "all" else status))
    matches = joining.matches_for(rows)
    if as_json:
        out.write(json.dumps([_row(r, matches[r.pk]) for r in rows], ensure_ascii=False))
        return
    out.write(f"{organisation.short_name}: заявок {len(rows)}")
    for r in rows:
        m = matches[r.pk]
        differs = ", ".join(f"{c.label}: «{c.typed}» ≠ «{c.roster}»" for c in m.checks if not c.ok)
        out.write(f"№ {r.pk}\t{r.full_name}\t{r.get_role_display()}\t{r.school_class.title if r.school_class_id else '—'}"
                  f"\t{r.created_at:%d.%m.%Y}\t{r.get_status_display()}\t{m.label}" + (f" ({differs})" if differs else ""))
