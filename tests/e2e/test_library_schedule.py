"""R14 in a real browser: the school's administrator uploads the schedule as CSV, watches the import to its
result, sees the week's lessons and runs «Выгрузка МояШкола» to 100%. R15 condition 5: a teacher in the
access group without lessons is refused with the schedule reason; once the administrator adds a lesson in
the page and publishes, the teacher reloads /library/ and is let in."""
import pytest
from django.utils import timezone
from playwright.sync_api import expect

from sreda.access.models import AccessGroupMember
from sreda.access.tests.factories import ub_tsok_group
from sreda.core.testing import DEFAULT_PASSWORD, make_user
from sreda.library.access import NO_ACCESS
from sreda.library.models import ScheduleLesson
from sreda.library.tests.test_schedule_support import build_school
from sreda.people.models import Confirmation, Membership
from sreda.people.roles import Role
from tests.e2e.steps import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
SCHOOL = "МБОУ СОШ № 7"


@pytest.fixture
def school(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "uploads"
    school = build_school(short_name=SCHOOL)
    school.admin.username = "admin7"
    school.admin.save()
    return school


def open_schedule_as_admin(page):
    sign_in(page, "admin7", DEFAULT_PASSWORD)
    page.get_by_role("button", name=f"Администратор ОО — {SCHOOL}").click()
    page.get_by_role("navigation").get_by_role("link", name="Расписание").click()
    expect(page.get_by_role("heading", name=f"Расписание — {SCHOOL}")).to_be_visible()


def publish_and_see_100(page):
    page.get_by_role("button", name="Выгрузка МояШкола").click()
    expect(page.get_by_role("heading", name=f"Выгрузка МояШкола — {SCHOOL}")).to_be_visible()
    expect(page.locator("#publication-progress")).to_have_text("100%")
    expect(page.locator("#publication-status")).to_contain_text("Завершено")


def test_r14_admin_uploads_a_csv_watches_it_finish_sees_the_week_and_publishes_to_100(browser_page, school, tmp_path):
    page = browser_page
    today = timezone.localdate()
    csv_file = tmp_path / "raspisanie.csv"
    csv_file.write_text("Дата;Урок №;Класс;Предмет;Учитель\n"
                        f"{today:%d.%m.%Y};1;5А;Математика;Петрова Мария Ивановна\n"
                        f"{today:%d.%m.%Y};2;5А;Русский язык;Смирнов Иван Андреевич\n", encoding="cp1251")
    open_schedule_as_admin(page)
    expect(page.locator("#unpublished")).to_contain_text("Неопубликованных изменений: 0")

    page.get_by_role("link", name="Загрузить расписание из файла").click()
    page.get_by_label("Файл расписания").set_input_files(str(csv_file))
    page.get_by_role("button", name="Загрузить").click()
    status = page.locator("#import-status")
    expect(page.locator("#import-status progress")).to_have_attribute("value", "100")
    expect(status).to_contain_text("Загрузка завершена")
    expect(status.locator("li", has_text="Новых уроков")).to_contain_text("2")

    page.get_by_role("link", name="Расписание", exact=True).last.click()
    lessons = page.locator("#lessons tbody tr")
    expect(lessons).to_have_count(2)
    expect(lessons.first).to_contain_text("Петрова Мария Ивановна")
    expect(lessons.nth(1)).to_contain_text("Русский язык")
    expect(page.locator("#unpublished")).to_contain_text("Неопубликованных изменений: 2")

    publish_and_see_100(page)
    page.get_by_role("link", name="← Расписание").click()
    expect(page.locator("#unpublished")).to_contain_text("Неопубликованных изменений: 0")
    expect(page.locator("#last-publication")).to_contain_text("Завершено")
    assert not ScheduleLesson.objects.filter(published_at__isnull=True).exists()


def test_r15_teacher_refused_for_the_schedule_until_a_lesson_is_added_and_published(browser_page, chromium,
                                                                                      live_server, school):
    school.petrova.account_confirmed = True  # R15.1: confirmed through Госуслуги
    school.petrova.save(update_fields=["account_confirmed"])
    teacher = make_user(person=school.petrova, username="petrova")
    Membership.objects.filter(person=school.petrova, role=Role.TEACHER).update(confirmation=Confirmation.CONFIRMED)
    AccessGroupMember.objects.create(group=ub_tsok_group(), organisation=school.organisation, person=teacher.person)

    context = chromium.new_context(base_url=live_server.url, locale="ru-RU", timezone_id="Europe/Moscow")
    teacher_page = context.new_page()
    teacher_page.set_default_timeout(15_000)
    try:
        sign_in(teacher_page, "petrova", DEFAULT_PASSWORD)
        teacher_page.get_by_role("button", name=f"Учитель — {SCHOOL}").click()
        teacher_page.goto("/library/")
        expect(teacher_page.get_by_text(NO_ACCESS)).to_be_visible()
        expect(teacher_page.locator("main")).to_contain_text("нужен хотя бы один ваш урок в отчётном периоде")

        page = browser_page
        open_schedule_as_admin(page)
        form = page.locator("#lesson-form")
        form.get_by_label("Дата").fill(timezone.localdate().isoformat())
        form.get_by_label("Урок №").fill("3")
        form.get_by_label("Класс").select_option(label=f"5А ({school.year.title})")
        form.get_by_label("Предмет").select_option(label="Математика")
        form.get_by_label("Учитель").select_option(label="Петрова Мария Ивановна")
        form.get_by_role("button", name="Добавить урок").click()
        expect(page.locator(".messages")).to_contain_text("Урок добавлен")
        expect(page.locator("#lessons tbody tr")).to_have_count(1)

        teacher_page.reload()  # a lesson that is not published yet does not count (R14)
        expect(teacher_page.locator("main")).to_contain_text("не выгружено в библиотеку")

        publish_and_see_100(page)
        teacher_page.reload()
        expect(teacher_page.get_by_text(NO_ACCESS)).to_have_count(0)
    finally:
        context.close()
