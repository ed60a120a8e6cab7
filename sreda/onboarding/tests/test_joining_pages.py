"""Join pages (R20, R22): «Моя школа» for the private person and the school's queue with the roster match."""
from datetime import date
from io import BytesIO

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from sreda.core.testing import act_as, make_member, make_organisation
from sreda.onboarding.models import JoinRequest, JoinStatus
from sreda.onboarding.tests.test_joining_builders import (
    make_requester,
    make_school,
    roster_student,
    student_request,
)
from sreda.people.models import Guardianship
from sreda.people.roles import Role

pytestmark = pytest.mark.django_db


def test_a_private_person_finds_the_school_by_inn_and_sends_a_request(client):
    """R5/R20: search by INN, then role and the exact class; «Мои заявки» shows the status."""
    school = make_school()
    user = make_requester(surname="Орлов0")
    act_as(client, user)
    page = client.get(reverse("onboarding:join"), {"q": school.organisation.inn})
    assert school.organisation.short_name in page.content.decode()
    url = reverse("onboarding:join_new", args=[school.organisation.pk])
    form = client.get(url).content.decode()
    assert "5А" in form and "Законный представитель" in form
    response = client.post(url, {"role": Role.STUDENT, "school_class": school.class_5a.pk, "surname": "Орлов0",
                                 "name": "Пётр", "patronymic": "Ильич", "birth_date": "2014-03-08"}, follow=True)
    html = response.content.decode()
    assert "Заявка отправлена" in html and "На рассмотрении" in html
    assert JoinRequest.objects.get().school_class == school.class_5a


def test_a_student_request_without_a_class_is_explained_and_not_saved(client):
    school = make_school()
    act_as(client, make_requester())
    response = client.post(reverse("onboarding:join_new", args=[school.organisation.pk]),
                           {"role": Role.STUDENT, "surname": "Новиков", "name": "Пётр", "birth_date": "2014-03-08"})
    assert response.status_code == 400
    assert "«5А»" in response.content.decode()
    assert not JoinRequest.objects.exists()


def test_a_parent_without_a_linked_child_is_told_what_is_missing_first(client):
    """R22: the child must be linked and have an own account, else the form explains it."""
    school = make_school()
    parent = make_requester(surname="Новикова", name="Ольга")
    child = roster_student(school.class_5b, surname="Новиков", name="Иван")
    Guardianship.objects.create(parent=parent.person, child=child)
    act_as(client, parent)
    url = reverse("onboarding:join_new", args=[school.organisation.pk])
    assert "нет своей учётной записи" in client.get(url).content.decode()
    response = client.post(url, {"role": Role.PARENT, "school_class": school.class_5a.pk, "child": child.pk})
    assert response.status_code == 400 and "нет своей учётной записи" in response.content.decode()
    assert not JoinRequest.objects.exists()


def test_an_employee_role_is_told_to_switch_to_private_person(client):
    school = make_school()
    act_as(client, school.admin, school.admin_membership)
    response = client.get(reverse("onboarding:join"))
    assert response.status_code == 403
    assert "Частное лицо" in response.content.decode()


def test_the_queue_shows_the_match_field_by_field_with_the_roster_value(client):
    """R20: ✓/✗ per field, the roster's value beside the typed one."""
    school = make_school()
    student_request(school, make_requester(surname="Орлов0"))
    student_request(school, make_requester(surname="Орлов1", birth_date=date(2014, 4, 1)))
    act_as(client, school.admin, school.admin_membership)
    html = client.get(reverse("onboarding:join_requests")).content.decode()
    assert "Совпадает с контингентом" in html
    assert "Есть расхождения" in html
    assert "✗ Дата рождения: «01.04.2014», в контингенте «08.03.2014»" in html
    only_partial = client.get(reverse("onboarding:join_requests"), {"match": "partial"}).content.decode()
    assert "Орлов1" in only_partial and "Орлов0 Пётр" not in only_partial


