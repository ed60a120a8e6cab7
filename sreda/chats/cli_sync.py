"""`python -m sreda chats sync …`."""
from django.core.management.base import CommandError


def add_arguments(parser) -> None:
    pass


def handle(command, **options):
    raise CommandError("Ещё не готово.")
