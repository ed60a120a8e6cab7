"""`python -m sreda dpo applications --org INN [--status …] [--q …] [--json]`: a school's applications (R38),
read as the platform operator (the machine's operator); the JSON rows are the API's fields."""
from __future__ import annotations

import json

from django.core.management.base import CommandError

from sreda.core.active_role import system_operator
from sreda.dpo import selectors
from sreda.dpo.statuses import Status
from sreda.orgs.models import Organisation

LIMIT = 10_000


def add_arguments(parser) -> None:
    parser.add_argument("--org", required=True, help="ИНН школы")
    parser.add_argument("--status", choices=Status.values,
                        help="только этот статус: new — «Не обработана», approved — «Подтверждена руководителем ОО», "
                             "cancelled — «Отменена», included — «Включен в группу»")
    parser.add_argument("--q", default="", help="номер заявки, ФИО заявителя или часть названия программы")
    parser.add_argument("--json", action="store_true", dest="as_json", help="вывести список одним массивом JSON")


def handle(command, *, org: str, status: str | None = None, q: str = "", as_json: bool = False, **options) -> None:
    organisation = Organisation.objects.filter(inn=(org or "").strip()).first()
    if organisation is None:
        raise CommandError(f"Школа с ИНН «{org}» не найдена.")
    filters = selectors.ApplicationFilters(query=q, status=status or "", organisation_id=organisation.pk)
    rows = selectors.centre_applications(actor=system_operator(), filters=filters)[:LIMIT]
    data = [{"id": a.pk, "status": a.status, "status_label": a.get_status_display(),
             "applicant": a.applicant.full_name, "organisation": a.organisation.short_name,
             "program": a.group.program.name, "group": a.group.name,
             "created_at": a.created_at.isoformat()} for a in rows]
    if as_json:
        command.stdout.write(json.dumps(data, ensure_ascii=False))
        return
    if not data:
        command.stdout.write(f"{organisation.short_name}: заявок не найдено.")
        return
    command.stdout.write(f"{organisation.short_name}: заявок — {len(data)}.")
    for row in data:
        command.stdout.write(f"№{row['id']}\t{row['status_label']}\t{row['applicant']}\t{row['program']}")
