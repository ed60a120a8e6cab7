"""Issue #10, item 3, the CLI: `python -m sreda exchange runs --org INN [--json]` and
`python -m sreda exchange health [--municipality NAME] [--json]`."""
import json
import subprocess
import sys
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from sreda.core.testing import make_municipality, make_organisation
from sreda.exchange.models import RunKind, RunStatus
from sreda.exchange.tests.factories import make_run

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command("exchange", *map(str, args), stdout=out)
    return out.getvalue()


def test_runs_as_json_with_errors_and_warnings():
    school = make_organisation()
    make_run(school, ago=timedelta(hours=2))
    make_run(school, kind=RunKind.CHAT_SYNC, status=RunStatus.FAILED,
             errors=[{"what": "«Учительская»: добавить @a:s", "reason": "Сервер не отвечает", "hint": "Повторите"}])

    data = json.loads(run("runs", "--org", school.inn, "--json"))

    assert [(r["kind"], r["status"]) for r in data] == [("chat_sync", "failed"), ("roster", "success")]
    assert data[0]["errors"] == [{"what": "«Учительская»: добавить @a:s", "reason": "Сервер не отвечает",
                                  "hint": "Повторите"}]
    assert data[1]["counts"] == {"rows": 10, "created": 4} and data[1]["duration_seconds"] == 12.0
    assert json.loads(run("runs", "--org", school.inn, "--status", "success", "--json"))[0]["kind"] == "roster"
    text = run("runs", "--org", school.inn)
    assert "Синхронизация чатов\tне выполнен" in text and "ошибка: «Учительская»: добавить @a:s: Сервер не отвечает" in text


def test_health_of_a_municipality_as_json_problems_first():
    municipality = make_municipality(name="Выборгский район")
    quiet = make_organisation(municipality=municipality, short_name="Школа Тихая")
    fine = make_organisation(municipality=municipality, short_name="Школа Ладная")
    make_run(quiet, ago=timedelta(days=2))
    make_run(fine)
    make_run(make_organisation(short_name="Школа другого района"), status=RunStatus.FAILED)

    data = json.loads(run("health", "--municipality", "выборгский район", "--json"))

    assert [(s["name"], s["failed"], s["silent"]) for s in data] == [
        ("Школа Тихая", False, True), ("Школа Ладная", False, False)]
    assert [s["name"] for s in json.loads(run("health", "--municipality", "Выборгский район", "--problems",
                                              "--json"))] == ["Школа Тихая"]
    assert "Школа Тихая (ИНН" in run("health", "--municipality", "Выборгский район")


def test_unknown_school_and_municipality_say_so():
    with pytest.raises(CommandError, match="не найдена"):
        run("runs", "--org", "0000000000")
    with pytest.raises(CommandError, match="не найден"):
        run("health", "--municipality", "Нигдешний район")


def test_runs_as_python_dash_m_sreda():
    root = Path(__file__).resolve().parents[3]
    done = subprocess.run([sys.executable, "-m", "sreda", "exchange", "health", "--help"], cwd=root,
                          capture_output=True, text=True)
    assert done.returncode == 0 and "--municipality" in done.stdout
