"""Director verification in a real browser (R6–R8): the director sends a PDF scan and sees the due date;
the regional operator opens the queue and the document and rejects with a reason; the director reads the
reason and resends with passport data; the operator approves; the director is confirmed."""
import re
from datetime import timedelta
from io import BytesIO

import pytest
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from sreda.core.models import AuditEntry
from sreda.core.testing import (
    DEFAULT_PASSWORD, make_member, make_municipality, make_organisation, make_person, make_region,
)
from sreda.people.models import Confirmation, DirectorVerification
from sreda.people.roles import Role
from tests.e2e.steps import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SCHOOL = "МБОУ «Лицей № 21»"
DIRECTOR_ROLE = f"Руководитель ОО — {SCHOOL}"
OPERATOR_ROLE = "Оператор региона — Курская область"


def pdf_scan() -> bytes:
    out = BytesIO()
    Image.new("RGB", (300, 200), "white").save(out, "PDF")
    return out.getvalue()


def enter_as(page, username: str, role_label: str) -> None:
    sign_in(page, username, DEFAULT_PASSWORD)
    page.get_by_role("button", name=role_label).click()
    expect(page.get_by_test_id("active-role")).to_have_text(role_label)


def sign_out(page) -> None:
    page.get_by_role("button", name="Выйти").click()
    expect(page.get_by_role("heading", name="Вход")).to_be_visible()


