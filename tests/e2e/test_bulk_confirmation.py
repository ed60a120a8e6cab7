"""Confirming teachers and students in a real browser (R8, R9): the confirmed director filters, ticks rows,
confirms, sees the banner, sends the report and the banner goes; the regional operator sees the report
with those people."""
import pytest
from django.utils import timezone
from playwright.sync_api import expect

from sreda.core.testing import DEFAULT_PASSWORD, make_class, make_member, make_membership, make_organisation, make_person
from sreda.people.models import Confirmation, ConfirmationReport, Membership
from sreda.people.roles import Role
from tests.e2e.steps import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def school_with_people(*, director_confirmed: bool = True):
    school = make_organisation(short_name="МБОУ СОШ № 12")
    make_member(role=Role.DIRECTOR, organisation=school, username="direktor",
                confirmation=Confirmation.CONFIRMED if director_confirmed else None,
                person=make_person(surname="Директорова", name="Галина", patronymic="Ивановна"))
    class_5a = make_class(organisation=school, letter="А")
    class_5b = make_class(organisation=school, letter="Б")
    people = {}
    for surname, name, patronymic, role, school_class in [
        ("Смирнов", "Иван", "Андреевич", Role.STUDENT, class_5a),
        ("Ёлкина", "Алёна", "Сергеевна", Role.STUDENT, class_5a),
        ("Кузнецов", "Олег", "Петрович", Role.STUDENT, class_5a),
        ("Борисова", "Анна", "Игоревна", Role.STUDENT, class_5b),
        ("Петрова", "Мария", "Ивановна", Role.TEACHER, None),
    ]:
        person = make_person(surname=surname, name=name, patronymic=patronymic)
        people[surname] = make_membership(person=person, role=role, organisation=school, school_class=school_class)
    return school, class_5a, people


def test_director_confirms_sends_report_and_regional_operator_sees_it(browser_page):
    page = browser_page
    school, class_5a, people = school_with_people()
    region = school.municipality.region
    make_member(role=Role.REGIONAL_OPERATOR, region=region, username="operator")

    sign_in(page, "direktor", DEFAULT_PASSWORD)
    page.get_by_role("button", name="Руководитель ОО — МБОУ СОШ № 12").click()
    page.get_by_role("navigation").get_by_role("link", name="Педагоги и обучающиеся").click()
    table = page.locator("#members")
    expect(table).to_contain_text("Петрова Мария Ивановна")

    # filters narrow the table without a reload (HTMX); the search ignores case and «ё»
    page.evaluate("window.__same_page = true")
    page.get_by_label("Кто").select_option(label="Обучающиеся")
    expect(table).not_to_contain_text("Петрова Мария Ивановна")
    page.get_by_label("Класс").select_option(label=f"5А ({class_5a.school_year.title})")
    expect(table).not_to_contain_text("Борисова Анна Игоревна")
    expect(table).to_contain_text("Выбрать все 3 по фильтру")
    page.get_by_label("ФИО").fill("елкина")
    expect(table).not_to_contain_text("Смирнов Иван Андреевич")
    expect(table).to_contain_text("Ёлкина Алёна Сергеевна")
    assert page.evaluate("window.__same_page") is True
    page.get_by_label("ФИО").fill("")
    expect(table).to_contain_text("Смирнов Иван Андреевич")

    page.get_by_label("Выбрать: Смирнов Иван Андреевич, обучающийся").check()
    page.get_by_label("Выбрать: Ёлкина Алёна Сергеевна, обучающийся").check()
    page.get_by_role("button", name="Подтвердить").click()

    expect(page.locator(".messages")).to_contain_text("Подтверждено: 2.")
    banner = page.get_by_test_id("report-owed")
    today = timezone.localdate().strftime("%d.%m.%Y")
    expect(banner).to_contain_text(f"Отчёт не отправлен: 2 решения с {today}")
    row = page.locator("#member-table tr", has_text="Смирнов Иван Андреевич")
    expect(row).to_contain_text("Подтверждён")
    expect(page.locator("#member-table tr", has_text="Кузнецов Олег Петрович")).to_contain_text("Не подтверждён")

    banner.get_by_role("button", name="Отправить отчет").click()
    expect(page.locator(".messages")).to_contain_text("Отчёт отправлен оператору региона: подтверждено 2, отклонено 0.")
    expect(page.get_by_test_id("report-owed")).to_have_count(0)
    assert ConfirmationReport.objects.get(organisation=school).confirmed_count == 2

    page.get_by_role("button", name="Выйти").click()
    sign_in(page, "operator", DEFAULT_PASSWORD)
    page.get_by_role("button", name=f"Оператор региона — {region.name}").click()
    page.get_by_role("navigation").get_by_role("link", name="Отчёты школ").click()
    school_row = page.locator("#school-table tr", has_text="МБОУ СОШ № 12")
    expect(school_row).to_contain_text("Отправлен")
    school_row.get_by_role("link", name=today, exact=False).click()
    decisions = page.locator("#decision-table")
    expect(decisions).to_contain_text("Смирнов Иван Андреевич")
    expect(decisions).to_contain_text("Ёлкина Алёна Сергеевна")
    expect(decisions).not_to_contain_text("Кузнецов Олег Петрович")
    expect(page.get_by_test_id("confirmed-count")).to_have_text("2")


def test_select_all_by_filter_then_reject(browser_page):
    """«Выбрать все N по фильтру» ticks the page too, and the server decides on every row of the filter."""
    page = browser_page
    school, class_5a, people = school_with_people()

    sign_in(page, "direktor", DEFAULT_PASSWORD)
    page.get_by_role("button", name="Руководитель ОО — МБОУ СОШ № 12").click()
    page.goto("/people/confirmation/?group=students")
    page.get_by_label("Выбрать все на странице").check()
    expect(page.get_by_label("Выбрать: Борисова Анна Игоревна, обучающийся")).to_be_checked()
    page.get_by_label("Выбрать все на странице").uncheck()
    expect(page.get_by_label("Выбрать: Борисова Анна Игоревна, обучающийся")).not_to_be_checked()
    page.get_by_label("Выбрать все 4 по фильтру").check()
    expect(page.get_by_label("Выбрать: Смирнов Иван Андреевич, обучающийся")).to_be_checked()
    page.get_by_role("button", name="Отклонить").click()

    expect(page.locator(".messages")).to_contain_text("Отклонено: 4.")
    expect(page.get_by_test_id("report-owed")).to_contain_text("Отчёт не отправлен: 4 решения")
    students = Membership.objects.filter(organisation=school, role=Role.STUDENT)
    assert set(students.values_list("confirmation", flat=True)) == {Confirmation.REJECTED}
    assert Membership.objects.get(pk=people["Петрова"].pk).confirmation == Confirmation.PENDING


def test_r8_unconfirmed_director_sees_the_steps_instead_of_the_table(browser_page):
    page = browser_page
    school_with_people(director_confirmed=False)

    sign_in(page, "direktor", DEFAULT_PASSWORD)
    page.get_by_role("button", name="Руководитель ОО — МБОУ СОШ № 12").click()
    page.goto("/people/confirmation/")

    expect(page.get_by_test_id("unconfirmed-director")).to_contain_text("Шаг 1. Подтвердите личность руководителя")
    expect(page.get_by_role("button", name="Подтвердить")).to_have_count(0)
    expect(page.locator("input[name=membership_ids]")).to_have_count(0)
