"""`python -m sreda chats VERB …` (R24–R29)."""
from __future__ import annotations

from sreda.core.verbs import VerbCommand

VERBS = {
    "plan": ("sreda.chats.cli_plan", "План чатов школы из контингента и отличия от мессенджера (R24, R27)."),
    "sync": ("sreda.chats.cli_sync", "Синхронизация чатов школы с мессенджером (R25–R28)."),
    "backfill": ("sreda.chats.cli_backfill", "Догрузка пропущенных сообщений чатов из истории комнат (R30)."),
}


class Command(VerbCommand):
    help = "Чаты школы в мессенджере: план, синхронизация и догрузка сообщений (R24–R30)."
    VERBS = VERBS
