"""`python -m sreda library VERB …` (R14–R19). Each verb lives in its own module with
`add_arguments(parser)` and `handle(command, **options)`."""
from __future__ import annotations

from sreda.core.verbs import VerbCommand

VERBS = {
    "access": ("sreda.library.cli_access", "Доступ педагогов школы к библиотеке и причины отказа (R15)."),
    "schedule": ("sreda.library.cli_schedule", "Расписание: импорт уроков и «Выгрузка МояШкола» (R14)."),
    "catalogue": ("sreda.library.cli_catalogue", "Каталог: загрузка уроков из CSV/XLSX и поиск (R16–R17)."),
    "indicators": ("sreda.library.cli_indicators", "Показатели библиотеки по школам (R19)."),
}


class Command(VerbCommand):
    help = "Библиотека УБ ЦОК: доступ, расписание, каталог, показатели (R14–R19)."
    VERBS = VERBS
