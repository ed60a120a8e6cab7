"""R17 in a real browser: a teacher with library access (R15) searches the catalogue, filters by class and
content type, opens a lesson, adds it to «Избранное» and finds it there."""
import pytest
from playwright.sync_api import expect

from sreda.core.testing import DEFAULT_PASSWORD, make_organisation
from sreda.library.tests.builders import make_course, make_item, teacher_with_access
from tests.e2e.steps import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_r17_teacher_searches_filters_opens_and_keeps_a_favourite(browser_page, screenshot_dir):
    page = browser_page
    school = make_organisation(short_name="МБОУ СОШ № 7")
    user, _ = teacher_with_access(organisation=school, subjects=["Математика"])
    math5, math6 = make_course("Математика", 5), make_course("Математика", 6)
    make_item(math5, "Дробь и её части", 1, "classwork summary", body="<p>Что такое дробь.</p>")
    make_item(math5, "Сложение дробей с одинаковыми знаменателями", 2, "homework trainer",
              body="<h3>Правило</h3><p>Числители складываем, знаменатель оставляем.</p>")
    make_item(math6, "Сложение дробей с разными знаменателями", 4, "homework")
    make_item(math5, "Натуральные числа", 3, "classwork")

    sign_in(page, user.username, DEFAULT_PASSWORD)
    page.get_by_role("button", name="Учитель — МБОУ СОШ № 7").click()
    page.goto("/library/catalogue/")
    expect(page.get_by_role("heading", name="Библиотека ЦОК")).to_be_visible()

    page.get_by_placeholder("Введите название").fill("дроби")
    page.get_by_role("button", name="Найти").click()
    results = page.locator("#catalogue-results")
    expect(results).to_contain_text("Показано 1–3 из 3")
    expect(results).not_to_contain_text("Натуральные числа")

    page.get_by_label("Класс", exact=True).select_option("5")
    page.get_by_label("Домашняя работа").check()
    expect(results).to_contain_text("Показано 1–1 из 1")
    expect(results).to_contain_text("Сложение дробей с одинаковыми знаменателями")
    expect(results).not_to_contain_text("с разными знаменателями")
    page.screenshot(path=str(screenshot_dir / "library-catalogue.png"), full_page=True)

    results.get_by_role("link", name="Сложение дробей с одинаковыми знаменателями").click()
    expect(page.get_by_role("heading", name="Сложение дробей с одинаковыми знаменателями")).to_be_visible()
    expect(page.get_by_test_id("item-body")).to_contain_text("Числители складываем")
    expect(page.get_by_test_id("item-types")).to_have_text("Домашняя работа, Тренажёр")
    page.screenshot(path=str(screenshot_dir / "library-item.png"), full_page=True)
    page.get_by_test_id("favourite-toggle").click()
    expect(page.get_by_test_id("favourite-toggle")).to_contain_text("В избранном")

    page.get_by_role("link", name="Избранное").click()
    favourites = page.get_by_test_id("favourites")
    expect(favourites).to_contain_text("Сложение дробей с одинаковыми знаменателями")
    expect(favourites).not_to_contain_text("Дробь и её части")
