"""`python -m sreda import-roster`: human and JSON output, exit status."""
import json
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from sreda.people.models import Person
from sreda.people.roles import Role
from sreda.roster.tests.factories import school_roster, template_rows, write_template_csv

pytestmark = pytest.mark.django_db
KEYS = {"created", "updated", "ended", "unchanged", "skipped", "errors"}


def run(*args) -> tuple[dict | str, bool]:
    out = StringIO()
    try:
        call_command("import-roster", *map(str, args), stdout=out)
        ok = True
    except CommandError:
        ok = False
    text = out.getvalue()
    return (json.loads(text) if "--json" in args else text), ok


def test_json_output_of_a_good_import(tmp_path, school):
    data, ok = run(school_roster(school_inn=school.inn).write(tmp_path / "or"), "--json")
    assert ok and set(data) == KEYS
    assert (data["created"], data["skipped"], data["errors"]) == (4, [], [])


def test_json_output_and_failure_exit_on_bad_rows(tmp_path, school):
    roster = school_roster(school_inn=school.inn).change("users.csv", "s1", role="janitor")
    data, ok = run(roster.write(tmp_path / "or"), "--json")
    assert not ok and set(data) == KEYS
    assert data["errors"] == [{"file": "users.csv", "line": 3, "column": "role",
                               "reason": data["errors"][0]["reason"]}]
    assert set(data["errors"][0]) == {"file", "line", "column", "reason"}
    assert Person.objects.count() == 0

    data, ok = run(tmp_path / "or", "--json", "--skip-bad")
    assert ok and ("users.csv", 3) in [(s["file"], s["line"]) for s in data["skipped"]]
    assert set(data["skipped"][0]) == {"file", "line", "reason"}


def test_template_with_org_and_human_output(tmp_path, school):
    path = write_template_csv(tmp_path / "a.csv", template_rows())
    text, ok = run(path, "--org", school.inn)
    assert ok and "Контингент загружен" in text and "Новых людей: 4" in text


def test_as_a_user_without_the_right(tmp_path, school, admin_of):
    _, user, _ = admin_of(school, role=Role.TEACHER)
    data, ok = run(school_roster(school_inn=school.inn).write(tmp_path / "or"), "--as", user.username, "--json")
    assert not ok and "администратору ОО" in data["errors"][0]["reason"]


def test_as_the_school_administrator(tmp_path, school, admin_of):
    _, user, _ = admin_of(school)
    data, ok = run(write_template_csv(tmp_path / "a.csv", template_rows()), "--org", school.inn, "--as", user.username, "--json")
    assert ok and data["created"] == 4


def test_runs_as_python_dash_m_sreda():
    root = Path(__file__).resolve().parents[3]
    done = subprocess.run([sys.executable, "-m", "sreda", "import-roster", "--help"], cwd=root, capture_output=True, text=True)
    assert done.returncode == 0 and "--skip-bad" in done.stdout
    done = subprocess.run([sys.executable, "-m", "sreda", "import-roster", "/nonexistent", "--json"], cwd=root,
                          capture_output=True, text=True)
    assert done.returncode != 0 and json.loads(done.stdout)["errors"][0]["reason"].startswith("Файл или папка не найдены")
