"""`python -m sreda exchange VERB …` (issue #10): the exchange journal of a school and the health of the schools."""
from __future__ import annotations

from sreda.core.verbs import VerbCommand

VERBS = {
    "runs": ("sreda.exchange.cli_runs", "Журнал обмена школы: запуски импорта и синхронизаций, ошибки и предупреждения."),
    "health": ("sreda.exchange.cli_health", "Состояние обмена школ: последний запуск каждого вида, «ошибка», "
                                            "«нет обмена более суток»."),
}


class Command(VerbCommand):
    help = "Журнал обмена: запуски импорта и синхронизаций школ и их состояние (issue #10)."
    VERBS = VERBS
