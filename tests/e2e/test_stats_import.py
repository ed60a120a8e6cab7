"""R35 in a real browser: a district methodist uploads the platform's A–Y export as XLSX and sees how many
lines were loaded and which school of the file is not in Среда."""
import pytest
from playwright.sync_api import expect

from sreda.core.testing import DEFAULT_PASSWORD, make_member, make_municipality, make_organisation, make_region
from sreda.people.roles import Role
from sreda.stats.models import StatsSnapshot
from sreda.stats.tests.test_import_service import a_y_row, write_xlsx
from tests.e2e.steps import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_r35_methodist_uploads_an_xlsx_and_sees_the_counts_and_the_unmatched_row(browser_page, tmp_path):
    page = browser_page
    district = make_municipality(region=make_region(name="Санкт-Петербург", code="78"), name="Калининский район")
    school = make_organisation(municipality=district, short_name="ГБОУ СОШ № 5", messenger_org_id="100500")
    lyceum = make_organisation(municipality=district, short_name="ГБОУ Лицей № 9")
    make_member(role=Role.METHODIST, municipality=district, username="metod")
    export = write_xlsx(tmp_path / "statistika-20-11-2025.xlsx", [
        a_y_row(org_id="100500", X=61),
        a_y_row(org_id="", inn=lyceum.inn, name="ГБОУ Лицей № 9", X=40),
        a_y_row(org_id="424242", inn="7800000000", name="ГБОУ СОШ № 404"),
    ])

    sign_in(page, "metod", DEFAULT_PASSWORD)
    page.get_by_role("button", name="Методист района (ЦИО) — Калининский район").click()
    page.goto("/stats/import/")
    expect(page.get_by_role("heading", name="Загрузка статистики платформы")).to_be_visible()
    page.get_by_label("Файл выгрузки").set_input_files(str(export))
    page.get_by_role("button", name="Загрузить").click()

    expect(page.get_by_role("heading", name="Загрузка «statistika-20-11-2025.xlsx»")).to_be_visible()
    expect(page.get_by_test_id("imported")).to_have_text("2")
    expect(page.get_by_test_id("unmatched")).to_have_text("1")
    expect(page.get_by_test_id("errors")).to_have_text("0")
    row = page.locator("#unmatched tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("ГБОУ СОШ № 404")
    expect(row).to_contain_text("7800000000")
    expect(row).to_contain_text("не найдена")
    assert StatsSnapshot.objects.get(organisation=school).teachers_active == 61

    # the same file again: nothing changes, the page says so
    page.get_by_role("link", name="Загрузить другой файл").click()
    page.get_by_label("Файл выгрузки").set_input_files(str(export))
    page.get_by_role("button", name="Загрузить").click()
    expect(page.get_by_test_id("imported")).to_have_text("0")
    expect(page.get_by_test_id("unchanged")).to_have_text("2")
    assert StatsSnapshot.objects.count() == 2
