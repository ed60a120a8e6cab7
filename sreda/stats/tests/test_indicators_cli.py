"""`python -m sreda stats indicators` (R32–R34): the JSON shape of issue 4, CSV and XLSX, and clear
errors for a bad date or an unknown municipality."""
import io
import json
from datetime import date

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from sreda.core.testing import make_municipality, make_organisation
from sreda.orgs.models import OrganisationType
from sreda.stats.tests.stats_builders import make_active, make_oo1, make_snapshot

pytestmark = pytest.mark.django_db
ON = date(2025, 11, 20)


@pytest.fixture
def district():
    municipality = make_municipality(name="Кировский район")
    school = make_organisation(municipality=municipality, short_name="ГБОУ СОШ № 3")
    make_oo1(school, teachers=4, students=0)
    make_active(school, "teachers", 3, on=ON)
    kindergarten = make_organisation(municipality=municipality, short_name="ГБДОУ № 7", kind=OrganisationType.PRESCHOOL)
    make_snapshot(kindergarten, on=ON, teachers_total=10, students_total=50, parents_total=50,
                  teachers_active=7, students_active=1, parents_active=20, teachers_registered=10, students_registered=0)
    make_organisation(short_name="Школа другого района")
    return municipality, school, kindergarten


def _run(*args) -> str:
    out, err = io.StringIO(), io.StringIO()
    call_command("stats", "indicators", *args, stdout=out, stderr=err)
    return out.getvalue()


def test_r32_cli_json_has_exactly_the_shape_of_the_issue(district):
    municipality, school, kindergarten = district
    data = json.loads(_run("--date", "2025-11-20", "--municipality", "кировский район", "--format", "json"))
    assert set(data) == {"date", "organisations", "municipalities"}
    assert data["date"] == "2025-11-20"
    by_name = {o["short_name"]: o for o in data["organisations"]}
    assert set(by_name) == {"ГБОУ СОШ № 3", "ГБДОУ № 7"}
    row = by_name["ГБОУ СОШ № 3"]
    assert set(row) == {"org_id", "inn", "short_name", "municipality", "source", "teachers", "students", "parents",
                        "meets_all", "self_diagnosis_8_5"}
    assert row == {
        "org_id": school.pk, "inn": school.inn, "short_name": "ГБОУ СОШ № 3", "municipality": "Кировский район",
        "source": "events",
        "teachers": {"total": 4, "active": 3, "share": 0.75, "meets": True},
        "students": {"total": 0, "active": 0, "share": None, "meets": None},  # a total of 0: null, null
        "parents": {"total": 0, "active": 0, "share": None, "meets": None},
        "meets_all": None, "self_diagnosis_8_5": 0,
    }
    garden = by_name["ГБДОУ № 7"]
    assert garden["source"] == "import"
    assert garden["students"] == {"total": None, "active": None, "share": None, "meets": None}  # preschool
    assert garden["teachers"] == {"total": 10, "active": 7, "share": 0.7, "meets": False}
    assert garden["parents"]["share"] == 0.4 and garden["meets_all"] is False
    assert garden["self_diagnosis_8_5"] == 2  # all teachers registered; preschool: students not needed
    assert data["municipalities"] == [{"name": "Кировский район", "organisations": 2, "meeting_all": 0, "share": 0.0}]


def test_r32_cli_without_municipality_lists_every_organisation(district):
    data = json.loads(_run("--date", "20.11.2025"))
    assert len(data["organisations"]) == 3 and len(data["municipalities"]) == 2


def test_r32_cli_csv_and_xlsx(district, tmp_path):
    text = _run("--date", "2025-11-20", "--format", "csv", "--municipality", "Кировский район")
    lines = text.splitlines()
    assert lines[0].startswith("ID организации в Среде,ИНН,Краткое название,МО,Источник") and len(lines) == 3
    target = tmp_path / "pokazateli.xlsx"
    _run("--date", "2025-11-20", "--format", "xlsx", "--output", str(target))
    ws = load_workbook(target).active
    assert ws["C1"].value == "Краткое название" and ws.max_row == 4
    names = {ws[f"C{i}"].value: i for i in range(2, 5)}
    assert ws[f"H{names['ГБОУ СОШ № 3']}"].value == 0.75


def test_r32_cli_refuses_bad_input_clearly(district):
    with pytest.raises(CommandError, match="Дата «вчера» не распознана"):
        _run("--date", "вчера")
    with pytest.raises(CommandError, match="Муниципалитет «Нет такого» не найден"):
        _run("--date", "2025-11-20", "--municipality", "Нет такого")
    with pytest.raises(CommandError, match="--output"):
        _run("--date", "2025-11-20", "--format", "xlsx")
