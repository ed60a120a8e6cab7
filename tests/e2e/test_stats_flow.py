"""Issue 4's browser flow in one go (R31, R32, R35): a district methodologist uploads the platform's
export → sees the school below target first on the dashboard → opens its weekly trend → downloads the
A–Y table as XLSX and reads it back."""
import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from sreda.core.testing import DEFAULT_PASSWORD, make_member, make_municipality, make_organisation, make_region
from sreda.people.roles import Role
from sreda.stats.tests.test_import_service import a_y_row, write_xlsx
from tests.e2e.steps import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_upload_see_who_is_below_target_open_the_trend_and_export_xlsx(browser_page, tmp_path, screenshot_dir):
    page = browser_page
    district = make_municipality(region=make_region(name="Санкт-Петербург", code="78"), name="Выборгский район")
    lagging = make_organisation(municipality=district, short_name="ГБОУ СОШ № 7", messenger_org_id="7007")
    leading = make_organisation(municipality=district, short_name="ГБОУ Лицей № 8", messenger_org_id="8008")
    make_member(role=Role.METHODIST, municipality=district, username="metod")
    export = write_xlsx(tmp_path / "statistika.xlsx", [
        a_y_row(org_id="7007", name="ГБОУ СОШ № 7", X=40),  # 40 of 80 teachers: 50 % < 75 %
        a_y_row(org_id="8008", name="ГБОУ Лицей № 8", X=70),  # 87,5 %; students 300/900 and parents 280/900
    ])

    sign_in(page, "metod", DEFAULT_PASSWORD)
    page.get_by_role("button", name="Методист района (ЦИО) — Выборгский район").click()
    page.get_by_role("navigation").get_by_role("link", name="Загрузка статистики").click()
    page.get_by_label("Файл выгрузки").set_input_files(str(export))
    page.get_by_role("button", name="Загрузить").click()
    expect(page.get_by_test_id("imported")).to_have_text("2")

    # The dashboard on the report date: the school below target comes first.
    page.goto("/stats/?on=20.11.2025")
    rows = page.get_by_test_id("school-row")
    expect(rows.first).to_contain_text("ГБОУ СОШ № 7")
    expect(rows.first).to_contain_text("Ниже цели")
    expect(rows.first).to_contain_text("50 %")
    page.screenshot(path=str(screenshot_dir / "stats-flow-dashboard.png"), full_page=True)

    # Its page: the figures and a trend chart per indicator (server-rendered SVG).
    rows.first.get_by_role("link", name="ГБОУ СОШ № 7").click()
    expect(page.get_by_role("heading", name="Показатели: ГБОУ СОШ № 7")).to_be_visible()
    expect(page.get_by_test_id("below-target")).to_be_visible()
    expect(page.get_by_test_id("trend-teachers").locator("svg")).to_be_visible()

    # The A–Y table of that date, downloaded and read back.
    page.get_by_role("navigation").get_by_role("link", name="Таблица A–Y").click()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Скачать XLSX").click()
    target = tmp_path / download_info.value.suggested_filename
    download_info.value.save_as(target)
    sheet = load_workbook(target).active
    by_name = {sheet[f"B{i}"].value: i for i in (2, 3)}
    assert set(by_name) == {"ГБОУ СОШ № 7", "ГБОУ Лицей № 8"}
    assert sheet["X1"].value == "Кол-во активных учителей"
    assert sheet[f"X{by_name['ГБОУ СОШ № 7']}"].value == 40
    assert sheet[f"K{by_name['ГБОУ СОШ № 7']}"].value == 80
