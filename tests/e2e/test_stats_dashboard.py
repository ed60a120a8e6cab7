"""Issue 4 items 5–6 in a real browser: the district methodologist opens «Показатели», sees the school below
target first with its director, opens its weekly trend chart; shares the district's dashboard by a public
link that opens without signing in and shows no personal data (R35); revokes it and the link stops
opening."""
import pytest
from django.utils import timezone
from playwright.sync_api import expect

from sreda.core.testing import (DEFAULT_PASSWORD, make_member, make_membership, make_municipality, make_organisation,
                                make_person)
from sreda.people.roles import Role
from sreda.stats.tests.stats_builders import make_active, make_oo1
from tests.e2e.steps import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def school_year_title(day) -> str:
    start = day.year if day.month >= 9 else day.year - 1
    return f"{start}/{start + 1}"


def district():
    """Two schools active in the week before today: «Альфа» meets every target, «Якорь» is below (teachers 40 %)."""
    today = timezone.localdate()
    municipality = make_municipality(name="Петроградский район")
    for name, teachers_active, director in (
        ("ГБОУ СОШ № 1 «Альфа»", 9, ("Петров", "petrov@school1.ru")),
        ("ГБОУ СОШ № 9 «Якорь»", 4, ("Сидорова", "sidorova@school9.ru")),
    ):
        org = make_organisation(municipality=municipality, short_name=name)
        make_oo1(org, teachers=10, students=100, year=school_year_title(today))
        make_active(org, "teachers", teachers_active, on=today)
        make_active(org, "students", 40, on=today)
        make_active(org, "parents", 40, on=today)
        make_membership(person=make_person(surname=director[0], name="Мария", email=director[1]),
                        role=Role.DIRECTOR, organisation=org)
    make_member(role=Role.METHODIST, municipality=municipality, username="metodist")
    return municipality


def test_methodist_finds_the_school_below_target_opens_its_trend_and_shares_a_revocable_public_link(
        browser_page, chromium, live_server):
    page = browser_page
    district()
    sign_in(page, "metodist", DEFAULT_PASSWORD)
    page.get_by_role("button", name="Методист района (ЦИО) — Петроградский район").click()
    page.get_by_role("navigation").get_by_role("link", name="Показатели", exact=True).click()

    # The municipality: the school below target first, with its director's contact (R32).
    expect(page.get_by_role("heading", name="Показатели: Петроградский район")).to_be_visible()
    rows = page.get_by_test_id("school-row")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("ГБОУ СОШ № 9 «Якорь»")
    expect(rows.first).to_contain_text("Ниже цели")
    expect(rows.first).to_contain_text("sidorova@school9.ru")
    expect(page.get_by_test_id("library-indicators")).to_contain_text("нет данных")  # R19: nobody used the library in this district

    # The school's weekly trend: one chart per indicator, the last week at 40 %.
    rows.first.get_by_role("link", name="ГБОУ СОШ № 9 «Якорь»").click()
    expect(page.get_by_role("heading", name="Показатели: ГБОУ СОШ № 9 «Якорь»")).to_be_visible()
    teachers_chart = page.get_by_test_id("trend-teachers").locator("svg")
    expect(teachers_chart).to_be_visible()
    expect(teachers_chart.locator("circle.pt")).to_have_count(12)
    expect(teachers_chart.locator("circle.pt").last.locator("title")).to_have_text(
        f"Педагоги, {timezone.localdate():%d.%m.%Y}: 40\u00a0%")

    # A public link of the district's dashboard (R35).
    page.get_by_role("link", name="← Петроградский район").click()
    page.get_by_role("navigation").get_by_role("link", name="Публичные ссылки").click()  # the menu link (R35)
    page.get_by_label("Муниципалитет").select_option(index=1)
    page.get_by_label("Название (кому отправлена)").fill("Для комитета по образованию")
    page.get_by_role("button", name="Создать ссылку").click()
    expect(page.get_by_test_id("created-link")).to_be_visible()
    public_url = page.get_by_test_id("created-link").locator("input").input_value()
    assert "/stats/public/" in public_url

    # Opened by someone who never signed in: the figures, no people.
    stranger = chromium.new_context(base_url=live_server.url, locale="ru-RU")
    try:
        public = stranger.new_page()
        public.goto(public_url)
        expect(public.get_by_role("heading", name="Показатели: Петроградский район")).to_be_visible()
        expect(public.get_by_test_id("public-note")).to_contain_text("Публичная ссылка, только просмотр")
        expect(public.get_by_test_id("school-row").first).to_contain_text("ГБОУ СОШ № 9 «Якорь»")
        body = public.locator("body").inner_text()
        assert "Сидорова" not in body and "@school9.ru" not in body

        # Revoked: the same address stops opening.
        page.get_by_role("button", name="Отозвать").click()
        expect(page.locator(".messages")).to_contain_text("отозвана")
        expect(page.get_by_test_id("links")).to_contain_text("отозвана")
        response = public.goto(public_url)
        assert response.status == 404
        expect(public.get_by_role("heading", name="Ссылка не найдена или отозвана")).to_be_visible()
    finally:
        stranger.close()
