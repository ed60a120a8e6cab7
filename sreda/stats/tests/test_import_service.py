"""R31/R35: the platform's A–Y export imported as the dashboard exports it (UTF-8, comma), as Excel saves it
(Windows-1251, semicolon), as XLSX and without a header; matching, scope, errors and idempotency.
The files are written by the tests themselves; the builders here are shared by the other import tests."""
from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied

from sreda.core import active_role as ar
from sreda.core.models import AuditEntry
from sreda.core.testing import make_member, make_municipality, make_organisation, make_region
from sreda.people.roles import Role
from sreda.stats.imports import stats_import
from sreda.stats.models import StatsImport, StatsSnapshot

pytestmark = pytest.mark.django_db

# The titles as the seed (002) writes them, with its mix of Cyrillic and Latin letter prefixes.
SEED_HEADER = [
    "А. Дата", "В. Краткое название", "С. Тип ОО", "D. МО", "Е. Субъект", "F. Код региона", "G. Ссылка",
    "H. ID организация", "I. Активна", "J. Учителей, учеников и родителей в школе всего",
    "К. Учителей в школе всего", "L. Учеников в школе всего", "М. Родителей в школе всего",
    "N. Регистраций в школе всего", "О. Учителей зарегистрировано в Сферум",
    "Р. Кол-во учителей, связавших аккаунты ЭЖД", "Q. Учеников зарегистрировано в Сферум",
    "R. Кол-во учеников, связавших аккаунты ЭЖД", "S. Родителей зарегистрировано в Сферум",
    "Т. Кол-во родителей, связавших аккаунты ЭЖД", "U. Активные ученики", "V. Активные родители", "W. ИНН",
    "X. Кол-во активных учителей", "Ү. Кол-во учителей, совершивших минимум 1 звонок за неделю",
]


def a_y_row(*, day="20.11.2025", name="ГБОУ СОШ № 5", org_id="", inn="", active="активна", **figures) -> list:
    """One line of the A–Y table; K=80 teachers, L=M=900, X=61 active teachers unless given."""
    f = {"J": 1880, "K": 80, "L": 900, "M": 900, "N": 1500, "O": 78, "P": 70, "Q": 800, "R": 700, "S": 650,
         "T": 600, "U": 300, "V": 280, "X": 61, "Y": 12}
    f.update(figures)
    return [day, name, "Общеобразовательная организация", "Калининский район", "Санкт-Петербург", "78", "",
            org_id, active, *(f[c] for c in "JKLMNOPQRSTUV"), inn, f["X"], f["Y"]]


def write_csv(path: Path, rows: list[list], *, header=SEED_HEADER, encoding="utf-8", delimiter=",") -> Path:
    # Excel writes «?» for what Windows-1251 lacks (the seed's «Ү»): so do we.
    with open(path, "w", encoding=encoding, errors="replace", newline="") as fh:
        writer = csv.writer(fh, delimiter=delimiter)
        if header:
            writer.writerow(header)
        writer.writerows(rows)
    return path


def write_xlsx(path: Path, rows: list[list], *, header=SEED_HEADER) -> Path:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "Статистика"
    if header:
        sheet.append(header)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


@pytest.fixture
def district():
    region = make_region(name="Санкт-Петербург", code="78")
    return make_municipality(region=region, name="Калининский район")


@pytest.fixture
def school(district):
    return make_organisation(municipality=district, short_name="ГБОУ СОШ № 5", messenger_org_id="100500")


@pytest.fixture
def operator():
    return ar.system_operator()


def run(actor, path: Path):
    return stats_import(actor=actor, path_or_file=path, file_name=path.name)


def test_r35_utf8_comma_csv_with_the_seed_titles_creates_a_snapshot_per_report_date(tmp_path, operator, school):
    path = write_csv(tmp_path / "stat.csv", [a_y_row(org_id="100500", day="20.11.2025"),
                                             a_y_row(org_id="100500", day="2025-11-27", X=70)])
    result = run(operator, path)
    assert result.as_dict() == {"imported": 2, "unchanged": 0, "unmatched": [], "errors": []}
    first, second = StatsSnapshot.objects.filter(organisation=school).order_by("report_date")
    assert (first.report_date, second.report_date) == (date(2025, 11, 20), date(2025, 11, 27))
    assert (first.teachers_total, first.teachers_active, second.teachers_active) == (80, 61, 70)
    assert first.is_active is True and first.region_code == "78" and first.platform_org_id == "100500"
    assert first.municipality_name == "Калининский район" and first.teachers_with_calls == 12


