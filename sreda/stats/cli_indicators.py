"""`python -m sreda stats indicators --date YYYY-MM-DD [--municipality NAME] --format json|csv|xlsx
[--output FILE]`: the indicators of R32–R34 on a report date, as the platform operator (the machine's
operator runs the CLI). JSON is the shape of issue 4; CSV and XLSX are one row per organisation."""
from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.core.management.base import CommandError

from sreda.core.active_role import system_operator
from sreda.core.text import fold
from sreda.orgs.models import Municipality, Organisation
from sreda.stats import exports
from sreda.stats.indicators import organisation_indicators

FORMATS = ("json", "csv", "xlsx")


def parse_date(text: str) -> date:
    for fmt in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    raise CommandError(f"Дата «{text}» не распознана: укажите её как 2025-11-20 или 20.11.2025.")


def add_arguments(parser) -> None:
    parser.add_argument("--date", required=True, metavar="ГГГГ-ММ-ДД", help="Дата отчёта, например 2025-11-20.")
    parser.add_argument("--municipality", default="", metavar="НАЗВАНИЕ",
                        help="Только организации этого муниципалитета (название, регистр не важен).")
    parser.add_argument("--format", dest="fmt", choices=FORMATS, default="json", help="json, csv или xlsx.")
    parser.add_argument("--output", default="", metavar="ФАЙЛ", help="Записать в файл (по умолчанию — в stdout).")



def organisations_named(municipality: str = ""):
    """Every organisation, or those of the municipality named (case and «ё» do not matter); CommandError when
    no municipality has that name. Shared by the indicator commands."""
    organisations = Organisation.objects.all()
    if municipality:
        # SQLite's iexact does not fold Cyrillic: compare folded names here (municipalities are few).
        wanted = fold(municipality)
        matches = [pk for pk, name in Municipality.objects.values_list("pk", "name") if fold(name) == wanted]
        if not matches:
            raise CommandError(f"Муниципалитет «{municipality}» не найден.")
        organisations = organisations.filter(municipality_id__in=matches)
    return organisations


def handle(command, *, municipality: str = "", fmt: str = "json", output: str = "", **options):
    on = parse_date(options["date"])
    organisations = organisations_named(municipality)
    try:
        rows = organisation_indicators(actor=system_operator(), on=on, organisations=organisations)
    except PermissionDenied as exc:
        raise CommandError(str(exc)) from None
    if fmt == "json":
        data = (json.dumps(exports.indicators_json(on=on, rows=rows), ensure_ascii=False, indent=2) + "\n").encode()
    elif fmt == "csv":
        data = exports.indicators_csv(rows)
    else:
        data = exports.indicators_xlsx(rows)
    if output:
        Path(output).write_bytes(data)
        command.stderr.write(f"Показатели на {on:%d.%m.%Y}: {len(rows)} организаций — записано в {output}.")
        return
    if fmt == "xlsx":
        raise CommandError("XLSX — двоичный файл: укажите, куда его записать, через --output ФАЙЛ.")
    command.stdout.write(data.decode("utf-8-sig"), ending="")
