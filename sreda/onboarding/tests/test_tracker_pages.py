"""«Подключение классов» (R23) through the pages: the class teacher's class, the leaders' summary, the deadline
form, XLSX exports, refusals, and a query count that does not grow with the class."""
from datetime import date, timedelta
from io import BytesIO

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from sreda.chats.models import ChatKind
from sreda.core.testing import act_as, make_class, make_member
from sreda.onboarding.models import OnboardingDeadline
from sreda.onboarding.tests.test_tracker_builders import (
    add_students,
    class_chat,
    connect_fully,
    make_tracker_school,
)
from sreda.people.roles import Role

pytestmark = pytest.mark.django_db
URL = reverse("onboarding:tracker")


@pytest.fixture
def school():
    return make_tracker_school(students=3)


def test_r23_the_class_teacher_opens_their_class_straight_away(client, school):
    students_chat, parents_chat = class_chat(school, ChatKind.STUDENTS), class_chat(school, ChatKind.PARENTS)
    connect_fully(school, school.students[0], school.parents[0], students_chat=students_chat,
                  parents_chat=parents_chat)
    act_as(client, school.teacher, school.teacher_membership)

    page = client.get(URL)

    assert page.status_code == 200
    html = page.content.decode()
    assert "Класс 5А — классный руководитель Смирнова Мария Ивановна" in html
    assert 'data-testid="count-missing">4<' in html and 'data-testid="count-registered">2<' in html
    assert "Сводка по школе" not in html  # the summary is the leaders'
    assert "Сохранить срок" not in html  # the deadline is set by the administrator


def test_r23_only_missing_filter_and_search(client, school):
    students_chat, parents_chat = class_chat(school, ChatKind.STUDENTS), class_chat(school, ChatKind.PARENTS)
    connect_fully(school, school.students[0], school.parents[0], students_chat=students_chat,
                  parents_chat=parents_chat)
    act_as(client, school.teacher, school.teacher_membership)

    html = client.get(URL, {"show": "missing"}).content.decode()

    assert f'data-testid="row-{school.students[0].pk}"' not in html
    assert f'data-testid="row-{school.students[1].pk}"' in html
    found = client.get(URL, {"q": "ученик001"}).content.decode()
    assert f'data-testid="row-{school.students[1].pk}"' in found and f'data-testid="row-{school.students[2].pk}"' not in found


def test_r23_a_teacher_who_leads_no_class_is_told_why_and_cannot_open_a_class(client, school):
    user, membership = make_member(role=Role.TEACHER, organisation=school.organisation)
    act_as(client, user, membership)

    page = client.get(URL)

    assert page.status_code == 200
    assert "Вы не указаны классным руководителем" in page.content.decode()
    assert client.get(URL, {"class": school.school_class.pk}).status_code == 404


def test_r23_staff_student_and_another_school_are_refused(client, school):
    user, membership = make_member(role=Role.STAFF, organisation=school.organisation)
    act_as(client, user, membership)
    assert client.get(URL).status_code == 403
    other = make_tracker_school(students=1, short_name="МБОУ СОШ № 8")
    act_as(client, other.admin, other.admin_membership)
    assert client.get(URL, {"class": school.school_class.pk}).status_code == 404


def test_r23_the_administrator_sees_the_summary_and_any_class(client, school):
    second = make_class(organisation=school.organisation, grade=6, letter="Б")
    act_as(client, school.admin, school.admin_membership)

    html = client.get(URL).content.decode()

    assert "Сводка по школе" in html and ">5А</a>" in html and ">6Б</a>" in html
    assert client.get(URL, {"class": second.pk}).status_code == 200


def test_r23_the_administrator_sets_the_deadline_and_overdue_rows_are_highlighted(client, school):
    act_as(client, school.admin, school.admin_membership)

    done = client.post(reverse("onboarding:tracker_deadline"),
                       {"deadline": "30.04.2024", "order_title": "Приказ № 192 от 25.04.2024",
                        "class": school.school_class.pk})

    assert done.status_code == 302 and done["Location"].endswith(f"?class={school.school_class.pk}")
    assert OnboardingDeadline.objects.get(organisation=school.organisation).deadline == date(2024, 4, 30)
    html = client.get(done["Location"]).content.decode()
    assert "Подключить всех до <strong>30.04.2024</strong> — Приказ № 192 от 25.04.2024" in html
    assert "Срок прошёл" in html and 'class="is-overdue"' in html and "просрочено" in html


