"""The main flow in a real browser: sign in → consent (R3) → choose a role → switch roles (R1) →
import the roster as the administrator → see class 5А with its students."""
import re

import pytest
from playwright.sync_api import expect

from sreda.core.testing import DEFAULT_PASSWORD, make_membership, make_organisation, make_user
from sreda.people.models import Consent
from sreda.people.roles import Role
from tests.e2e.steps import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# The plain roster template (columns as sreda/roster/parsers/template.py reads them).
ROSTER_CSV = """ID;Фамилия;Имя;Отчество;Дата рождения;Пол;СНИЛС;E-mail;Телефон;Роль;Класс;Предметы;Дети
T1;Петрова;Мария;Ивановна;12.04.1985;ж;112-233-445 95;petrova@school.ru;+7 921 000-00-01;Учитель;5А;Математика;
S1;Смирнов;Иван;Андреевич;20.11.2014;м;;;;Обучающийся;5А;;
S2;Ёлкина;Алёна;Сергеевна;03.02.2015;ж;;;;Обучающийся;5А;;
P1;Смирнова;Елена;Викторовна;;ж;;smirnova@mail.ru;8 911 123-45-67;Законный представитель;;;S1
"""


def test_sign_in_consent_switch_roles_and_import_the_roster(browser_page):
    page = browser_page
    school = make_organisation(short_name="МБОУ СОШ № 5")
    user = make_user(consented=False, username="kuznetsova")
    make_membership(person=user.person, role=Role.ADMINISTRATOR, organisation=school)
    make_membership(person=user.person, role=Role.TEACHER, organisation=school)

    # a wrong password first: a clear Russian error
    sign_in(page, "kuznetsova", "не тот пароль")
    expect(page.get_by_role("alert")).to_contain_text("Неверный логин или пароль")

    sign_in(page, "kuznetsova", DEFAULT_PASSWORD)
    expect(page).to_have_url(re.compile(r"/consent/"))  # R3: nothing else opens first
    expect(page.get_by_role("heading", name="Согласие на обработку персональных данных")).to_be_visible()
    page.get_by_role("button", name="Принять").click()
    expect(page.get_by_role("alert")).to_contain_text("Чтобы продолжить, отметьте")
    page.get_by_label("Я даю согласие на обработку моих персональных данных").check()
    page.get_by_role("button", name="Принять").click()
    assert Consent.objects.filter(user=user).exists()

    expect(page).to_have_url(re.compile(r"/role/"))
    page.get_by_role("button", name="Учитель — МБОУ СОШ № 5").click()
    role_badge = page.get_by_test_id("active-role")
    expect(role_badge).to_have_text("Учитель — МБОУ СОШ № 5")
    expect(page.get_by_role("navigation").get_by_role("link", name="Импорт контингента")).to_have_count(0)

    page.get_by_role("link", name="Сменить роль").click()
    page.get_by_role("button", name="Администратор ОО — МБОУ СОШ № 5").click()
    expect(role_badge).to_have_text("Администратор ОО — МБОУ СОШ № 5")

    page.get_by_role("navigation").get_by_role("link", name="Импорт контингента").click()
    page.get_by_label("Файл из школьной ИС").set_input_files(
        files=[{"name": "contingent.csv", "mimeType": "text/csv", "buffer": ROSTER_CSV.encode("utf-8")}]
    )
    page.get_by_role("button", name="Загрузить").click()
    status = page.locator("#import-status")
    expect(status).to_contain_text("Готово", timeout=60_000)

    status.get_by_role("link", name="Классы").click()
    page.get_by_role("link", name="5А", exact=True).click()
    expect(page.get_by_role("heading", name="5А класс")).to_be_visible()
    expect(page.get_by_role("table")).to_contain_text("Смирнов Иван Андреевич")
    expect(page.get_by_role("table")).to_contain_text("Ёлкина Алёна Сергеевна")
    expect(page.get_by_role("table")).to_contain_text("Смирнова Елена Викторовна")  # the parent of S1

    page.get_by_role("button", name="Выйти").click()
    expect(page.get_by_role("heading", name="Вход")).to_be_visible()
    page.goto("/orgs/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
