"""`python -m sreda joining VERB …` (R20): the school's join requests with the roster match, and
«Одобрить все точные совпадения». The verbs live in sreda.onboarding.cli_joining."""
from __future__ import annotations

from importlib import import_module

from sreda.core.verbs import VerbCommand

MODULE = "sreda.onboarding.cli_joining"


class Command(VerbCommand):
    help = "Заявки на вступление в школу: список со сверкой с контингентом и одобрение точных совпадений (R20)."
    VERBS = {
        "requests": (MODULE, "заявки школы со сверкой ФИО и даты рождения с контингентом"),
        "approve-matching": (MODULE, "одобрить все ожидающие заявки с точным совпадением"),
    }

    def handle(self, *args, verb: str, **options):
        return import_module(MODULE).handle(self, verb=verb, **options)
