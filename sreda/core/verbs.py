"""Management commands with verbs (`python -m sreda stats import …`, `python -m sreda library access …`): each
verb lives in its own module with `add_arguments(parser)` and `handle(command, **options)`."""
from __future__ import annotations

from importlib import import_module

from django.core.management.base import BaseCommand


class VerbCommand(BaseCommand):
    VERBS: dict[str, tuple[str, str]] = {}  # verb → (module, help)

    def add_arguments(self, parser):
        verbs = parser.add_subparsers(dest="verb", required=True, metavar="{" + ",".join(self.VERBS) + "}")
        for verb, (module, help_text) in self.VERBS.items():
            import_module(module).add_arguments(verbs.add_parser(verb, help=help_text))

    def handle(self, *args, verb: str, **options):
        return import_module(self.VERBS[verb][0]).handle(self, **options)