def test_director_is_verified_after_a_rejection_and_a_second_request(browser_page, settings, tmp_path,
                                                                      screenshot_dir):
    settings.MEDIA_ROOT = tmp_path
    page = browser_page
    region = make_region(name="Курская область")
    school = make_organisation(municipality=make_municipality(region=region, name="Курский район"), short_name=SCHOOL)
    _, director = make_member(role=Role.DIRECTOR, organisation=school, username="sokolova",
                              person=make_person(surname="Соколова", name="Ирина", patronymic="Павловна"))
    make_member(role=Role.REGIONAL_OPERATOR, region=region, username="operator",
                person=make_person(surname="Петров", name="Олег", patronymic="Иванович"))
    due = f"{timezone.localdate() + timedelta(days=5):%d.%m.%Y}"
    scan = pdf_scan()

    # 1. The director: why the functions are missing (R8), then a PDF scan of the employment certificate (R6)
    enter_as(page, "sokolova", DIRECTOR_ROLE)
    page.get_by_role("navigation").get_by_role("link", name="Подтверждение руководителя").click()
    expect(page.get_by_test_id("verification-why")).to_contain_text("«Педагогические работники и обучающиеся»")
    expect(page.get_by_test_id("verification-why")).to_contain_text("Шаг 2.")
    expect(page.get_by_label("Оператор региона — Курская область")).to_be_checked()  # «Куда отправить»
    expect(page.get_by_label("Серия паспорта")).to_be_hidden()  # fields appear per method
    page.get_by_label("Скан справки с места работы").check()
    expect(page.get_by_label("Серия паспорта")).to_be_hidden()
    page.screenshot(path=str(screenshot_dir / "verification-form.png"), full_page=True)
    page.get_by_label("Файл: скан или фото").set_input_files(
        files=[{"name": "справка.pdf", "mimeType": "application/pdf", "buffer": scan}])
    page.get_by_role("button", name="Отправить заявку").click()
    expect(page.get_by_role("alert")).to_contain_text("Заявка не отправлена")
    expect(page.get_by_text("Без согласия на обработку персональных данных")).to_be_visible()
    assert DirectorVerification.objects.count() == 0
    page.get_by_label("Скан справки с места работы").check()
    page.get_by_label("Файл: скан или фото").set_input_files(
        files=[{"name": "справка.pdf", "mimeType": "application/pdf", "buffer": scan}])
    page.get_by_label("Подтверждаю согласие на обработку персональных данных").check()
    page.get_by_role("button", name="Отправить заявку").click()
    expect(page.get_by_test_id("verification-status-label")).to_have_text("На рассмотрении")
    expect(page.get_by_test_id("verification-due")).to_contain_text(f"до {due}")  # R7
    page.screenshot(path=str(screenshot_dir / "verification-submitted.png"), full_page=True)
    sign_out(page)

    # 2. The regional operator: the queue with its due date, the document (audited), a rejection with a reason
    enter_as(page, "operator", OPERATOR_ROLE)
    page.get_by_role("navigation").get_by_role("link", name="Заявки руководителей").click()
    queue = page.get_by_test_id("verification-queue")
    expect(queue).to_contain_text(f"до {due}")
    expect(queue).to_contain_text(SCHOOL)
    page.screenshot(path=str(screenshot_dir / "verification-queue.png"), full_page=True)
    queue.get_by_role("link", name="Соколова Ирина Павловна").click()
    link = page.get_by_role("link", name=re.compile("Открыть документ"))
    response = page.context.request.get(link.get_attribute("href"))  # what the new tab receives
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    assert response.headers["x-content-type-options"] == "nosniff" and response.body() == scan
    with page.context.expect_page() as tab:
        link.click()
    tab.value.close()
    assert AuditEntry.objects.filter(action="verification.document_view").count() >= 2
    page.get_by_role("button", name="Отклонить").click()  # the reason is required
    expect(page.get_by_test_id("verification-status-label")).to_have_text("На рассмотрении")
    page.get_by_label("Причина отказа").fill("Скан без печати организации")
    page.get_by_role("button", name="Отклонить").click()
    expect(page.get_by_test_id("verification-status-label")).to_have_text("Отклонено")
    sign_out(page)

    # 3. The director reads the reason and resends with passport data
    enter_as(page, "sokolova", DIRECTOR_ROLE)
    page.get_by_role("navigation").get_by_role("link", name="Подтверждение руководителя").click()
    expect(page.get_by_test_id("verification-status-label")).to_have_text("Отклонено")
    expect(page.get_by_test_id("reject-reason")).to_have_text("Скан без печати организации")
    page.screenshot(path=str(screenshot_dir / "verification-rejected.png"), full_page=True)
    page.get_by_label("Паспортные данные (ввести вручную)").check()
    expect(page.get_by_label("Файл: скан или фото")).to_be_hidden()
    page.get_by_label("Серия паспорта").fill("38 05")
    page.get_by_label("Номер паспорта").fill("12345")  # one digit short
    page.get_by_label("Кем выдан").fill("Отделом УФМС России по Курской области")
    page.get_by_label("Дата выдачи").fill("14.03.2016")
    page.get_by_label("Код подразделения").fill("460-001")
    page.get_by_label("Подтверждаю согласие на обработку персональных данных").check()
    page.get_by_role("button", name="Отправить заявку").click()
    expect(page.get_by_text("Номер паспорта — 6 цифр")).to_be_visible()
    page.get_by_label("Номер паспорта").fill("123456")
    page.get_by_label("Подтверждаю согласие на обработку персональных данных").check()
    page.get_by_role("button", name="Отправить заявку").click()
    expect(page.get_by_test_id("verification-status-label")).to_have_text("На рассмотрении")
    expect(page.get_by_test_id("verification-history")).to_contain_text("Скан без печати организации")
    sign_out(page)

    # 4. The operator sees the passport data and approves
    enter_as(page, "operator", OPERATOR_ROLE)
    page.get_by_role("navigation").get_by_role("link", name="Заявки руководителей").click()
    page.get_by_test_id("verification-queue").get_by_role("link", name="Соколова Ирина Павловна").click()
    expect(page.get_by_test_id("passport-number")).to_have_text("38 05 123456")
    page.screenshot(path=str(screenshot_dir / "verification-detail.png"), full_page=True)
    page.get_by_role("button", name="Подтвердить").click()
    expect(page.get_by_test_id("verification-status-label")).to_have_text("Подтверждено")
    sign_out(page)

    # 5. The director is confirmed (R8: the functions open)
    enter_as(page, "sokolova", DIRECTOR_ROLE)
    page.goto("/people/verification/")
    expect(page.get_by_test_id("verification-status")).to_contain_text("Вы подтверждены как руководитель ОО")
    director.refresh_from_db()
    assert director.confirmation == Confirmation.CONFIRMED
