"""`python -m sreda generate --schools N --seed S [--out DIR] [--no-import] [--json]`: a synthetic region.

Writes a OneRoster 1.1 folder and imports it through the same roster import as a school's upload,
acting as the platform operator; then records ОО-1 totals (R4) for the generated schools.
"""
from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from sreda.demo.synth import write_oneroster
from sreda.orgs.school_year import school_year_start


class Command(BaseCommand):
    help = "Сгенерировать синтетический регион (OneRoster 1.1) и импортировать его."

    def add_arguments(self, parser):
        parser.add_argument("--schools", type=int, default=12, help="сколько школ (по умолчанию 12)")
        parser.add_argument("--seed", type=int, default=1, help="зерно генератора: один seed — одни и те же данные")
        parser.add_argument("--classes", type=int, default=22, help="классов в школе (22 = 1А–11Б)")
        parser.add_argument("--out", type=Path, help="папка для файлов OneRoster (иначе временная)")
        parser.add_argument("--no-import", action="store_true", help="только записать файлы в --out")
        parser.add_argument("--json", action="store_true", dest="as_json", help="итог в JSON")

    def handle(self, *args, schools, seed, classes, out, no_import, as_json, **options):
        if no_import and out is None:
            raise CommandError("--no-import имеет смысл только вместе с --out: иначе файлы некуда записать.")
        if schools < 1 or classes < 1:
            raise CommandError("Нужна хотя бы одна школа и хотя бы один класс.")
        started = time.perf_counter()
        if out is not None:
            summary = self._run(out, keep=True, schools=schools, seed=seed, classes=classes,
                                do_import=not no_import, as_json=as_json)
        else:
            with tempfile.TemporaryDirectory(prefix="sreda-region-") as tmp:
                summary = self._run(Path(tmp), keep=False, schools=schools, seed=seed, classes=classes,
                                    do_import=True, as_json=as_json)
        summary["seconds"] = round(time.perf_counter() - started, 2)
        if as_json:
            self.stdout.write(_dumps(summary))
        else:
            self._print(summary)

    def _run(self, folder: Path, *, keep, schools, seed, classes, do_import, as_json) -> dict:
        counts = write_oneroster(folder, schools=schools, seed=seed, classes_per_school=classes, school_year=school_year_start())
        summary = {"seed": seed, "generated": counts, "out": str(folder) if keep else None}
        if not do_import:
            return summary
        result = _import(folder, progress=None if as_json else self._progress())
        summary["import"] = result.as_dict()
        if not result.applied:
            raise CommandError(_failure(result))
        summary["oo1_recorded"] = _record_statistics(seed=seed, schools=schools)
        return summary

    def _progress(self):
        shown = {"step": -1}

        def progress(percent: int, message: str) -> None:
            step = int(percent) // 10
            if step != shown["step"]:
                shown["step"] = step
                self.stdout.write(f"  {int(percent):3d}%  {message}")
        return progress

    def _print(self, summary: dict) -> None:
        c = summary["generated"]
        self.stdout.write(self.style.SUCCESS(f"Синтетический регион (seed {summary['seed']}):"))
        self.stdout.write(
            f"  школ — {c['schools']}, классов — {c['classes']} (и {c['scheduled_classes']} учебных групп), "
            f"обучающихся — {c['students']}, родителей — {c['parents']}, учителей — {c['teachers']}, "
            f"администраторов — {c['administrators']}, сотрудников — {c['aides']}; людей всего — {c['people']}."
        )
        if summary.get("out"):
            self.stdout.write(f"  Файлы OneRoster 1.1: {summary['out']} (строк данных — {c['rows']}).")
        if "import" in summary:
            r = summary["import"]
            n = {k: _count(r.get(k)) for k in ("created", "updated", "ended", "unchanged", "skipped", "errors")}
            self.stdout.write(
                f"  Импорт: создано — {n['created']}, обновлено — {n['updated']}, завершено — {n['ended']}, "
                f"без изменений — {n['unchanged']}, пропущено — {n['skipped']}, ошибок — {n['errors']}."
            )
            start = school_year_start()
            self.stdout.write(f"  Показатели ОО-1 за {start}/{start + 1} обновлены у организаций: "
                              f"{summary['oo1_recorded']}.")
        self.stdout.write(f"  Время: {summary['seconds']} с.")


def _import(folder: Path, *, progress):
    # Imported here, not at the top: the roster app may be absent, and `--no-import` must still work.
    from sreda.core.active_role import system_operator
    from sreda.roster.services import roster_import

    return roster_import(actor=system_operator(), path=folder, progress=progress)


def _record_statistics(*, seed: int, schools: int) -> int:
    from sreda.core.active_role import system_operator
    from sreda.demo.services import oo1_statistics_record, school_year_of
    from sreda.demo.synth import school_sourced_id
    from sreda.orgs.models import Organisation

    start = school_year_start()
    year = school_year_of(start)
    if year is None:
        raise CommandError(f"После импорта нет учебного года {start}/{start + 1}: проверьте academicSessions.csv.")
    ids = [school_sourced_id(seed, n) for n in range(1, schools + 1)]
    organisations = list(Organisation.objects.filter(external_id__in=ids))
    return oo1_statistics_record(actor=system_operator(), organisations=organisations, school_year=year, seed=seed)


def _count(value) -> int:
    if isinstance(value, (list, tuple, dict)):
        return len(value)
    return int(value or 0)


def _failure(result) -> str:
    lines = ["Импорт не выполнен, ничего не изменено."]
    for error in list(getattr(result, "errors", None) or [])[:20]:
        if isinstance(error, dict):
            where = f"{error.get('file', '')}:{error.get('line', '')} {error.get('column', '')}".strip()
            lines.append(f"  {where} — {error.get('reason', '')}")
        else:
            lines.append(f"  {error}")
    return "\n".join(lines)


def _dumps(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, default=str)
