"""R15 in a real browser: a teacher is refused with the access-group reason; the school's administrator reads
the reason in «Доступ к библиотеке», adds the teacher to «Педагоги. Доступ к УБ ЦОК» through the access-group
pages (R13); the teacher reloads the same page and is let in — access is checked anew on every request."""
import pytest
from playwright.sync_api import expect

from sreda.access.models import AccessGroupMember
from sreda.access.tests.factories import ub_tsok_group
from sreda.core.testing import DEFAULT_PASSWORD, make_membership, make_organisation, make_person, make_user
from sreda.library.models import LibraryVisit
from sreda.library.tests.test_access_conditions import add_lesson
from sreda.people.models import Confirmation
from sreda.people.roles import Role
from tests.e2e.steps import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def school_with_a_teacher_outside_the_group():
    ub_tsok_group()
    school = make_organisation(short_name="МБОУ СОШ № 5")
    admin = make_user(username="admin5")
    make_membership(person=admin.person, role=Role.ADMINISTRATOR, organisation=school,
                    confirmation=Confirmation.CONFIRMED)
    teacher = make_user(username="petrova", person=make_person(surname="Петрова", name="Мария", patronymic="Ивановна",
                                                              account_confirmed=True))
    make_membership(person=teacher.person, role=Role.TEACHER, organisation=school, confirmation=Confirmation.CONFIRMED)
    add_lesson(teacher=teacher.person, organisation=school)  # published, in the reporting period
    return school, teacher.person


def test_r15_refused_teacher_is_let_in_after_the_administrator_adds_them_to_the_group(browser_page, chromium,
                                                                                       live_server):
    school, petrova = school_with_a_teacher_outside_the_group()

    # the teacher is refused, with the reason and who fixes it
    page = browser_page
    sign_in(page, "petrova", DEFAULT_PASSWORD)
    page.get_by_role("button", name="Учитель — МБОУ СОШ № 5").click()
    page.get_by_role("navigation").get_by_role("link", name="Библиотека").click()
    refusal = page.get_by_test_id("library-refusal")
    expect(refusal.get_by_role("heading", name="У вас нет доступа к платформе")).to_be_visible()
    expect(refusal).to_contain_text("Вас нет в группе доступа «Педагоги. Доступ к УБ ЦОК» в «МБОУ СОШ № 5»")
    expect(refusal).to_contain_text("Кто исправит: Администратор ОО")
    expect(refusal).to_contain_text("при каждом обновлении страницы")

    # the administrator, in another browser, reads the reason in the report and fixes it
    context = chromium.new_context(base_url=live_server.url, locale="ru-RU", timezone_id="Europe/Moscow",
                                   viewport={"width": 1280, "height": 900})
    try:
        admin = context.new_page()
        admin.set_default_timeout(15_000)
        sign_in(admin, "admin5", DEFAULT_PASSWORD)
        admin.get_by_role("button", name="Администратор ОО — МБОУ СОШ № 5").click()
        admin.get_by_role("navigation").get_by_role("link", name="Доступ к библиотеке").click()
        expect(admin.get_by_role("heading", name="Доступ к библиотеке")).to_be_visible()
        row = admin.get_by_test_id("access-report").locator("tr", has_text=petrova.full_name)
        expect(row).to_contain_text("Вас нет в группе доступа")
        expect(row.locator("td").last).to_have_text("нет")
        row.get_by_role("link", name="Исправить").click()
        expect(admin.get_by_role("heading", name="Присоединить нового сотрудника")).to_be_visible()
        admin.get_by_label(f"Выбрать: {petrova.full_name}").check()
        admin.get_by_role("button", name="Добавить выбранных").click()
        expect(admin.locator(".messages")).to_contain_text("Добавлено в группу «Педагоги. Доступ к УБ ЦОК» сотрудников: 1.")
        admin.get_by_role("navigation").get_by_role("link", name="Доступ к библиотеке").click()
        row = admin.get_by_test_id("access-report").locator("tr", has_text=petrova.full_name)
        expect(row.locator("td").last).to_have_text("да")
        # «Только без доступа» and the search narrow the table in place (htmx)
        admin.evaluate("window.__same_page = true")
        admin.get_by_label("Только без доступа").check()
        expect(admin.locator("#results")).to_contain_text("Никого не найдено.")
        admin.get_by_label("Только без доступа").uncheck()
        admin.get_by_label("ФИО").fill("петрова")
        expect(admin.get_by_test_id("access-report")).to_contain_text(petrova.full_name)
        assert admin.evaluate("window.__same_page") is True and "q=" in admin.url
    finally:
        context.close()

    # the teacher reloads the same page and is let in
    page.reload()
    expect(page.get_by_test_id("library-allowed")).to_contain_text("Доступ открыт")
    expect(page.get_by_test_id("library-refusal")).to_have_count(0)
    assert AccessGroupMember.objects.filter(person=petrova, organisation=school, removed_at__isnull=True).exists()
    assert LibraryVisit.objects.filter(person=petrova, organisation=school).count() == 1
