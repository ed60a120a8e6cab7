"""R27 in a real browser against a real Synapse: a teacher links their messenger account with the code the
school's service account sends to it, reading the code in the messenger as a person would; the administrator
then sees the id on the teacher's record, tab «Общая». A wrong code is answered with the attempts left, and
nothing is linked by it."""
import pytest
from playwright.sync_api import expect

from sreda.chats.models import AccountStatus, ExchangeTask, MessengerAccount
from sreda.chats.tests.test_linking import read_code
from sreda.core.testing import DEFAULT_PASSWORD, make_member
from sreda.people.models import Confirmation
from sreda.people.roles import Role
from tests.e2e.steps import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_r27_teacher_links_the_messenger_with_the_code_and_the_administrator_sees_it(
        browser_page, live_server, matrix_settings, matrix_user, synapse):
    settings = matrix_settings()
    school = settings.organisation
    teacher, _ = make_member(role=Role.TEACHER, organisation=school, confirmation=Confirmation.CONFIRMED,
                             username="mxteacher")
    admin, _ = make_member(role=Role.ADMINISTRATOR, organisation=school, confirmation=Confirmation.CONFIRMED,
                           username="mxadmin")
    mx = matrix_user("uchitel")
    page = browser_page

    sign_in(page, "mxteacher", DEFAULT_PASSWORD)
    page.get_by_role("button", name=f"Учитель — {school.short_name}").click()
    page.get_by_role("navigation").get_by_role("link", name="Мессенджер").click()
    expect(page.get_by_role("heading", name="Шаг 1. Укажите идентификатор")).to_be_visible()
    page.get_by_role("textbox", name="Ваш идентификатор Matrix").fill(mx.user_id)
    page.get_by_role("button", name="Получить код").click()
    expect(page.get_by_test_id("messenger-code")).to_contain_text(mx.user_id)

    code = read_code(synapse, mx)  # the person opens the messenger and reads the service account's message
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    page.get_by_role("textbox", name="Код из сообщения").fill(wrong)
    page.get_by_role("button", name="Подтвердить").click()
    expect(page.get_by_role("alert")).to_contain_text("Осталось попыток: 4")
    assert not MessengerAccount.objects.filter(person=teacher.person, status=AccountStatus.LINKED).exists()

    page.get_by_role("textbox", name="Код из сообщения").fill(code)
    page.get_by_role("button", name="Подтвердить").click()
    expect(page.get_by_test_id("messenger-id")).to_have_text(mx.user_id)
    # R25/R27: linking schedules the sync of the teacher's school
    assert ExchangeTask.objects.filter(organisation=school).exists()

    page.context.clear_cookies()
    sign_in(page, "mxadmin", DEFAULT_PASSWORD)
    page.get_by_role("button", name=f"Администратор ОО — {school.short_name}").click()
    page.goto(f"/people/{teacher.person.pk}/")
    expect(page.get_by_test_id("person-messenger-id")).to_have_text(mx.user_id)
