"""`python -m sreda demo [--no-serve] [--no-messenger] [--port 8000] [--schools 12] [--seed 1]`: what `make demo` runs.

Migrates, generates the demo district when the database has no organisations, makes one sign-in
account per role (without consent, so the first sign-in shows the consent page, R3), prints who is
who, then starts a local Matrix homeserver for the chats (sreda/demo/messenger.py; skipped with a
message when Synapse is not installed), the task worker and the web server, until Ctrl+C.
"""
from __future__ import annotations

import signal
from importlib import import_module
import subprocess
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from sreda.core.active_role import system_operator
from sreda.demo.activity import demo_activity_ensure, demo_regions, demo_roadmap_ensure
from sreda.demo.library import demo_library_ensure
from sreda.demo.services import DEMO_PASSWORD, demo_accounts_ensure
from sreda.orgs.models import Organisation


# The parts after the library, in the order they depend on.
DEMO_PARTS = (
    "sreda.demo.joining",  # R20–R22: requests waiting, a parent invitation, a parent's correction
    "sreda.demo.onboarding",  # R23: the deadline of the school's order, a document to acknowledge
    "sreda.demo.dpo",  # R36–R38: the regional centre's programs and groups, the demo teacher's applications
)


class Command(BaseCommand):
    help = "Демо: база, синтетический район, учётные записи по ролям и запуск сервера."

    def add_arguments(self, parser):
        parser.add_argument("--no-serve", action="store_true", help="не запускать сервер и обработчик задач")
        parser.add_argument("--no-messenger", action="store_true",
                            help="не запускать локальный сервер Matrix для чатов (R24–R30)")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--schools", type=int, default=12, help="школ в демо-районе (если база пуста)")
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args, no_serve, no_messenger, port, schools, seed, **options):
        verbosity = options.get("verbosity", 1)
        call_command("migrate", interactive=False, verbosity=max(verbosity - 1, 0), stdout=self.stdout)
        if not Organisation.objects.exists():
            self.stdout.write(f"База пуста: создаю демо-район ({schools} школ, seed {seed})…")
            call_command("generate", schools=schools, seed=seed, stdout=self.stdout, stderr=self.stderr)
        accounts = demo_accounts_ensure(actor=system_operator(), password=DEMO_PASSWORD)
        for region in demo_regions():
            demo_roadmap_ensure(actor=system_operator(), region=region)
        stored = demo_activity_ensure(actor=system_operator())
        if stored:
            self.stdout.write(f"Активность в мессенджере за 8 недель: {stored} событий (R30).")
        for message in demo_library_ensure(actor=system_operator()):
            self.stdout.write(message)
        for module in DEMO_PARTS:  # each idempotent, with a line to print when it added something
            message = import_module(module).ensure(system_operator())
            if message:
                self.stdout.write(message)
        self._print_accounts(accounts, port)
        if not no_serve:
            homeserver = None if no_messenger else self._start_messenger(port)
            try:
                self._serve(port)
            finally:
                if homeserver is not None:
                    homeserver.stop()
                    self.stdout.write("Сервер Matrix остановлен.")

    def _start_messenger(self, port: int):
        """The chats need a homeserver: a local Synapse, its rooms filled by the first sync in the worker."""
        from sreda.chats.synapse_harness import SynapseUnavailable
        from sreda.demo import messenger

        try:
            server = messenger.start(demo_port=port)
        except SynapseUnavailable as exc:
            self.stdout.write(self.style.WARNING(f"Чаты в мессенджере не показаны: {exc}"))
            return None
        try:
            connected = messenger.connect_demo_school(actor=system_operator(), server=server)
        except Exception:
            server.stop()
            raise
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"Мессенджер (Matrix): {server.base_url}, сервер {server.server_name}"))
        if connected is not None:
            self.stdout.write(
                f"{connected.school_name}: {connected.accounts} учётных записей Matrix привязаны, первая "
                "синхронизация чатов идёт в фоне (меню «Задачи обмена»).")
            self.stdout.write(f"Вход в клиенте Matrix: {', '.join(connected.logins)}, пароль {DEMO_PASSWORD}")
        return server

    def _print_accounts(self, accounts, port: int) -> None:
        rows = [("Роль", "Логин", "Пароль", "Что посмотреть")]
        rows += [(a.role, a.username, DEMO_PASSWORD, f"{a.look_at} ({a.person})") for a in accounts]
        widths = [max(len(r[i]) for r in rows) for i in range(3)]
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS("Учётные записи демо:"))
        for n, row in enumerate(rows):
            line = "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:3])) + "  " + row[3]
            self.stdout.write(line)
            if n == 0:
                self.stdout.write("-" * min(len(line), 120))
        new = sum(a.created for a in accounts)
        self.stdout.write("")
        self.stdout.write(f"Новых учётных записей: {new}, уже были: {len(accounts) - new}. "
                          "При первом входе откроется согласие на обработку персональных данных (R3).")
        self.stdout.write(f"Адрес: http://127.0.0.1:{port}/")

    def _serve(self, port: int) -> None:
        """The huey worker as a child process; the dev server in this one; Ctrl+C stops both."""
        # Ctrl+C and `kill` both end up in the `finally` below, so the worker never outlives the server
        # (a shell that starts us in the background would otherwise leave SIGINT ignored).
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, _interrupt)
        worker = subprocess.Popen([sys.executable, "-m", "sreda", "run_huey"], cwd=settings.BASE_DIR)
        self.stdout.write(f"Обработчик задач запущен (pid {worker.pid}). Остановить всё: Ctrl+C.")
        try:
            call_command("runserver", f"127.0.0.1:{port}", use_reloader=False)
        except KeyboardInterrupt:
            pass
        finally:
            worker.terminate()
            try:
                worker.wait(timeout=10)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()
            self.stdout.write("Обработчик задач остановлен.")


def _interrupt(signum, frame):
    raise KeyboardInterrupt
