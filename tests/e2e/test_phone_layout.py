"""The home page at phone width (375×800): nothing wider than the screen; a screenshot to look at."""
import pytest
from playwright.sync_api import expect

from sreda.core.testing import DEFAULT_PASSWORD, make_member
from sreda.orgs.tests.factories import make_school_with_classes
from sreda.people.roles import Role
from tests.e2e.steps import sign_in

# How many pixels the widest element sticks out past the screen (tables included, even inside a scroller).
WIDER_THAN_SCREEN = """
  Math.max(document.documentElement.scrollWidth,
           ...[...document.querySelectorAll('table')].map(t => t.getBoundingClientRect().right))
  - document.documentElement.clientWidth
"""

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_home_page_fits_a_phone(phone_page, screenshot_dir):
    page = phone_page
    school, _ = make_school_with_classes(classes=2, students_per_class=2,
                                         short_name="МБОУ СОШ № 5 с углублённым изучением английского языка")
    make_member(role=Role.DIRECTOR, organisation=school, username="director")
    sign_in(page, "director", DEFAULT_PASSWORD)
    page.get_by_role("button", name="Руководитель ОО — МБОУ СОШ № 5", exact=False).click()
    expect(page.get_by_test_id("active-role")).to_contain_text("Руководитель ОО")
    page.screenshot(path=str(screenshot_dir / "home-375.png"), full_page=True)
    overflow = page.evaluate(WIDER_THAN_SCREEN)
    assert overflow <= 0, f"the page is {overflow}px wider than a 375px phone screen"
    for name in ("Люди", "Классы", "Организации"):
        page.get_by_role("navigation").get_by_role("link", name=name).click()
        page.screenshot(path=str(screenshot_dir / f"{name}-375.png"), full_page=True)
        assert page.evaluate(WIDER_THAN_SCREEN) <= 0, name
    page.get_by_role("link", name="Сменить роль").click()
    page.screenshot(path=str(screenshot_dir / "role-375.png"), full_page=True)
    assert page.evaluate(WIDER_THAN_SCREEN) <= 0
