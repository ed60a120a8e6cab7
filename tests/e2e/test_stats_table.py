"""The A–Y statistics table (R31, R32) in a real browser: the district methodologist ticks «ниже цели»,
sees only the school to phone, sorts by a column, and downloads the XLSX, which reads back with the
letters and titles of the platform's export."""
from datetime import date

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from sreda.core.testing import DEFAULT_PASSWORD, make_member, make_municipality, make_organisation
from sreda.people.roles import Role
from sreda.stats.tests.stats_builders import make_active, make_oo1, make_snapshot
from tests.e2e.steps import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
ON = date(2025, 11, 20)


def test_r31_r32_methodologist_filters_below_target_and_downloads_xlsx(browser_page, tmp_path, screenshot_dir):
    page = browser_page
    municipality = make_municipality(name="Приморский район")
    lagging = make_organisation(municipality=municipality, short_name="ГБОУ СОШ № 11")
    make_oo1(lagging, teachers=4, students=10)
    make_active(lagging, "teachers", 2, on=ON)  # 50 % < 75 %
    leader = make_organisation(municipality=municipality, short_name="ГБОУ Гимназия № 12")
    make_snapshot(leader, on=ON, teachers_total=10, students_total=100, parents_total=100,
                  teachers_active=8, students_active=30, parents_active=31)
    make_member(role=Role.METHODIST, municipality=municipality, username="metodist")

    sign_in(page, "metodist", DEFAULT_PASSWORD)
    page.get_by_role("button", name="Методист района").click()
    page.goto("/stats/table/")
    table = page.get_by_test_id("stats-table")
    expect(page.get_by_label("Дата отчёта")).to_have_value("2025-11-20")  # the latest imported report date
    expect(table).to_contain_text("ГБОУ СОШ № 11")
    expect(table).to_contain_text("ГБОУ Гимназия № 12")
    expect(table.locator("td.share-bad").first).to_have_text("50,0 %")
    expect(table.locator("td.share-ok").first).to_have_text("80,0 %")
    page.screenshot(path=str(screenshot_dir / "stats_table.png"), full_page=True)

    page.get_by_label("Только ниже цели").check()
    expect(table).not_to_contain_text("ГБОУ Гимназия № 12")
    expect(table).to_contain_text("ГБОУ СОШ № 11")
    assert "below=1" in page.url

    page.get_by_label("Только ниже цели").uncheck()
    expect(table).to_contain_text("ГБОУ Гимназия № 12")
    page.get_by_role("link", name="X", exact=True).click()
    expect(page.get_by_role("link", name="X ▲")).to_be_visible()
    expect(table.locator("tbody tr").first).to_contain_text("ГБОУ СОШ № 11")  # 2 active teachers before 8

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Скачать XLSX").click()
    target = tmp_path / download_info.value.suggested_filename
    download_info.value.save_as(target)
    assert target.name == "statistika-2025-11-20.xlsx"
    ws = load_workbook(target).active
    assert ws["A1"].value == "Дата" and ws["K1"].value == "Учителей в школе всего"
    assert ws["X1"].value == "Кол-во активных учителей"
    assert sorted(ws[f"B{i}"].value for i in (2, 3)) == ["ГБОУ Гимназия № 12", "ГБОУ СОШ № 11"]
