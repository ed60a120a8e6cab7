"""`python -m sreda dpo VERB …` (R36–R38). Each verb lives in its own module with `add_arguments(parser)` and
`handle(command, **options)`."""
from __future__ import annotations

from sreda.core.verbs import VerbCommand

VERBS = {
    "applications": ("sreda.dpo.cli", "Заявки школы на программы ДПО: номер, статус, заявитель, программа (R38)."),
}


class Command(VerbCommand):
    help = "Организация ДПО: заявки на обучение (R36–R38)."
    VERBS = VERBS
