"""`python -m sreda library access --org ИНН [--json]`: who of a school's teachers may use the library and why
not (R15, conditions 1–5), as the platform operator (the machine's operator runs the CLI). `--json` prints the
API's list [{"person_id", "full_name", "allowed", "reasons": [{"code", "message", "fixed_by"}]}]; without it,
a table in Russian."""
from __future__ import annotations

import json

from django.core.management.base import CommandError

from sreda.core.identifiers import digits
from sreda.core.text import plural
from sreda.library.access_report import CONDITIONS, access_report
from sreda.orgs.models import Organisation


def add_arguments(parser) -> None:
    parser.add_argument("--org", required=True, metavar="ИНН", help="ИНН школы (10 цифр).")
    parser.add_argument("--json", dest="as_json", action="store_true", help="Вывести JSON, как API.")


def handle(command, *, org: str, as_json: bool = False, **options):
    inn = digits(org or "")
    organisation = Organisation.objects.filter(inn=inn).first() if inn else None
    if organisation is None:
        raise CommandError(f"Школа с ИНН «{org}» не найдена. Укажите ИНН организации из 10 цифр.")
    rows = access_report(organisation)
    if as_json:
        command.stdout.write(json.dumps([row.as_dict() for row in rows], ensure_ascii=False, indent=2))
        return
    refused = sum(1 for row in rows if not row.allowed)
    command.stdout.write(f"{organisation.short_name} (ИНН {organisation.inn}): {len(rows)} "
                         f"{plural(len(rows), 'педагог', 'педагога', 'педагогов')}, без доступа — {refused}.")
    command.stdout.write("Условия R15: " + "; ".join(f"{n}. {title}" for n, _, title in CONDITIONS) + ".")
    width = max([len(row.person.full_name) for row in rows] + [3])
    command.stdout.write(f"{'ФИО':<{width}}  1 2 3 4 5  Доступ")
    for row in rows:
        marks = " ".join("✓" if check.ok else "✗" for check in row.checks)
        command.stdout.write(f"{row.person.full_name:<{width}}  {marks}  {'да' if row.allowed else 'нет'}")
        for reason in row.reasons:
            command.stdout.write(f"{'':<{width}}  — {reason.message} Кто исправит: {reason.fixed_by}.")
