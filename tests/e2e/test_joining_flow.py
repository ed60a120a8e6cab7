"""Joining a school in a real browser (R20, R21): a student finds the school and asks to join 5А; the
administrator sees the roster match field by field and approves; the administrator issues the parent
invitation (link and QR code); the parent opens the link, signs in, corrects the child's name and gives
consent; the administrator accepts the correction, which reaches the child's record.

After each step the class teacher reloads the onboarding tracker (R23) and sees the student's row change:
not registered → registered and in the school → confirmed by the parent → with the corrected name."""
import re

import pytest
from playwright.sync_api import expect

from sreda.core.testing import (
    DEFAULT_PASSWORD,
    make_class,
    make_membership,
    make_organisation,
    make_person,
    make_user,
)
from sreda.onboarding.models import ChildDataCorrection, JoinRequest, ParentConsent
from sreda.onboarding.tests.test_joining_builders import BORN, roster_student
from sreda.people.models import Person, User
from sreda.people.roles import Role
from tests.e2e.conftest import _new_page
from tests.e2e.steps import sign_in
from tests.e2e.test_onboarding_tracker import open_tracker, tracker_row

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

STEPS = ("requested", "approved", "invited", "parent_confirmed", "correction_accepted")


# What the class teacher's tracker shows for the roster student after each step (R23).
EXPECTED = {
    "requested": {"Зарегистрирован": "нет", "Подтверждён": "нет"},
    "approved": {"Зарегистрирован": "да", "В школе": "да", "Подтверждён": "нет"},
    "invited": {"Зарегистрирован": "да", "В школе": "да", "Подтверждён": "нет"},
    "parent_confirmed": {"Зарегистрирован": "да", "В школе": "да", "Подтверждён": "да"},
    "correction_accepted": {"ФИО": "Орлов Павел Ильич", "Подтверждён": "да"},
}


def tracker_step(teacher_page, step: str, *, school_class, student: Person) -> None:
    """The class teacher reloads «Подключение классов» after `step` and finds the student's row as expected."""
    assert step in STEPS
    open_tracker(teacher_page)
    expect(teacher_page.get_by_role("heading", name=re.compile(f"Класс {school_class.title}"))).to_be_visible()
    row = tracker_row(teacher_page, student.pk)
    for column, value in EXPECTED[step].items():
        assert row[column].startswith(value), (step, column, row)