def test_r23_a_future_deadline_highlights_nothing(client, school):
    act_as(client, school.admin, school.admin_membership)
    future = date.today() + timedelta(days=30)
    client.post(reverse("onboarding:tracker_deadline"), {"deadline": future.isoformat(), "order_title": ""})

    html = client.get(URL, {"class": school.school_class.pk}).content.decode()

    assert f"Подключить всех до <strong>{future:%d.%m.%Y}</strong>" in html
    assert "Срок прошёл" not in html and "просрочено" not in html


def test_r23_bad_deadline_input_changes_nothing(client, school):
    act_as(client, school.admin, school.admin_membership)

    answer = client.post(reverse("onboarding:tracker_deadline"), {"deadline": "31.02.2024", "order_title": "x"})

    assert answer.status_code == 400
    assert "«31.02.2024» — не дата" in answer.content.decode()
    assert not OnboardingDeadline.objects.exists()


def test_r23_the_teacher_cannot_set_the_deadline(client, school):
    act_as(client, school.teacher, school.teacher_membership)

    answer = client.post(reverse("onboarding:tracker_deadline"), {"deadline": "30.04.2024"})

    assert answer.status_code == 403 and not OnboardingDeadline.objects.exists()


def test_r23_xlsx_of_the_class_and_of_the_school(client, school):
    act_as(client, school.admin, school.admin_membership)

    rows = client.get(reverse("onboarding:tracker_export"), {"class": school.school_class.pk})
    sheet = load_workbook(BytesIO(rows.content)).active
    values = list(sheet.values)
    assert values[0][:7] == ("ФИО", "Роль", "Ребёнок", "Зарегистрирован", "В школе", "Подтверждён", "В чатах класса")
    assert len(values) == 1 + 6 and values[1][1] == "Обучающийся" and values[1][6] == "нет чата"

    summary = client.get(reverse("onboarding:tracker_summary_export"))
    values = list(load_workbook(BytesIO(summary.content)).active.values)
    assert values[1][:4] == ("5А", "Смирнова Мария Ивановна", 3, 3) and values[-1][0] == "Итого"

    act_as(client, school.teacher, school.teacher_membership)
    assert client.get(reverse("onboarding:tracker_summary_export")).status_code == 403


@pytest.mark.parametrize("who", ["teacher", "admin"])
def test_r23_the_page_costs_the_same_queries_for_30_and_60_students(client, who):
    """30 and 60 students with parents, chats and some connected: the same number of queries."""
    school = make_tracker_school(students=30)
    students_chat, parents_chat = class_chat(school, ChatKind.STUDENTS), class_chat(school, ChatKind.PARENTS)
    for child, parent in zip(school.students[:10], school.parents[:10]):
        connect_fully(school, child, parent, students_chat=students_chat, parents_chat=parents_chat)
    user, membership = (school.teacher, school.teacher_membership) if who == "teacher" else (
        school.admin, school.admin_membership)
    act_as(client, user, membership)
    params = {"class": school.school_class.pk}
    client.get(URL, params)

    with CaptureQueriesContext(connection) as thirty:
        assert client.get(URL, params).status_code == 200
    add_students(school, 30)
    for child, parent in zip(school.students[30:40], school.parents[30:40]):
        connect_fully(school, child, parent, students_chat=students_chat, parents_chat=parents_chat)
    with CaptureQueriesContext(connection) as sixty:
        page = client.get(URL, params)

    assert 'data-testid="count-students">60<' in page.content.decode()
    assert len(sixty) == len(thirty), [q["sql"] for q in sixty.captured_queries]


def test_r1_r23_the_platform_operator_names_the_school_in_the_address(client, school):
    from sreda.core import active_role as ar
    from sreda.core.testing import make_user

    act_as(client, make_user(superuser=True))
    session = client.session
    session[ar.SESSION_KEY] = ar.PLATFORM_OPERATOR
    session.save()

    assert client.get(URL).status_code == 403  # which school? «Сменить роль» or ?org=
    html = client.get(URL, {"org": school.organisation.pk, "class": school.school_class.pk}).content.decode()
    assert "Сводка по школе" in html and 'data-testid="count-students">3<' in html
    done = client.post(reverse("onboarding:tracker_deadline"), {"org": school.organisation.pk, "deadline": "2024-04-30"})
    assert done.status_code == 302 and f"org={school.organisation.pk}" in done["Location"]
    assert OnboardingDeadline.objects.get().organisation == school.organisation
