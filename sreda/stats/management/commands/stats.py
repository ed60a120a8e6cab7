"""`python -m sreda stats import PATH [--json]` and `python -m sreda stats indicators --date … --format …`
(R31–R35). Each verb lives in its own module: stats/cli_import.py and stats/cli_indicators.py."""
from __future__ import annotations

from sreda.core.verbs import VerbCommand

VERBS = {
    "import": ("sreda.stats.cli_import", "Загрузить выгрузку статистики платформы (таблица A–Y, XLSX или CSV)."),
    "indicators": ("sreda.stats.cli_indicators", "Показатели на дату: JSON, CSV или XLSX."),
}


class Command(VerbCommand):
    help = "Статистика активности: загрузка выгрузок платформ и показатели (R31–R35)."
    VERBS = VERBS
