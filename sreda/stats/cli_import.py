"""Placeholder until this verb is built (issue 4)."""
from django.core.management.base import CommandError


def add_arguments(parser) -> None:
    pass


def handle(command, **options):
    raise CommandError("Эта команда ещё не готова.")
