"""`python -m sreda library indicators --from YYYY-MM-DD --to YYYY-MM-DD [--municipality NAME]
--format json|csv|xlsx [--output FILE]`: the library indicators of R19 for a period, as the platform
operator (the machine's operator runs the CLI). JSON is the shape of the API; CSV (UTF-8 with BOM) and XLSX
are one row per school, with the director's contact."""
from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import CommandError

from sreda.core.active_role import system_operator
from sreda.core.text import plural
from sreda.library import indicators as ind
from sreda.stats.cli_indicators import organisations_named, parse_date
from sreda.stats.dashboards import directors_of

FORMATS = ("json", "csv", "xlsx")


def add_arguments(parser) -> None:
    parser.add_argument("--from", dest="date_from", required=True, metavar="ГГГГ-ММ-ДД",
                        help="Начало периода, например 2025-11-01.")
    parser.add_argument("--to", dest="date_to", required=True, metavar="ГГГГ-ММ-ДД",
                        help="Конец периода (включительно), например 2025-11-30.")
    parser.add_argument("--municipality", default="", metavar="НАЗВАНИЕ",
                        help="Только организации этого муниципалитета (название, регистр не важен).")
    parser.add_argument("--format", dest="fmt", choices=FORMATS, default="json", help="json, csv или xlsx.")
    parser.add_argument("--output", default="", metavar="ФАЙЛ", help="Записать в файл (по умолчанию — в stdout).")


def handle(command, *, date_from: str, date_to: str, municipality: str = "", fmt: str = "json", output: str = "",
           **options):
    start, end = parse_date(date_from), parse_date(date_to)
    problem = ind.period_check(start, end)
    if problem:
        raise CommandError(problem)
    if fmt == "xlsx" and not output:
        raise CommandError("XLSX — двоичный файл: укажите, куда его записать, через --output ФАЙЛ.")
    organisations = organisations_named(municipality)
    rows = ind.library_indicators(actor=system_operator(), date_from=start, date_to=end, organisations=organisations)
    if fmt == "json":
        data = (json.dumps(ind.indicators_json(date_from=start, date_to=end, rows=rows), ensure_ascii=False,
                           indent=2) + "\n").encode()
    else:
        contacts = directors_of([r.organisation.pk for r in rows])
        data = (ind.indicators_csv if fmt == "csv" else ind.indicators_xlsx)(rows, contacts)
    if output:
        Path(output).write_bytes(data)
        count = f"{len(rows)} {plural(len(rows), 'организация', 'организации', 'организаций')}"
        command.stderr.write(f"Показатели библиотеки с {start:%d.%m.%Y} по {end:%d.%m.%Y}: {count} — записано в {output}.")
        return
    command.stdout.write(data.decode("utf-8-sig"), ending="")
