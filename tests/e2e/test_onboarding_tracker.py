"""The class onboarding tracker in a real browser (R23): the administrator sets the deadline from the school's
order; the class teacher opens «Подключение классов» and sees who is missing, overdue after the deadline; a new
student asks to join, is approved and confirmed by a parent (rows made by the ORM, as the joining pages would),
and the tracker reflects each step; «только неподключённые» narrows the list."""
import pytest
from django.utils import timezone
from playwright.sync_api import expect

from sreda.core.testing import DEFAULT_PASSWORD, make_person, make_user
from sreda.onboarding.models import JoinRequest, JoinStatus
from sreda.onboarding.tests.test_tracker_builders import consent, make_tracker_school
from sreda.people.models import Guardianship, Membership, MembershipOrigin
from sreda.people.roles import Role
from tests.e2e.conftest import _new_page
from tests.e2e.steps import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
COLUMNS = ("ФИО", "Роль", "Ребёнок", "Зарегистрирован", "В школе", "Подтверждён", "В чатах класса")


def open_tracker(page, *, class_id: int | None = None) -> None:
    """For the joining flow's test too: open «Подключение классов» (a class teacher lands on their class; the
    administrator names it with `class_id`)."""
    page.get_by_role("navigation").get_by_role("link", name="Подключение классов").click()
    if class_id is not None:
        page.goto(f"/onboarding/tracker/?class={class_id}")


def tracker_row(page, person_id: int) -> dict[str, str]:
    """The tracker's row of a person as {column: text}, e.g. {"Подтверждён": "да", …}; reload the page first."""
    cells = page.get_by_test_id(f"row-{person_id}").locator("td").all_inner_texts()
    return dict(zip(COLUMNS, (c.strip() for c in cells)))


def test_class_teacher_tracks_the_class_through_joining(browser_page, chromium, live_server, screenshot_dir):
    school = make_tracker_school(students=2, teacher_username="smirnova")
    school.admin.username = "sokolov"
    school.admin.save()

    # The administrator sets the deadline of the school's order (it has passed: 30.04.2024).
    page = browser_page
    sign_in(page, "sokolov", DEFAULT_PASSWORD)
    page.get_by_role("button", name="Администратор ОО — МБОУ СОШ № 7").click()
    page.get_by_role("navigation").get_by_role("link", name="Подключение классов").click()
    expect(page.get_by_test_id("deadline")).to_have_text("Срок подключения не установлен.")
    page.get_by_label("Срок подключения").fill("2024-04-30")
    page.get_by_label("Приказ", exact=True).fill("Приказ № 192 от 25.04.2024")
    page.get_by_role("button", name="Сохранить срок").click()
    expect(page.get_by_test_id("deadline")).to_contain_text("Подключить всех до 30.04.2024 — Приказ № 192 от 25.04.2024")
    expect(page.locator("#summary")).to_contain_text("5А")

    # The class teacher opens the tracker: the class, the counts, overdue rows.
    context, teacher = _new_page(chromium, live_server)
    try:
        sign_in(teacher, "smirnova", DEFAULT_PASSWORD)
        teacher.get_by_role("button", name="Учитель — МБОУ СОШ № 7").click()
        open_tracker(teacher)
        expect(teacher.get_by_role("heading", name="Класс 5А — классный руководитель Смирнова Мария Ивановна")).to_be_visible()
        expect(teacher.get_by_test_id("deadline")).to_contain_text("Срок прошёл")
        expect(teacher.get_by_test_id("count-students")).to_have_text("2")
        expect(teacher.get_by_test_id("count-missing")).to_have_text("4")
        expect(teacher.locator("#tracker tr.is-overdue")).to_have_count(4)
        teacher.screenshot(path=str(screenshot_dir / "tracker-class.png"), full_page=True)

        # A new student registers and asks to join 5А (R20): registered, not in the school yet.
        child = make_user(username="novikov", person=make_person(surname="Новиков", name="Илья", patronymic=""))
        request = JoinRequest.objects.create(organisation=school.organisation, role=Role.STUDENT,
                                             school_class=school.school_class, requester=child, subject=child.person,
                                             surname="Новиков", name="Илья")
        teacher.reload()
        row = teacher.get_by_test_id(f"row-{child.person.pk}")
        expect(row).to_contain_text("заявка на вступление")
        cells = tracker_row(teacher, child.person.pk)
        assert (cells["Зарегистрирован"], cells["В школе"], cells["Подтверждён"]) == ("да", "нет", "нет")
        expect(teacher.get_by_test_id("count-students")).to_have_text("3")

        # The administrator approves it (the membership of 5А) and a parent confirms the child (R21).
        Membership.objects.create(person=child.person, role=Role.STUDENT, organisation=school.organisation,
                                  school_class=school.school_class, origin=MembershipOrigin.JOIN_REQUEST)
        JoinRequest.objects.filter(pk=request.pk).update(status=JoinStatus.APPROVED, decided_at=timezone.now())
        parent = make_user(person=make_person(surname="Новикова", name="Анна", patronymic=""))
        Guardianship.objects.create(parent=parent.person, child=child.person)
        Membership.objects.create(person=parent.person, role=Role.PARENT, organisation=school.organisation,
                                  school_class=school.school_class, origin=MembershipOrigin.JOIN_REQUEST)
        consent(school, child.person, parent.person)
        teacher.reload()
        row = teacher.get_by_test_id(f"row-{child.person.pk}")
        expect(row).not_to_contain_text("заявка на вступление")
        expect(row.locator("td").nth(4)).to_have_text("да")
        expect(row.locator("td").nth(5)).to_have_text("да")
        expect(teacher.get_by_test_id("count-confirmed")).to_have_text("2")
        expect(teacher.get_by_test_id(f"row-{parent.person.pk}")).to_contain_text("Новиков Илья")

        # «Только неподключённые»: the connected family leaves the list (the class has no chats yet).
        teacher.get_by_label("только неподключённые").check()
        expect(teacher.get_by_test_id(f"row-{child.person.pk}")).to_have_count(0)
        expect(teacher.get_by_test_id(f"row-{school.students[0].pk}")).to_be_visible()
        expect(teacher.get_by_test_id("count-missing")).to_have_text("4")
        teacher.screenshot(path=str(screenshot_dir / "tracker-missing.png"), full_page=True)
    finally:
        context.close()

    # The administrator's summary counts the new family too.
    page.reload()
    expect(page.locator("#summary tbody tr").first).to_contain_text("5А")
    expect(page.locator("#summary tfoot")).to_contain_text("Итого")
