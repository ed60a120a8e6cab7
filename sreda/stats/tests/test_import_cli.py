"""`python -m sreda stats import PATH [--json] [--as USERNAME]` (R35): the JSON shape of issue 4, human
output in Russian, a non-zero exit when a line has an error."""
import json
import subprocess
import sys
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from sreda.core.testing import make_member
from sreda.people.roles import Role
from sreda.stats.models import StatsSnapshot
from sreda.stats.tests.test_import_service import a_y_row, district, school, write_csv, write_xlsx  # noqa: F401

pytestmark = pytest.mark.django_db
KEYS = {"imported", "unchanged", "unmatched", "errors"}


def run(*args) -> tuple[dict | str, bool]:
    out = StringIO()
    try:
        call_command("stats", "import", *map(str, args), stdout=out)
        ok = True
    except CommandError:
        ok = False
    text = out.getvalue()
    return (json.loads(text) if "--json" in args else text), ok


def test_r35_json_shape_and_the_second_run_is_unchanged(tmp_path, school):
    path = write_xlsx(tmp_path / "stat.xlsx", [a_y_row(org_id="100500"), a_y_row(org_id="1", inn="7800000000",
                                                                                   name="Неизвестная школа")])
    data, ok = run(path, "--json")
    assert ok and set(data) == KEYS
    assert data == {"imported": 1, "unchanged": 0, "errors": [],
                    "unmatched": [{"line": 3, "org_id": "1", "inn": "7800000000", "short_name": "Неизвестная школа"}]}
    data, ok = run(path, "--json")
    assert ok and (data["imported"], data["unchanged"]) == (0, 1)
    assert StatsSnapshot.objects.count() == 1


def test_errors_give_a_non_zero_exit_and_the_good_lines_are_imported(tmp_path, school):
    path = write_csv(tmp_path / "s.csv", [a_y_row(org_id="100500"), a_y_row(org_id="100500", day="27.11.2025", L="много")])
    data, ok = run(path, "--json")
    assert not ok and data["imported"] == 1
    assert data["errors"] == [{"line": 3, "column": "L", "reason": "«много» не число"}]


def test_human_output_in_russian(tmp_path, school):
    path = write_csv(tmp_path / "s.csv", [a_y_row(org_id="100500"), a_y_row(org_id="9", name="Школа-призрак")])
    text, ok = run(path)
    assert ok and "Выгрузка статистики загружена." in text
    assert "Загружено строк: 1; без изменений: 0; не сопоставлено: 1; ошибок: 0." in text
    assert "строка 3: «Школа-призрак»" in text


def test_missing_file_and_a_user_without_the_right(tmp_path, school):
    data, ok = run(tmp_path / "nope.csv", "--json")
    assert not ok and "Файл не найден" in data["errors"][0]["reason"]
    user, _ = make_member(role=Role.TEACHER, organisation=school)
    path = write_csv(tmp_path / "s.csv", [a_y_row(org_id="100500")])
    data, ok = run(path, "--json", "--as", user.username)
    assert not ok and "методиста района" in data["errors"][0]["reason"]
    assert not StatsSnapshot.objects.exists()


def test_as_a_methodist_only_their_district(tmp_path, school):
    user, _ = make_member(role=Role.METHODIST, municipality=school.municipality)
    path = write_csv(tmp_path / "s.csv", [a_y_row(org_id="100500")])
    data, ok = run(path, "--json", "--as", user.username)
    assert ok and data["imported"] == 1


def test_python_m_sreda_stats_import_help():
    done = subprocess.run([sys.executable, "-m", "sreda", "stats", "import", "--help"], capture_output=True, text=True)
    assert done.returncode == 0 and "--json" in done.stdout and "--as" in done.stdout