def test_student_requests_admin_approves_parent_confirms_with_a_correction(
        browser_page, chromium, live_server, settings, screenshot_dir):
    settings.SITE_URL = live_server.url
    school = make_organisation(short_name="МБОУ СОШ № 7")
    admin = make_user(username="sokolov", person=make_person(surname="Соколов", name="Пётр", patronymic="Андреевич"))
    make_membership(person=admin.person, role=Role.ADMINISTRATOR, organisation=school)
    teacher = make_person(surname="Смирнова", name="Мария", patronymic="Ивановна")
    make_user(username="smirnova", person=teacher)
    make_membership(person=teacher, role=Role.TEACHER, organisation=school)
    class_5a = make_class(organisation=school, grade=5, letter="А", class_teacher=teacher)
    make_class(organisation=school, grade=5, letter="Б")
    roster = roster_student(class_5a, surname="Орлов", name="Пётр", patronymic="Ильич")
    make_user(username="orlov", person=make_person(surname="Орлов", name="Пётр", patronymic="Ильич",
                                                   birth_date=BORN, account_confirmed=True, snils=None))
    parent = make_user(username="orlova", person=make_person(surname="Орлова", name="Анна", patronymic="Ивановна"))

    # The class teacher keeps the tracker open in a window of their own (R23).
    teacher_context, teacher_page = _new_page(chromium, live_server)
    sign_in(teacher_page, "smirnova", DEFAULT_PASSWORD)
    teacher_page.get_by_role("button", name="Учитель — МБОУ СОШ № 7").click()

    # The student, as a private person, finds the school by INN and asks to join 5А (R5, R20).
    student_context, student = _new_page(chromium, live_server)
    try:
        sign_in(student, "orlov", DEFAULT_PASSWORD)
        student.get_by_role("button", name="Частное лицо").click()
        student.get_by_role("navigation").get_by_role("link", name="Моя школа").click()
        student.get_by_label("Школа: название или ИНН").fill(school.inn)
        student.get_by_role("button", name="Найти школу").click()
        student.get_by_role("link", name="Подать заявку в МБОУ СОШ № 7").click()
        student.get_by_label("Роль").select_option(label="Обучающийся")
        student.get_by_label("Класс").select_option(label="5А (2025/2026)")
        expect(student.get_by_label("Фамилия")).to_have_value("Орлов")
        student.get_by_role("button", name="Отправить заявку").click()
        expect(student.locator(".messages")).to_contain_text("Заявка отправлена в МБОУ СОШ № 7")
        expect(student.locator("#my-requests")).to_contain_text("На рассмотрении")
        student.screenshot(path=str(screenshot_dir / "joining-my-requests.png"), full_page=True)
        request = JoinRequest.objects.get()
        tracker_step(teacher_page, "requested", school_class=class_5a, student=roster)

        # The administrator sees the match field by field and approves (R20).
        page = browser_page
        sign_in(page, "sokolov", DEFAULT_PASSWORD)
        page.get_by_role("button", name="Администратор ОО — МБОУ СОШ № 7").click()
        page.get_by_role("navigation").get_by_role("link", name="Заявки на вступление").click()
        expect(page.get_by_test_id(f"match-{request.pk}")).to_have_text("Совпадает с контингентом")
        page.screenshot(path=str(screenshot_dir / "joining-queue.png"), full_page=True)
        page.get_by_role("link", name=f"№ {request.pk}").click()
        expect(page.locator("#checks")).to_contain_text("✓ совпадает")
        page.get_by_role("button", name="Одобрить").click()
        expect(page.get_by_test_id("request-status")).to_have_text("Одобрена")
        assert User.objects.get(username="orlov").person_id == roster.pk
        tracker_step(teacher_page, "approved", school_class=class_5a, student=roster)

        # The student sees the decision.
        student.get_by_role("navigation").get_by_role("link", name="Моя школа").click()
        expect(student.locator("#my-requests")).to_contain_text("Одобрена")

        # The administrator issues the parent invitation: a link and its QR code (R21).
        page.get_by_role("link", name="← К списку заявок").click()
        page.get_by_role("navigation").get_by_role("link", name="Приглашения родителям").click()
        page.get_by_label("Класс").select_option(value=str(class_5a.pk))
        page.get_by_role("button", name="Показать").click()
        page.get_by_role("button", name="Выдать приглашение родителю: Орлов Пётр Ильич").click()
        expect(page.locator(".qr svg")).to_be_visible()
        link = page.get_by_test_id("parent-link").input_value()
        assert link.startswith(live_server.url + "/onboarding/parents/invite/")
        page.screenshot(path=str(screenshot_dir / "joining-parent-invitation.png"), full_page=True)
        tracker_step(teacher_page, "invited", school_class=class_5a, student=roster)
    finally:
        student_context.close()

    # The parent opens the link, signs in, corrects the child's name and gives consent (R21).
    parent_context, parent_page = _new_page(chromium, live_server)
    try:
        parent_page.goto(link)
        expect(parent_page.get_by_role("link", name="Зарегистрироваться")).to_be_visible()
        parent_page.get_by_role("link", name="Войти", exact=True).click()
        expect(parent_page).to_have_url(re.compile(r"/accounts/login/\?next="))
        parent_page.get_by_label("Логин").fill("orlova")
        parent_page.get_by_label("Пароль").fill(DEFAULT_PASSWORD)
        parent_page.get_by_role("button", name="Войти").click()
        parent_page.get_by_role("button", name="Частное лицо").click()
        expect(parent_page).to_have_url(link)
        expect(parent_page.get_by_label("Фамилия ребёнка")).to_have_value("Орлов")
        parent_page.get_by_label("Имя ребёнка").fill("Павел")
        parent_page.get_by_role("button", name="Подтвердить").click()
        expect(parent_page.get_by_role("alert")).to_contain_text("Не сохранено")
        expect(parent_page.get_by_text("Отметьте «Я даю согласие на использование платформы")).to_be_visible()
        parent_page.get_by_label("Я даю согласие на использование платформы моим ребёнком").check()
        parent_page.screenshot(path=str(screenshot_dir / "joining-parent-confirm.png"), full_page=True)
        parent_page.get_by_role("button", name="Подтвердить").click()
        expect(parent_page.locator(".messages")).to_contain_text("Орлов Пётр Ильич подтверждён(а)")
        assert ParentConsent.objects.filter(child=roster, parent=parent.person).exists()
        tracker_step(teacher_page, "parent_confirmed", school_class=class_5a, student=roster)

        # The link works once.
        parent_page.goto(link)
        expect(parent_page.get_by_test_id("link-problem")).to_contain_text("подтвердили данные ребёнка")
    finally:
        parent_context.close()

    # The administrator accepts the correction: the child's record changes.
    page.goto("/onboarding/parents/corrections/")
    correction = ChildDataCorrection.objects.get()
    card = page.get_by_test_id(f"correction-{correction.pk}")
    expect(card).to_contain_text("Пётр")
    expect(card).to_contain_text("Павел")
    page.screenshot(path=str(screenshot_dir / "joining-corrections.png"), full_page=True)
    page.get_by_role("button", name="Принять исправление: Орлов Пётр Ильич").click()
    expect(page.locator(".messages")).to_contain_text("Исправление принято")
    roster.refresh_from_db()
    assert roster.name == "Павел"
    tracker_step(teacher_page, "correction_accepted", school_class=class_5a, student=roster)
    teacher_context.close()