def test_the_queue_query_count_does_not_grow_with_rows(client):
    school = make_school(students=30)
    act_as(client, school.admin, school.admin_membership)
    for i in range(3):
        student_request(school, make_requester(surname=f"Орлов{i}"))
    client.get(reverse("onboarding:join_requests"))  # the session's first request costs its own queries
    with CaptureQueriesContext(connection) as small:
        assert client.get(reverse("onboarding:join_requests")).status_code == 200
    for i in range(3, 25):
        student_request(school, make_requester(surname=f"Орлов{i}"))
    with CaptureQueriesContext(connection) as large:
        assert client.get(reverse("onboarding:join_requests")).status_code == 200
    assert len(large) == len(small)


def test_the_queue_exports_to_xlsx_with_its_filters(client):
    school = make_school()
    student_request(school, make_requester(surname="Орлов0"))
    act_as(client, school.admin, school.admin_membership)
    response = client.get(reverse("onboarding:join_requests_export"), {"status": "pending"})
    sheet = load_workbook(BytesIO(response.content)).active
    rows = list(sheet.values)
    assert rows[0][:3] == ("№", "ФИО", "Дата рождения")
    assert rows[1][1] == "Орлов0 Пётр Ильич" and rows[1][8] == "Совпадает с контингентом"


def test_approve_and_reject_through_the_pages(client):
    school = make_school()
    approve_me = student_request(school, make_requester(surname="Орлов0"))
    reject_me = student_request(school, make_requester(surname="Чужой"))
    act_as(client, school.admin, school.admin_membership)
    detail = client.get(reverse("onboarding:join_request", args=[approve_me.pk])).content.decode()
    assert "✓ совпадает" in detail
    client.post(reverse("onboarding:join_request_approve", args=[approve_me.pk]))
    approve_me.refresh_from_db()
    assert approve_me.status == JoinStatus.APPROVED
    again = client.post(reverse("onboarding:join_request_approve", args=[approve_me.pk]))
    assert again.status_code == 409 and "уже одобрена" in again.content.decode()
    no_reason = client.post(reverse("onboarding:join_request_reject", args=[reject_me.pk]), {"reason": ""})
    assert no_reason.status_code == 400
    reject_me.refresh_from_db()
    assert reject_me.status == JoinStatus.PENDING
    client.post(reverse("onboarding:join_request_reject", args=[reject_me.pk]), {"reason": "Не учится в школе"})
    reject_me.refresh_from_db()
    assert reject_me.status == JoinStatus.REJECTED


def test_bulk_approve_button_approves_exact_matches(client):
    school = make_school()
    req = student_request(school, make_requester(surname="Орлов0"))
    act_as(client, school.admin, school.admin_membership)
    response = client.post(reverse("onboarding:join_requests_approve_matching"), follow=True)
    assert "Одобрено 1 заявка" in response.content.decode()
    req.refresh_from_db()
    assert req.status == JoinStatus.APPROVED


def test_another_school_and_a_teacher_cannot_see_the_queue(client):
    """Four clients: anonymous, another school's admin, a teacher, the right admin."""
    school = make_school()
    req = student_request(school, make_requester())
    url = reverse("onboarding:join_request", args=[req.pk])
    assert client.get(url).status_code == 302  # anonymous → sign in
    other = make_organisation()
    other_admin, other_m = make_member(role=Role.ADMINISTRATOR, organisation=other)
    act_as(client, other_admin, other_m)
    assert client.get(url).status_code == 404
    assert client.post(reverse("onboarding:join_request_approve", args=[req.pk])).status_code == 404
    act_as(client, school.teacher, school.teacher_membership)
    assert client.get(reverse("onboarding:join_requests")).status_code == 403
    req.refresh_from_db()
    assert req.status == JoinStatus.PENDING
    act_as(client, school.admin, school.admin_membership)
    assert client.get(url).status_code == 200
