"""Organisation search (R5) in a real browser: typing narrows the results without a page reload (HTMX)."""
import pytest
from playwright.sync_api import expect

from sreda.core.testing import DEFAULT_PASSWORD, make_municipality, make_organisation, make_user
from tests.e2e.steps import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_typing_filters_the_results_live(browser_page):
    page = browser_page
    municipality = make_municipality()
    make_organisation(municipality=municipality, short_name="МБОУ Школа «Зелёный берег»")
    make_organisation(municipality=municipality, short_name="ГБОУ Гимназия № 1")
    make_user(username="reader")
    sign_in(page, "reader", DEFAULT_PASSWORD)
    page.get_by_role("button", name="Частное лицо").click()
    page.get_by_role("navigation").get_by_role("link", name="Организации").click()
    results = page.locator("#results")
    expect(results).to_contain_text("Гимназия № 1")
    page.evaluate("window.__same_page = true")
    page.get_by_label("Название или ИНН").fill("зеленый")
    expect(results).not_to_contain_text("Гимназия № 1")
    expect(results).to_contain_text("Зелёный берег")
    expect(results).to_contain_text("Показано 1–1 из 1")
    assert page.evaluate("window.__same_page") is True  # no full reload
    assert "q=" in page.url  # the address follows, so the search can be shared or bookmarked
