"""`python -m sreda stats import PATH [--json]` and `python -m sreda stats indicators --date … --format …`
(R31–R35). Each verb lives in its own module: stats/cli_import.py and stats/cli_indicators.py."""
from __future__ import annotations

from importlib import import_module

from django.core.management.base import BaseCommand

VERBS = {
    "import": ("sreda.stats.cli_import", "Загрузить выгрузку статистики платформы (таблица A–Y, XLSX или CSV)."),
    "indicators": ("sreda.stats.cli_indicators", "Показатели на дату: JSON, CSV или XLSX."),
}


class Command(BaseCommand):
    help = "Статистика активности: загрузка выгрузок платформ и показатели (R31–R35)."

    def add_arguments(self, parser):
        verbs = parser.add_subparsers(dest="verb", required=True, metavar="{" + ",".join(VERBS) + "}")
        for verb, (module, help_text) in VERBS.items():
            sub = verbs.add_parser(verb, help=help_text)
            import_module(module).add_arguments(sub)

    def handle(self, *args, verb: str, **options):
        return import_module(VERBS[verb][0]).handle(self, **options)
