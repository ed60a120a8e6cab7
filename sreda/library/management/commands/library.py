"""`python -m sreda library VERB …` (R14–R19). Each verb lives in its own module with
`add_arguments(parser)` and `handle(command, **options)`."""
from __future__ import annotations

from importlib import import_module

from django.core.management.base import BaseCommand

VERBS = {
    "access": ("sreda.library.cli_access", "Доступ педагогов школы к библиотеке и причины отказа (R15)."),
    "schedule": ("sreda.library.cli_schedule", "Расписание: импорт уроков и «Выгрузка МояШкола» (R14)."),
    "catalogue": ("sreda.library.cli_catalogue", "Каталог: загрузка уроков из CSV/XLSX и поиск (R16–R17)."),
    "indicators": ("sreda.library.cli_indicators", "Показатели библиотеки по школам (R19)."),
}


class Command(BaseCommand):
    help = "Библиотека УБ ЦОК: доступ, расписание, каталог, показатели (R14–R19)."

    def add_arguments(self, parser):
        verbs = parser.add_subparsers(dest="verb", required=True, metavar="{" + ",".join(VERBS) + "}")
        for verb, (module, help_text) in VERBS.items():
            sub = verbs.add_parser(verb, help=help_text)
            import_module(module).add_arguments(sub)

    def handle(self, *args, verb: str, **options):
        return import_module(VERBS[verb][0]).handle(self, **options)
