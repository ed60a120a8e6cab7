"""`python -m sreda chats plan --org INN [--json]`: the chats a school should have from its roster (R24, R27)
and how many changes a sync would make. With --json — the plan as one JSON list:
[{"kind", "class", "title", "read_only", "members": [{"person_id", "full_name", "role", "linked"}]}]."""
from __future__ import annotations

import json

from django.core.management.base import CommandError

from sreda.chats.diff import diff
from sreda.chats.plan import school_plan
from sreda.orgs.models import Organisation


def add_arguments(parser) -> None:
    parser.add_argument("--org", required=True, help="ИНН школы")
    parser.add_argument("--json", action="store_true", dest="as_json", help="вывести план одним списком JSON")


def handle(command, *, org: str, as_json: bool = False, **options):
    organisation = Organisation.objects.filter(inn=(org or "").strip()).first()
    if organisation is None:
        raise CommandError(f"Школа с ИНН «{org}» не найдена.")
    plan = school_plan(organisation)
    if as_json:
        command.stdout.write(json.dumps([chat.as_dict() for chat in plan], ensure_ascii=False))
        return
    changes = {d.key: d for d in diff(organisation, plan)}
    out = command.stdout
    out.write(f"План чатов: {organisation.short_name} (ИНН {organisation.inn})")
    out.write(f"{'Чат':<40} {'Участников':>10} {'Привязано':>10} {'Односторонний':>14}  Изменения")
    for chat in plan:
        linked = sum(1 for m in chat.members if m.linked)
        d = changes.get(chat.key)
        todo = _short(d) if d else ""
        out.write(f"{chat.title:<40} {len(chat.members):>10} {linked:>10} {'да' if chat.read_only else 'нет':>14}  "
                  f"{todo}")
    archived = [d for d in changes.values() if d.archive]
    for d in archived:
        out.write(f"{d.title:<40} {'':>10} {'':>10} {'':>14}  в архив")
    out.write(f"Всего чатов: {len(plan)}; к архивации: {len(archived)}.")


def _short(d) -> str:
    parts = []
    if d.create:
        parts.append("создать")
    if d.rename:
        parts.append("переименовать")
    if d.read_only is not None:
        parts.append("сменить режим")
    if d.add:
        parts.append(f"добавить {len(d.add)}")
    if d.remove:
        parts.append(f"удалить {len(d.remove)}")
    return ", ".join(parts) or "без изменений"
