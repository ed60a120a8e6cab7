"""`python -m sreda exchange runs --org INN [--kind KIND] [--status STATUS] [--limit N] [--json]`: the school's
runs, newest first, read as the platform operator (the machine's operator). The JSON is a list of the API's
run objects with their errors and warnings."""
from __future__ import annotations

import json

from django.core.management.base import CommandError
from django.utils import timezone

from sreda.core.active_role import system_operator
from sreda.exchange.models import RunKind, RunStatus
from sreda.exchange.selectors import runs_for
from sreda.exchange.text import place_text
from sreda.orgs.models import Organisation


def add_arguments(parser) -> None:
    parser.add_argument("--org", required=True, help="ИНН школы")
    parser.add_argument("--kind", choices=RunKind.values, help="только этот вид: " + ", ".join(
        f"{v} — {label}" for v, label in RunKind.choices))
    parser.add_argument("--status", choices=RunStatus.values, help="только этот итог: " + ", ".join(
        f"{v} — {label}" for v, label in RunStatus.choices))
    parser.add_argument("--limit", type=int, default=50, help="сколько последних запусков (по умолчанию 50)")
    parser.add_argument("--json", action="store_true", dest="as_json", help="вывести список одним массивом JSON")


def run_dict(run) -> dict:
    return {"id": run.pk, "kind": run.kind, "kind_label": run.get_kind_display(), "source": run.source,
            "status": run.status, "status_label": run.get_status_display(), "title": run.title,
            "message": run.message, "started_at": run.started_at.isoformat(), "finished_at": run.finished_at.isoformat(),
            "duration_seconds": run.duration_seconds, "counts": run.counts, "error_count": run.error_count,
            "warning_count": run.warning_count, "errors": run.errors, "warnings": run.warnings}


def handle(command, *, org: str, kind: str | None = None, status: str | None = None, limit: int = 50,
           as_json: bool = False, **options) -> None:
    organisation = Organisation.objects.filter(inn=(org or "").strip()).first()
    if organisation is None:
        raise CommandError(f"Школа с ИНН «{org}» не найдена.")
    runs = list(runs_for(actor=system_operator(), organisation=organisation, kind=kind or "", status=status or "")
                .defer(None)[:max(limit, 0)])
    out = command.stdout
    if as_json:
        out.write(json.dumps([run_dict(r) for r in runs], ensure_ascii=False))
        return
    if not runs:
        out.write(f"{organisation.short_name}: запусков обмена нет.")
        return
    out.write(f"{organisation.short_name}: запусков — {len(runs)} (новые первыми).")
    for run in runs:
        started = timezone.localtime(run.started_at)
        line = (f"{started:%d.%m.%Y %H:%M:%S}\t{run.duration_text}\t{run.get_kind_display()}\t{run.get_status_display()}"
                f"\t{run.counts_text}\tошибок: {run.error_count}, предупреждений: {run.warning_count}")
        out.write(command.style.ERROR(line) if run.problem else line)
        for e in run.errors[:5]:
            out.write(f"  ошибка: {place_text(e)}: {e.get('reason', '')}")
        for w in run.warnings[:5]:
            out.write(f"  предупреждение: {place_text(w)}: {w.get('reason', '')}")
