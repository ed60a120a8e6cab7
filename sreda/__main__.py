"""`python -m sreda COMMAND`: every Django management command and Sreda's own.

Sub-commands with a space in their docs (`python -m sreda stats import`) are Django commands
whose first argument is the verb; this module only sets the settings module and hands over.
"""
import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sreda.settings")
    from django.core.management import execute_from_command_line

    argv = list(sys.argv if argv is None else argv)
    argv[0] = "python -m sreda"
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