def test_r35_cp1251_semicolon_csv_as_excel_saves_it(tmp_path, operator, school):
    path = write_csv(tmp_path / "excel.csv", [a_y_row(org_id="100500", J="1 880", U="300,0", active="да")],
                     encoding="cp1251", delimiter=";")
    text = path.read_bytes().decode("cp1251")
    assert text.startswith("А. Дата;") and "?. Кол-во учителей, совершивших" in text
    result = run(operator, path)
    assert (result.imported, result.errors) == (1, [])
    snap = StatsSnapshot.objects.get(organisation=school)
    assert (snap.people_total, snap.students_active, snap.short_name) == (1880, 300, "ГБОУ СОШ № 5")
    assert snap.teachers_with_calls == 12  # «?. Кол-во учителей, совершивших…» still recognised by its title


def test_r35_xlsx_with_excel_numbers_and_dates(tmp_path, operator, school):
    path = write_xlsx(tmp_path / "stat.xlsx", [a_y_row(day=date(2025, 11, 20), org_id=100500, K=80.0, active=0)])
    result = run(operator, path)
    assert (result.imported, result.errors) == (1, [])
    snap = StatsSnapshot.objects.get(organisation=school)
    assert (snap.report_date, snap.teachers_total, snap.is_active, snap.platform_org_id) == (
        date(2025, 11, 20), 80, False, "100500")


def test_r35_header_less_file_read_by_position_a_to_y(tmp_path, operator, school):
    path = write_csv(tmp_path / "plain.csv", [a_y_row(org_id="100500", day="2025-11-20", V=123)], header=None)
    result = run(operator, path)
    assert (result.imported, result.errors) == (1, [])
    assert StatsSnapshot.objects.get(organisation=school).parents_active == 123


def test_headers_recognised_flexibly_in_any_order(tmp_path, operator, school):
    """Case, «ё», extra spaces, Latin «A.» instead of Cyrillic «А.», bare titles and a shuffled order."""
    header = ["  ИНН ", "a. дата", "кол-во  АКТИВНЫХ учителей", "K. Учителей в школе всего", "Активна"]
    path = write_csv(tmp_path / "short.csv", [[school.inn, "20.11.2025", "60", "80", "неактивна"]], header=header)
    result = run(operator, path)
    assert (result.imported, result.errors) == (1, [])
    snap = StatsSnapshot.objects.get(organisation=school)
    assert (snap.teachers_active, snap.teachers_total, snap.is_active, snap.inn) == (60, 80, False, school.inn)


def test_r35_matched_by_inn_when_the_platform_id_is_unknown(tmp_path, operator, district):
    other = make_organisation(municipality=district, short_name="ГБОУ Лицей № 9")
    path = write_csv(tmp_path / "s.csv", [a_y_row(org_id="999", inn=other.inn, name="Лицей 9")])
    assert run(operator, path).imported == 1
    assert StatsSnapshot.objects.get().organisation == other


def test_r35_unmatched_rows_are_listed_never_dropped(tmp_path, operator, school):
    path = write_csv(tmp_path / "s.csv", [a_y_row(org_id="100500"),
                                          a_y_row(org_id="777", inn="7800000000", name="ГБОУ СОШ № 404")])
    result = run(operator, path)
    assert result.imported == 1
    assert result.as_dict()["unmatched"] == [
        {"line": 3, "org_id": "777", "inn": "7800000000", "short_name": "ГБОУ СОШ № 404"}]
    assert "не найдена" in result.unmatched[0]["reason"]
    assert StatsImport.objects.get().result["unmatched"][0]["short_name"] == "ГБОУ СОШ № 404"


def test_a_bad_number_is_reported_with_line_and_column_and_the_rest_imported(tmp_path, operator, district, school):
    other = make_organisation(municipality=district, messenger_org_id="200")
    path = write_csv(tmp_path / "s.csv", [a_y_row(org_id="100500", K="восемьдесят"), a_y_row(org_id="200"),
                                          a_y_row(org_id="100500", day="31.02.2025"), a_y_row(org_id="200", X="-3")])
    result = run(operator, path)
    assert result.imported == 1
    assert [(e["line"], e["column"]) for e in result.errors] == [(2, "K"), (4, "A"), (5, "X")]
    assert "не число" in result.errors[0]["reason"] and "ДД.ММ.ГГГГ" in result.errors[1]["reason"]
    assert list(StatsSnapshot.objects.values_list("organisation", flat=True)) == [other.pk]


