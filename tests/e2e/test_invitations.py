"""Inviting an employee in a real browser (R10–R12): the administrator invites; the letter arrives at a
real local SMTP server; the invitee follows its link, signs in, consents, accepts and takes the new role;
the administrator finds the new employee under «Сотрудники» and changes the role."""
import re

import pytest
from playwright.sync_api import expect

from sreda.access.models import AccessGroupMember
from sreda.access.tests.factories import ub_tsok_group
from sreda.core.testing import DEFAULT_PASSWORD, make_membership, make_organisation, make_person, make_user
from sreda.onboarding.models import Invitation
from sreda.people.models import Membership
from sreda.people.roles import Role
from tests.e2e.conftest import _new_page
from tests.e2e.steps import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LINK = re.compile(r"http://\S+/onboarding/invite/[A-Za-z0-9_-]+/")


def test_invite_accept_edit_the_new_employee_and_add_them_to_the_access_group(
        browser_page, chromium, live_server, smtp_server, settings, screenshot_dir):
    settings.SITE_URL = live_server.url
    ub_tsok_group()  # the migration's seed group, back after earlier transactional tests flushed it
    school = make_organisation(short_name="МБОУ СОШ № 5")
    admin = make_user(username="sokolov", person=make_person(surname="Соколов", name="Пётр", patronymic="Андреевич"))
    make_membership(person=admin.person, role=Role.ADMINISTRATOR, organisation=school)
    invitee = make_user(username="petrova", consented=False, person=make_person(
        surname="Петрова", name="Мария", patronymic="Ивановна", snils="11223344595", account_confirmed=True))

    # The administrator invites (R10).
    page = browser_page
    sign_in(page, "sokolov", DEFAULT_PASSWORD)
    page.get_by_role("button", name="Администратор ОО — МБОУ СОШ № 5").click()
    page.get_by_role("navigation").get_by_role("link", name="Приглашения", exact=True).click()
    page.get_by_role("link", name="Пригласить сотрудника").click()
    page.get_by_label("Фамилия").fill("Петрова")
    page.get_by_label("Имя", exact=True).fill("Мария")
    page.get_by_label("Отчество").fill("Ивановна")
    page.get_by_label("E-mail").fill("petrova@school.ru")
    page.get_by_label("СНИЛС").fill("112-233-445 96")  # a typo first: the checksum catches it
    page.get_by_label("Роль").select_option(label="Учитель")
    page.get_by_role("button", name="Отправить приглашение").click()
    expect(page.get_by_role("alert")).to_contain_text("Приглашение не отправлено")
    expect(page.get_by_text("не сходится контрольное число")).to_be_visible()
    assert not Invitation.objects.exists()
    page.get_by_label("СНИЛС").fill("112-233-445 95")
    page.get_by_role("button", name="Отправить приглашение").click()
    expect(page.get_by_role("heading", name="Приглашение: Петрова Мария Ивановна")).to_be_visible()
    expect(page.get_by_test_id("invitation-status")).to_have_text("Ожидает ответа")
    page.screenshot(path=str(screenshot_dir / "invitation-detail.png"), full_page=True)

    # The letter reaches the SMTP server; the link is taken from it.
    [letter] = smtp_server.wait_for(1)
    assert letter["To"] == "petrova@school.ru"
    [link] = LINK.findall(letter.get_body(("plain",)).get_content())

    # The invitee follows the link: sign-in, consent and the role choice bring them back to it (R3, R1).
    context, invitee_page = _new_page(chromium, live_server)
    try:
        invitee_page.goto(link)
        expect(invitee_page).to_have_url(re.compile(r"/accounts/login/\?next="))
        invitee_page.get_by_label("Логин").fill("petrova")
        invitee_page.get_by_label("Пароль").fill(DEFAULT_PASSWORD)
        invitee_page.get_by_role("button", name="Войти").click()
        invitee_page.get_by_label("Я даю согласие на обработку моих персональных данных").check()
        invitee_page.get_by_role("button", name="Принять").click()
        invitee_page.get_by_role("button", name="Частное лицо").click()
        expect(invitee_page).to_have_url(link)
        expect(invitee_page.get_by_text("МБОУ СОШ № 5", exact=False).first).to_be_visible()
        expect(invitee_page.get_by_text("Соколов Пётр Андреевич, Администратор ОО")).to_be_visible()
        invitee_page.screenshot(path=str(screenshot_dir / "invitation-accept.png"), full_page=True)
        invitee_page.get_by_role("button", name="Принять приглашение").click()
        expect(invitee_page.get_by_text("Приглашение принято: вы — «Учитель» в МБОУ СОШ № 5")).to_be_visible()
        invitee_page.get_by_role("button", name="Учитель — МБОУ СОШ № 5").click()
        expect(invitee_page.get_by_test_id("active-role")).to_have_text("Учитель — МБОУ СОШ № 5")

        # The link works once (R11).
        invitee_page.goto(link)
        expect(invitee_page.get_by_test_id("invitation-problem")).to_contain_text("уже использовано")
        invitee_page.screenshot(path=str(screenshot_dir / "invitation-used.png"), full_page=True)

        # The administrator finds the new employee (R12) and changes the role.
        page.get_by_role("navigation").get_by_role("link", name="Сотрудники").click()
        expect(page.get_by_role("table")).to_contain_text("Петрова Мария Ивановна")
        page.get_by_role("link", name="Изменить: Петрова Мария Ивановна, Учитель").click()
        page.get_by_label("Роль").select_option(label="Сотрудник")
        page.get_by_role("button", name="Сохранить").click()
        expect(page.get_by_text("Сотрудник Петрова Мария Ивановна: изменено — роль")).to_be_visible()
        row = page.get_by_role("row").filter(has_text="Петрова Мария Ивановна")
        expect(row).to_contain_text("Сотрудник")
        page.screenshot(path=str(screenshot_dir / "employees.png"), full_page=True)
        page.get_by_role("navigation").get_by_role("link", name="Приглашения", exact=True).click()
        expect(page.get_by_test_id("tab-accepted")).to_have_text("Приняты: 1")
        page.screenshot(path=str(screenshot_dir / "invitations.png"), full_page=True)
        roles = Membership.objects.filter(person=invitee.person).order_by("id")
        assert [(m.role, m.is_active) for m in roles] == [("teacher", False), ("staff", True)]  # history stays

        # The new employee goes into the library's access group (R13): found by the advanced search,
        # «Присоединить нового сотрудника», then listed under «Посмотреть сотрудников в группе».
        page.get_by_role("navigation").get_by_role("link", name="Группы доступа").click()
        page.get_by_label("Система", exact=True).fill("моя школа")
        page.get_by_label("Группа доступа", exact=True).fill("УБ ЦОК")
        page.get_by_role("button", name="Найти").click()
        page.locator("#results").get_by_role("link", name="Педагоги. Доступ к УБ ЦОК").click()
        page.get_by_role("link", name="Присоединить нового сотрудника").click()
        page.get_by_label("Выбрать: Петрова Мария Ивановна").check()
        page.get_by_role("button", name="Добавить выбранных").click()
        expect(page.locator(".messages")).to_contain_text("сотрудников: 1.")
        page.get_by_role("link", name="Педагоги. Доступ к УБ ЦОК").click()
        page.get_by_role("link", name="Посмотреть сотрудников в группе").click()
        expect(page.get_by_role("table")).to_contain_text("Петрова Мария Ивановна")
        assert AccessGroupMember.objects.filter(person=invitee.person, organisation=school,
                                                removed_at__isnull=True).count() == 1

        # The invitee's ended role is no longer offered; the new one is.
        invitee_page.goto("/")
        expect(invitee_page).to_have_url(re.compile(r"/role/"))
        expect(invitee_page.get_by_role("button", name="Сотрудник — МБОУ СОШ № 5")).to_be_visible()
        expect(invitee_page.get_by_role("button", name="Учитель — МБОУ СОШ № 5")).to_have_count(0)
    finally:
        context.close()
