"""`python -m sreda year-transition (--org INN | --municipality NAME) [--date DD.MM.YYYY] [--run | --undo] [--json]`.

Without --run or --undo it prints the preview and changes nothing. Exit codes: 0 done (or a preview), 1 refused.
"""
import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from sreda.core import active_role as ar
from sreda.core.text import parse_day
from sreda.orgs.models import Municipality, Organisation, TransitionStatus, YearTransition
from sreda.orgs.transition import (
    district_previews,
    district_run,
    transition_dict,
    transition_preview,
    transition_run,
    transition_undo,
)


class Command(BaseCommand):
    help = ("Переход на новый учебный год: предпросмотр, выполнение (--run) или отмена (--undo) для школы (--org) "
            "или для всех школ муниципалитета (--municipality). Действует оператор платформы.")

    def add_arguments(self, parser):
        where = parser.add_mutually_exclusive_group(required=True)
        where.add_argument("--org", dest="inn", help="ИНН школы")
        where.add_argument("--municipality", help="название муниципалитета: все его школы")
        parser.add_argument("--date", help="дата перехода, 01.09.2026 или 2026-09-01 (по умолчанию 1 сентября)")
        what = parser.add_mutually_exclusive_group()
        what.add_argument("--run", action="store_true", help="выполнить переход")
        what.add_argument("--undo", action="store_true", help="отменить последний переход (только для --org)")
        parser.add_argument("--json", action="store_true", help="вывести итог как JSON")

    def handle(self, *args, inn=None, municipality=None, date=None, run=False, undo=False, json=False, **options):
        day = None
        if date:
            day = parse_day(date)
            if day is None:
                raise CommandError(f"Дата «{date}» не читается: 01.09.2026 или 2026-09-01.")
        actor = ar.system_operator()
        if inn:
            organisation = Organisation.objects.select_related("municipality__region").filter(inn=inn.strip()).first()
            if organisation is None:
                raise CommandError(f"Организация с ИНН {inn} не найдена.")
            return self.school(actor, organisation, day, run=run, undo=undo, as_json=json)
        found = Municipality.objects.filter(name=municipality).first()
        if found is None:
            raise CommandError(f"Муниципалитет «{municipality}» не найден.")
        if undo:
            raise CommandError("Отмена выполняется для каждой школы: --org ИНН --undo.")
        previews = district_previews(actor=actor, municipality_id=found.pk, day=day)
        if not run:
            self.out([p.as_dict() for p in previews], json, lambda: [self.human(p.as_dict()) for p in previews])
            return
        done, skipped = district_run(actor=actor, previews=previews)
        result = {"done": [transition_dict(t) for t in done],
                  "skipped": [{"organisation_id": o.pk, "organisation": o.short_name, "problems": p} for o, p in skipped]}
        self.out(result, json, lambda: self.stdout.write(
            f"Переведено школ: {len(done)}; не переведено: {len(skipped)}."
            + "".join(f"\n  {o.short_name}: {' '.join(p)}" for o, p in skipped)))

    def school(self, actor, organisation, day, *, run: bool, undo: bool, as_json: bool):
        try:
            if undo:
                last = (YearTransition.objects.filter(organisation=organisation, status=TransitionStatus.DONE)
                        .order_by("-created_at", "-id").first())
                if last is None:
                    raise CommandError("У школы нет выполненного перехода.")
                undone = transition_undo(actor=actor, transition=last)
                self.out(transition_dict(undone), as_json, lambda: self.stdout.write(
                    self.style.SUCCESS(f"Переход в {undone.to_year.title} отменён.")))
                return
            if run:
                done = transition_run(actor=actor, organisation=organisation, day=day)
                self.out(transition_dict(done), as_json, lambda: self.stdout.write(self.style.SUCCESS(
                    f"Школа переведена в {done.to_year.title} с {done.date:%d.%m.%Y}: переходят "
                    f"{done.summary['students_moving']}, выпускников {done.summary['students_graduating']}.")))
                return
        except ValidationError as exc:
            if as_json:
                self.stdout.write(json.dumps({"problems": exc.messages}, ensure_ascii=False))
            raise CommandError(" ".join(exc.messages)) from None
        preview = transition_preview(actor=actor, organisation=organisation, day=day).as_dict()
        self.out(preview, as_json, lambda: self.human(preview))

    def out(self, data, as_json: bool, human) -> None:
        if as_json:
            self.stdout.write(json.dumps(data, ensure_ascii=False, default=str))
        else:
            human()

    def human(self, p: dict) -> None:
        self.stdout.write(f"{p['organisation']}: {p['from_year'] or '—'} → {p['to_year'] or '—'}, дата {p['date'] or '—'}")
        for c in p["classes"]:
            self.stdout.write(f"  {c['title']} → {c['new_title'] or 'выпуск'}: обучающихся {c['students']}")
        for problem in p["problems"]:
            self.stdout.write(self.style.ERROR(f"  Нельзя: {problem}"))
        if p["can_run"]:
            self.stdout.write("  Готова к переходу: повторите с --run.")
