"""Issue #10, item 2, in a real browser against a real Synapse: the administrator reads the preview of the step
into the new school year, runs it, syncs the chats, and finds last year's chats in the archive, read-only and
with the year in their title, while the class that moved up has its new chats."""
import pytest
from playwright.sync_api import expect

from sreda.chats.matrix import ARCHIVE_LEVEL, MatrixConnector
from sreda.chats.models import Chat
from sreda.chats.sync import sync_school
from sreda.chats.tests.test_sync_synapse import School
from sreda.core.testing import DEFAULT_PASSWORD, make_membership, make_user
from sreda.orgs.models import SchoolClass, YearTransition
from sreda.orgs.tests.test_year_transition import new_year, old_year
from sreda.people.models import Confirmation, Membership
from sreda.people.roles import Role
from tests.e2e.steps import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_preview_run_and_last_years_chats_are_archived_read_only(browser_page, live_server, matrix_settings,
                                                                  matrix_user):
    school = School(matrix_settings, matrix_user)
    connector = MatrixConnector.from_settings(school.settings)
    assert sync_school(school.org, connector=connector).status == "done"  # 5А's rooms exist
    old_parents = Chat.objects.get(organisation=school.org, key=f"parents:{school.cls.pk}")
    # The school lived in last school year: its 5А and the rooms made for it belong to that year.
    SchoolClass.objects.filter(pk=school.cls.pk).update(school_year=old_year())
    Membership.objects.filter(organisation=school.org).update(start_date=old_year().start)
    admin = make_user(username="yearadmin")
    make_membership(person=admin.person, role=Role.ADMINISTRATOR, organisation=school.org,
                    confirmation=Confirmation.CONFIRMED)
    past = old_year().title

    page = browser_page
    sign_in(page, "yearadmin", DEFAULT_PASSWORD)
    page.get_by_role("button", name=f"Администратор ОО — {school.org.short_name}").click()
    page.get_by_role("navigation").get_by_role("link", name="Новый учебный год").click()
    expect(page.get_by_role("heading", name=f"Предпросмотр: {past} → {new_year().title}")).to_be_visible()
    expect(page.locator("#transition-classes")).to_contain_text("5А")
    expect(page.locator("#transition-classes")).to_contain_text("6А")
    expect(page.locator("#transition-chats")).to_contain_text(f"5А — родители → 5А — родители ({past})")

    page.get_by_role("button", name=f"Выполнить переход с {new_year().start:%d.%m.%Y}").click()
    expect(page.get_by_text(f"Школа переведена в {new_year().title} учебный год")).to_be_visible()
    expect(page.locator("#current-transition")).to_contain_text("Отменить переход")
    assert YearTransition.objects.get(organisation=school.org).status == "done"

    page.get_by_role("navigation").get_by_role("link", name="Задачи обмена").click()
    page.get_by_role("button", name="Синхронизировать сейчас").click()
    expect(page.get_by_text("Чаты школы соответствуют контингенту.")).to_be_visible()

    page.get_by_role("navigation").get_by_role("link", name="Чаты", exact=True).click()
    archived = page.get_by_test_id("plan-archived")
    expect(archived).to_contain_text(f"5А — родители ({past})")
    expect(archived).to_contain_text(f"5А — ученики ({past})")
    expect(archived).to_contain_text("только чтение")
    six = SchoolClass.objects.get(organisation=school.org, school_year=new_year())
    expect(page.locator(f'[data-testid="planned-chat"][data-key="parents:{six.pk}"]')).to_contain_text(
        "6А — родители")

    # The homeserver agrees: the old room keeps its history under the year's title and only the service account
    # may write; the new class's room has the class teacher and the parents.
    old_parents.refresh_from_db()
    assert old_parents.archived_at is not None
    assert connector.room_title(old_parents.room_id) == f"5А — родители ({past})"
    assert connector.power_levels(old_parents.room_id)["events_default"] == ARCHIVE_LEVEL
    new_room = Chat.objects.get(organisation=school.org, key=f"parents:{six.pk}").room_id
    assert new_room != old_parents.room_id
    assert connector.joined_members(new_room) == {school.id("teacher"), school.id("parent1"), school.id("parent2")}
