"""R31/R35: how cells and headers of a platform export are read — titles written as in the seed (bold,
colons, look-alike letters), a title line above the table, numbers and yes/no in their many spellings;
and the import's queries do not grow with the file."""
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import given
from hypothesis import strategies as st

from sreda.core.testing import make_organisation
from sreda.stats.imports import BadValue, header_letter, parse_bool, parse_date, parse_int, stats_import
from sreda.stats.models import StatsSnapshot
from sreda.stats.tests.test_import_service import (  # noqa: F401
    SEED_HEADER, a_y_row, district, operator, school, write_csv, write_xlsx,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("title, letter", [
    ("А. Дата", "A"), ("A. Дата", "A"), ("а.дата", "A"), ("D. **MO**", "D"), ("D. МО", "D"),
    ("H. **ID организация:**", "H"), ("ID организации", "H"), ("I. **Активна**", "I"),
    ("К. **Учителей в школе всего:**", "K"), ("учителей в школе   всего", "K"),
    ("Р. Кол-во учителей, связавших аккаунты ЭЖД", "P"), ("W. **ИНН**", "W"),
    ("X. **Кол-во активных учителей**", "X"), ("Ү. Кол-во учителей, совершивших минимум 1 звонок за неделю", "Y"),
    ("?. Кол-во учителей, совершивших минимум 1 звонок за неделю", "Y"),
    ("Кол-во учеников, связавших аккаунты ЭЖД", "R"), ("АКТИВНЫЕ РОДИТЕЛИ", "V"),
    ("Учеников зарегистрировано в Сферум", "Q"), ("N", "N"), ("К. Учителей в ОО всего", "K"),
])
def test_header_titles_as_the_seed_and_people_write_them(title, letter):
    assert header_letter(title) == letter


@pytest.mark.parametrize("title", ["", "Примечание", "Итого", None, 42])
def test_unknown_headers_are_ignored(title):
    assert header_letter(title) is None


@pytest.mark.parametrize("text, number", [
    ("1234", 1234), ("1 234", 1234), ("1\u00a0234", 1234), ("1234.0", 1234), ("1234,0", 1234), (1234.0, 1234),
    (0, 0), ("0", 0),
])
def test_numbers_in_their_spellings(text, number):
    assert parse_int(text) == number


@pytest.mark.parametrize("text", ["12.5", "-1", "восемь", "1e3", True])
def test_not_a_count(text):
    with pytest.raises(BadValue):
        parse_int(text)


@given(st.integers(min_value=0, max_value=2_000_000_000))
def test_any_count_read_back_as_excel_and_people_write_it(n):
    assert parse_int(f"{n:,}".replace(",", " ")) == n
    assert parse_int(f"{n}.0") == n and parse_int(float(n)) == n


@pytest.mark.parametrize("text, answer", [
    ("да", True), ("Да", True), ("активна", True), ("Активна", True), ("1", True), ("true", True), (1, True),
    ("нет", False), ("неактивна", False), ("НЕ АКТИВНА", False), ("0", False), ("false", False), (0, False),
])
def test_active_yes_no(text, answer):
    assert parse_bool(text) is answer


def test_dates_in_both_formats_and_from_excel():
    assert parse_date("20.11.2025") == parse_date("2025-11-20") == parse_date("2025-11-20 00:00:00") == date(2025, 11, 20)
    with pytest.raises(BadValue, match="2025-11-20"):
        parse_date("ноябрь")


def test_r35_a_title_line_above_the_table_and_the_seed_headers_in_bold(tmp_path, operator, school):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["Статистика использования СФЕРУМ МАХ образовательными организациями"])
    sheet.append([])
    sheet.append([f"**{h}:**" for h in SEED_HEADER])
    sheet.append(a_y_row(org_id="100500", day="2025-11-20"))
    path = tmp_path / "dashboard.xlsx"
    book.save(path)
    result = stats_import(actor=operator, path_or_file=path, file_name=path.name)
    assert (result.imported, result.errors) == (1, [])


def test_r35_the_import_makes_the_same_number_of_queries_for_5_and_30_lines(tmp_path, operator, district):
    """(30 lines stay within one INSERT batch on SQLite's 999 parameters: batching is not an N+1.)"""
    schools = [make_organisation(municipality=district, messenger_org_id=str(500 + i)) for i in range(30)]

    def queries(n, name):
        rows = [a_y_row(org_id=s.messenger_org_id, day=name[0] + "1.11.2025") for s in schools[:n]]
        path = write_csv(tmp_path / name, rows)
        with CaptureQueriesContext(connection) as ctx:
            stats_import(actor=operator, path_or_file=path, file_name=name)
        return len(ctx)

    assert queries(5, "1.csv") == queries(30, "2.csv")
    assert StatsSnapshot.objects.count() == 35