def test_r35_the_same_file_twice_changes_nothing(tmp_path, operator, school):
    path = write_csv(tmp_path / "s.csv", [a_y_row(org_id="100500"), a_y_row(org_id="100500", day="27.11.2025")])
    assert run(operator, path).imported == 2
    before = list(StatsSnapshot.objects.order_by("pk").values())
    again = run(operator, path)
    assert again.as_dict() == {"imported": 0, "unchanged": 2, "unmatched": [], "errors": []}
    assert list(StatsSnapshot.objects.order_by("pk").values()) == before

    changed = write_csv(tmp_path / "s2.csv", [a_y_row(org_id="100500", X=75)])
    assert run(operator, changed).as_dict()["imported"] == 1
    assert StatsSnapshot.objects.get(report_date=date(2025, 11, 20)).teachers_active == 75
    assert StatsSnapshot.objects.count() == 2


def test_r35_a_methodist_imports_only_their_district_and_sees_the_rest_as_unmatched(tmp_path, school):
    elsewhere = make_organisation(municipality=make_municipality(region=school.municipality.region),
                                  messenger_org_id="300")
    user, membership = make_member(role=Role.METHODIST, municipality=school.municipality)
    actor = ar.for_membership(membership, user=user)
    path = write_csv(tmp_path / "s.csv", [a_y_row(org_id="100500"), a_y_row(org_id="300", name="Чужая школа")])
    result = run(actor, path)
    assert result.imported == 1
    assert [(u["line"], u["org_id"]) for u in result.unmatched] == [(3, "300")]
    assert "вне области" in result.unmatched[0]["reason"]
    assert not StatsSnapshot.objects.filter(organisation=elsewhere).exists()


@pytest.mark.parametrize("role", [Role.TEACHER, Role.DIRECTOR])
def test_r35_school_roles_may_not_import(tmp_path, school, role):
    user, membership = make_member(role=role, organisation=school)
    path = write_csv(tmp_path / "s.csv", [a_y_row(org_id="100500")])
    with pytest.raises(PermissionDenied):
        run(ar.for_membership(membership, user=user), path)
    assert not StatsSnapshot.objects.exists() and not StatsImport.objects.exists()


def test_a_file_without_date_or_organisation_columns_imports_nothing(tmp_path, operator, school):
    path = write_csv(tmp_path / "s.csv", [["ГБОУ СОШ № 5", "80", "61"]],
                     header=["Краткое название", "Учителей в школе всего", "Кол-во активных учителей"])
    result = run(operator, path)
    assert result.imported == 0 and {e["column"] for e in result.errors} == {"A", "H или W"}
    assert not StatsSnapshot.objects.exists()


def test_not_a_table_at_all(tmp_path, operator, school):
    path = tmp_path / "notes.csv"
    path.write_text("просто текст\nещё строка\n", encoding="utf-8")
    result = run(operator, path)
    assert result.imported == 0 and "заголовков" in result.errors[0]["reason"]


def test_the_same_organisation_twice_for_one_date_is_an_error_not_a_silent_overwrite(tmp_path, operator, school):
    path = write_csv(tmp_path / "s.csv", [a_y_row(org_id="100500", X=1), a_y_row(inn=school.inn, X=2)])
    result = run(operator, path)
    assert result.imported == 1 and result.errors[0]["line"] == 3
    assert StatsSnapshot.objects.get().teachers_active == 1


def test_the_import_is_audited_and_recorded(tmp_path, operator, school):
    path = write_csv(tmp_path / "s.csv", [a_y_row(org_id="100500")])
    result = run(operator, path)
    record = StatsImport.objects.get()
    assert (record.imported, record.unchanged, record.file_name) == (1, 0, "s.csv")
    assert result.stats_import == record
    assert AuditEntry.objects.filter(action="stats.import", object_id=str(record.pk)).exists()


def test_header_less_file_whose_first_line_has_a_bad_date_reports_that_line(tmp_path, operator, school):
    path = write_csv(tmp_path / "plain.csv", [a_y_row(org_id="100500", day="20/13/2025"),
                                              a_y_row(org_id="100500", day="27.11.2025")], header=None)
    result = run(operator, path)
    assert result.imported == 1
    assert [(e["line"], e["column"]) for e in result.errors] == [(1, "A")]
