"""R13 in a real browser, as the Госуслуги instructions (002, 004) describe it: the school's administrator
finds «Педагоги. Доступ к УБ ЦОК» by the advanced search, adds two employees at once, lists the group's
employees and removes one."""
import re

import pytest
from playwright.sync_api import expect

from sreda.access.models import AccessGroupMember
from sreda.access.tests.factories import GROUP, OWNER, SYSTEM, ub_tsok_group
from sreda.core.testing import DEFAULT_PASSWORD, make_membership, make_organisation, make_person, make_user
from sreda.people.roles import Role
from tests.e2e.steps import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def school_with_teachers():
    school = make_organisation(short_name="МБОУ СОШ № 5")
    user = make_user(username="admin5")
    make_membership(person=user.person, role=Role.ADMINISTRATOR, organisation=school)
    names = [("Петрова", "Мария", "Ивановна"), ("Смирнов", "Иван", "Андреевич"), ("Ёлкина", "Алёна", "Сергеевна")]
    teachers = [make_membership(person=make_person(surname=s, name=n, patronymic=p), role=Role.TEACHER,
                                organisation=school).person for s, n, p in names]
    return school, teachers


def open_as_administrator(page):
    sign_in(page, "admin5", DEFAULT_PASSWORD)
    page.get_by_role("button", name="Администратор ОО — МБОУ СОШ № 5").click()
    page.get_by_role("navigation").get_by_role("link", name="Группы доступа").click()
    expect(page.get_by_role("heading", name="Группы доступа")).to_be_visible()


def test_r13_find_the_group_add_two_employees_at_once_list_them_and_remove_one(browser_page):
    page = browser_page
    group = ub_tsok_group()
    school, (petrova, smirnov, yolkina) = school_with_teachers()
    open_as_administrator(page)

    # «Расширенный поиск»: Организация, Система, Группа доступа — as step 5 of the instruction
    page.get_by_label("Организация", exact=True).fill(OWNER)
    page.get_by_label("Система", exact=True).fill(SYSTEM)
    page.get_by_label("Группа доступа", exact=True).fill(GROUP)
    page.get_by_role("button", name="Найти").click()
    results = page.locator("#results")
    expect(results).to_contain_text("Показано 1–1 из 1")
    expect(results).to_contain_text(OWNER)
    results.get_by_role("link", name=GROUP).click()

    # the group card and «Присоединить нового сотрудника»
    expect(page.get_by_role("heading", name=GROUP)).to_be_visible()
    expect(page.get_by_text("«Госуслуги. Моя школа»", exact=False)).to_be_visible()
    page.get_by_role("link", name="Присоединить нового сотрудника").click()
    expect(page.get_by_role("heading", name="Присоединить нового сотрудника")).to_be_visible()
    page.get_by_label(f"Выбрать: {petrova.full_name}").check()
    page.get_by_label(f"Выбрать: {yolkina.full_name}").check()
    page.get_by_role("button", name="Добавить выбранных").click()
    expect(page.locator(".messages")).to_contain_text("Добавлено в группу «Педагоги. Доступ к УБ ЦОК» сотрудников: 2.")

    # «Посмотреть сотрудников в группе» from the card
    page.get_by_role("link", name=GROUP).click()
    expect(page.get_by_test_id("member-count")).to_have_text("2")
    page.get_by_role("link", name="Посмотреть сотрудников в группе").click()
    table = page.get_by_role("table")
    expect(table).to_contain_text(petrova.full_name)
    expect(table).to_contain_text(yolkina.full_name)
    expect(table).not_to_contain_text(smirnov.full_name)

    # «Исключить из группы» for the selection
    page.get_by_label(f"Выбрать: {petrova.full_name}").check()
    page.get_by_role("button", name="Исключить из группы").click()
    expect(page.locator(".messages")).to_contain_text("Исключено из группы «Педагоги. Доступ к УБ ЦОК» сотрудников: 1.")
    expect(table).to_contain_text(yolkina.full_name)
    expect(table).not_to_contain_text(petrova.full_name)

    live = AccessGroupMember.objects.filter(group=group, organisation=school, removed_at__isnull=True)
    assert set(live.values_list("person_id", flat=True)) == {yolkina.pk}
    assert AccessGroupMember.objects.get(person=petrova).removed_at is not None


def test_r13_search_narrows_live_and_select_all_ticks_the_whole_page(browser_page):
    page = browser_page
    group = ub_tsok_group()
    school, teachers = school_with_teachers()
    open_as_administrator(page)
    page.goto(f"/access/groups/{group.pk}/add/")

    page.evaluate("window.__same_page = true")
    page.get_by_label("ФИО").fill("елкина")  # «ё» typed as «е»
    results = page.locator("#results")
    expect(results).not_to_contain_text("Петрова")
    expect(results).to_contain_text("Ёлкина Алёна Сергеевна")
    assert page.evaluate("window.__same_page") is True and re.search(r"q=", page.url)

    page.get_by_label("ФИО").fill("")
    expect(results).to_contain_text("Петрова")
    page.get_by_label("Выбрать всех").check()
    for person in teachers:
        expect(page.get_by_label(f"Выбрать: {person.full_name}")).to_be_checked()
    page.get_by_role("button", name="Добавить выбранных").click()
    # the three teachers and the administrator themself: every employee of the school on the page
    expect(page.locator(".messages")).to_contain_text("сотрудников: 4.")
    assert AccessGroupMember.objects.filter(group=group, organisation=school).count() == 4
