"""R14 CLI: `python -m sreda library schedule import PATH --org INN [--json]` and `… publish --org INN
[--json]` — synchronous, the API's JSON, a non-zero exit on errors."""
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from sreda.library.models import ScheduleLesson
from sreda.library.tests.test_schedule_support import add_lesson, build_school

pytestmark = pytest.mark.django_db


def run(*args):
    out = StringIO()
    try:
        call_command("library", "schedule", *map(str, args), stdout=out)
        ok = True
    except CommandError:
        ok = False
    text = out.getvalue()
    return (json.loads(text) if "--json" in args else text), ok


def test_r14_cli_import_json_shape_and_second_run_unchanged(tmp_path):
    school = build_school()
    path = tmp_path / "schedule.csv"
    path.write_text(f"Дата;Класс;Предмет;Учитель\n{timezone.localdate():%d.%m.%Y};5А;Математика;Петрова Мария\n",
                    encoding="cp1251")
    data, ok = run("import", path, "--org", school.organisation.inn, "--json")
    assert ok and data == {"created": 1, "updated": 0, "unchanged": 0, "errors": []}
    data, ok = run("import", path, "--org", school.organisation.inn, "--json")
    assert ok and data["unchanged"] == 1


def test_r14_cli_import_errors_exit_non_zero_and_store_nothing(tmp_path):
    school = build_school()
    path = tmp_path / "bad.csv"
    path.write_text(f"Дата,Класс,Предмет,Учитель\n{timezone.localdate():%d.%m.%Y},5А,Математика,Никто Никтович\n",
                    encoding="utf-8")
    data, ok = run("import", path, "--org", school.organisation.inn, "--json")
    assert not ok and data["errors"] == [{"file": "bad.csv", "line": 2, "column": "Учитель",
                                          "reason": "учитель «Никто Никтович» не найден среди учителей школы"}]
    text, ok = run("import", path, "--org", school.organisation.inn)
    assert not ok and "строка 2, столбец «Учитель»" in text
    assert not ScheduleLesson.objects.exists()


def test_r14_cli_publish_json_and_unknown_inn():
    school = build_school()
    add_lesson(school)
    data, ok = run("publish", "--org", school.organisation.inn, "--json")
    assert ok and {k: data[k] for k in ("status", "progress", "lessons")} == {"status": "done", "progress": 100,
                                                                               "lessons": 1}
    assert set(data) == {"id", "status", "progress", "lessons", "message", "contact"}
    with pytest.raises(CommandError, match="не найдена"):
        call_command("library", "schedule", "publish", "--org", "0000000000", stdout=StringIO())
