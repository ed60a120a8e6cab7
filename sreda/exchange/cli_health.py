"""`python -m sreda exchange health [--municipality NAME] [--problems] [--q TEXT] [--json]`: every school (of the
municipality) with its last run of each kind, its last successful run and the flags «ошибка» and «нет обмена
более суток», schools with problems first; read as the platform operator. Exits 0 whatever it finds."""
from __future__ import annotations

import json

from django.core.management.base import CommandError
from django.utils import timezone

from sreda.core.active_role import system_operator
from sreda.core.text import fold
from sreda.exchange.selectors import health_rows, health_schools
from sreda.orgs.models import Municipality

LIMIT = 10_000


def add_arguments(parser) -> None:
    parser.add_argument("--municipality", help="название муниципалитета (района), как в справочнике")
    parser.add_argument("--problems", action="store_true", help="только школы с ошибкой или без обмена более суток")
    parser.add_argument("--q", default="", help="часть названия школы или ИНН")
    parser.add_argument("--json", action="store_true", dest="as_json", help="вывести список одним массивом JSON")


def _municipality(name: str | None) -> Municipality | None:
    if not name:
        return None
    # Compared folded in Python: SQLite's case-insensitive match knows only Latin letters.
    wanted = fold(name)
    found = [m for m in Municipality.objects.select_related("region").only("pk", "name", "region__name")
             if fold(m.name) == wanted]
    if not found:
        raise CommandError(f"Муниципалитет «{name}» не найден.")
    if len(found) > 1:
        raise CommandError(f"Муниципалитетов «{name}» несколько (в регионах: "
                           f"{', '.join(m.region.name for m in found)}): уточните в справочнике.")
    return found[0]


def _iso(value):
    return value.isoformat() if value else None


def handle(command, *, municipality: str | None = None, problems: bool = False, q: str = "", as_json: bool = False,
           **options) -> None:
    place = _municipality(municipality)
    schools = health_schools(actor=system_operator(), problems_only=problems, query=q,
                             municipality_id=place.pk if place else None)
    rows = health_rows(list(schools[:LIMIT]))
    if as_json:
        command.stdout.write(json.dumps([{
            "organisation_id": r.organisation.pk, "name": r.organisation.short_name, "inn": r.organisation.inn,
            "failed": r.failed, "silent": r.silent, "last_at": _iso(r.last_at), "last_success_at": _iso(r.last_success_at),
            "kinds": [{"kind": c.kind, "kind_label": c.label, "status": c.status, "finished_at": _iso(c.finished_at),
                       "run_id": c.run_id} for c in r.cells],
        } for r in rows], ensure_ascii=False))
        return
    if not rows:
        command.stdout.write("Школ не найдено.")
        return
    for r in rows:
        flags = [text for on, text in ((r.failed, "ошибка"), (r.silent, "нет обмена более суток")) if on] or ["в порядке"]
        last = f"{timezone.localtime(r.last_at):%d.%m.%Y %H:%M}" if r.last_at else "не было"
        line = f"{r.organisation.short_name} (ИНН {r.organisation.inn}): {', '.join(flags)}; последний обмен: {last}"
        command.stdout.write(command.style.ERROR(line) if r.problem else line)
        for c in r.cells:
            if c.status:
                command.stdout.write(f"  {c.label}: {c.status_label}, {timezone.localtime(c.finished_at):%d.%m.%Y %H:%M}")
