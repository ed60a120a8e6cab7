"""Acknowledging a school document in a real browser (R23): the administrator publishes the order with its PDF
and asks all class teachers; the class teacher sees it under «Документы школы», downloads it and presses
«Ознакомлен(а)»; the administrator sees who has and who has not."""
import pytest
from playwright.sync_api import expect

from sreda.core.testing import DEFAULT_PASSWORD
from sreda.onboarding.models import Acknowledgement
from sreda.onboarding.tests.test_tracker_builders import TINY_PDF, make_tracker_school
from tests.e2e.conftest import _new_page
from tests.e2e.steps import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
TITLE = "Приказ № 192 от 25.04.2024 «Об использовании ЦОС»"


def test_admin_publishes_teacher_acknowledges_admin_sees_it(browser_page, chromium, live_server, settings, tmp_path,
                                                           screenshot_dir):
    settings.MEDIA_ROOT = tmp_path
    school = make_tracker_school(students=0, teacher_username="smirnova")
    school.admin.username = "sokolov"
    school.admin.save()

    # The administrator publishes the order and asks all class teachers.
    page = browser_page
    sign_in(page, "sokolov", DEFAULT_PASSWORD)
    page.get_by_role("button", name="Администратор ОО — МБОУ СОШ № 7").click()
    page.get_by_role("navigation").get_by_role("link", name="Ознакомление с документами").click()
    page.get_by_role("link", name="Опубликовать документ").click()
    page.get_by_label("Название документа").fill(TITLE)
    page.get_by_label("Что нужно сделать").fill("Ознакомиться с приказом и инструкцией под подпись.")
    page.get_by_label("Файл документа (PDF)").set_input_files(
        files=[{"name": "prikaz-192.pdf", "mimeType": "application/pdf", "buffer": TINY_PDF}])
    page.get_by_label("Все классные руководители").check()
    page.get_by_role("button", name="Опубликовать").click()
    expect(page.get_by_role("heading", name=TITLE)).to_be_visible()
    expect(page.get_by_test_id("ack-counts")).to_contain_text("Ознакомлены: 0 из 1")
    page.screenshot(path=str(screenshot_dir / "acknowledgement-published.png"), full_page=True)

    # The class teacher sees it, downloads it and acknowledges.
    context, teacher = _new_page(chromium, live_server)
    try:
        sign_in(teacher, "smirnova", DEFAULT_PASSWORD)
        teacher.get_by_role("button", name="Учитель — МБОУ СОШ № 7").click()
        teacher.get_by_role("navigation").get_by_role("link", name="Документы школы").click()
        expect(teacher.get_by_test_id("pending-count")).to_have_text("1")
        with teacher.expect_download() as download:
            teacher.get_by_role("link", name="Скачать prikaz-192.pdf").click()
        assert download.value.suggested_filename == "prikaz-192.pdf"
        teacher.get_by_role("button", name=f"Ознакомлен(а): {TITLE}").click()
        expect(teacher.get_by_test_id("acknowledged")).to_contain_text("Вы ознакомились")
        expect(teacher.get_by_test_id("pending-count")).to_have_text("0")
        teacher.screenshot(path=str(screenshot_dir / "acknowledgement-done.png"), full_page=True)
    finally:
        context.close()
    assert Acknowledgement.objects.get().acknowledged_at is not None

    # The administrator sees who has acknowledged.
    page.reload()
    expect(page.get_by_test_id("ack-counts")).to_contain_text("Ознакомлены: 1 из 1")
    expect(page.get_by_test_id(f"ack-{school.teacher.person.pk}")).to_contain_text("да,")
    page.get_by_test_id("tab-pending").click()
    expect(page.get_by_text("Все ознакомились.")).to_be_visible()
