"""R24–R29 in a real browser against a real Synapse: the administrator reads the plan of the school's chats
(«будет создан»), makes the parents' chat one-way, runs «Синхронизировать сейчас» on the exchange-task page
and sees it finish; the rooms exist on the homeserver with the roster's members, and the plan then says a sync
would change nothing."""
import pytest
from playwright.sync_api import expect

from sreda.chats.matrix import MatrixConnector
from sreda.chats.models import Chat, ExchangeTask
from sreda.chats.tests.test_sync_synapse import School
from sreda.core.testing import DEFAULT_PASSWORD, make_membership, make_user
from sreda.people.models import Confirmation
from sreda.people.roles import Role
from tests.e2e.steps import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_r24_r29_administrator_reads_the_plan_syncs_and_the_rooms_follow_the_roster(
        browser_page, live_server, matrix_settings, matrix_user):
    school = School(matrix_settings, matrix_user)
    admin = make_user(username="chatadmin")
    make_membership(person=admin.person, role=Role.ADMINISTRATOR, organisation=school.org,
                    confirmation=Confirmation.CONFIRMED)
    ExchangeTask.objects.filter(organisation=school.org).delete()  # the roster sync adding them queued
    parents_key = f"parents:{school.cls.pk}"

    page = browser_page
    sign_in(page, "chatadmin", DEFAULT_PASSWORD)
    page.get_by_role("button", name=f"Администратор ОО — {school.org.short_name}").click()
    page.get_by_role("navigation").get_by_role("link", name="Чаты", exact=True).click()
    expect(page.get_by_role("heading", name="Чаты школы в мессенджере")).to_be_visible()
    parents = page.locator(f'[data-testid="planned-chat"][data-key="{parents_key}"]')
    expect(parents).to_contain_text("5А — родители")
    expect(parents.get_by_test_id("plan-changes")).to_contain_text("будет создан")
    # R27: a student without a linked account is listed, but not invited
    expect(page.locator(f'[data-testid="planned-chat"][data-key="students:{school.cls.pk}"]')).to_contain_text(
        "не привязан мессенджер")
    # R28: only staff write in the parents' chat
    parents.get_by_test_id("read-only-on").click()
    expect(page.locator(f'[data-testid="planned-chat"][data-key="{parents_key}"]').get_by_test_id(
        "read-only-off")).to_be_visible()

    page.get_by_role("navigation").get_by_role("link", name="Задачи обмена").click()
    page.get_by_role("button", name="Синхронизировать сейчас").click()
    expect(page.get_by_text("Чаты школы соответствуют контингенту.")).to_be_visible()

    connector = MatrixConnector.from_settings(school.settings)
    for key, members in school.expected.items():
        room = Chat.objects.get(organisation=school.org, key=key).room_id
        assert connector.joined_members(room) == members, key
    parents_room = Chat.objects.get(organisation=school.org, key=parents_key).room_id
    assert connector.power_levels(parents_room)["events_default"] == 50

    page.get_by_role("navigation").get_by_role("link", name="Чаты", exact=True).click()
    expect(page.get_by_test_id("plan-to-change")).to_have_text("0")
