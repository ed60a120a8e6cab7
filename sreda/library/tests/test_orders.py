"""«Заказ» (R17): one open order per course and school, statuses moved only as allowed, scope by school."""
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from sreda.core.active_role import system_operator
from sreda.core.testing import act_as, active_role_of, make_member, make_organisation
from sreda.library.models import CourseOrder, OrderStatus
from sreda.library.orders import order_create, order_transition, orders_for
from sreda.library.tests.builders import make_course
from sreda.library.tests.test_catalogue_manage import as_operator
from sreda.people.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def school():
    return make_organisation()


def member(role, organisation):
    user, membership = make_member(role=role, organisation=organisation, confirmation="confirmed")
    return user, membership, active_role_of(user, membership)


def test_r17_one_open_order_per_course_and_school(school):
    _, _, director = member(Role.DIRECTOR, school)
    _, _, teacher = member(Role.TEACHER, school)
    course = make_course()
    order = order_create(actor=director, organisation=school, course=course)
    with pytest.raises(ValidationError, match="уже заказан"):
        order_create(actor=teacher, organisation=school, course=course)
    other = make_organisation()
    _, _, other_director = member(Role.DIRECTOR, other)
    order_create(actor=other_director, organisation=other, course=course)  # another school may
    order_transition(actor=system_operator(), order_id=order.pk, to=OrderStatus.REJECTED, comment="Нет лицензии")
    again = order_create(actor=teacher, organisation=school, course=course)  # a rejected one is closed
    assert again.status == OrderStatus.REQUESTED and CourseOrder.objects.count() == 3


def test_r17_who_may_order(school):
    course = make_course()
    for role in (Role.STUDENT, Role.PARENT, Role.STAFF):
        _, _, actor = member(role, school)
        with pytest.raises(PermissionDenied):
            order_create(actor=actor, organisation=school, course=course)
    _, _, stranger = member(Role.DIRECTOR, make_organisation())
    with pytest.raises(PermissionDenied):
        order_create(actor=stranger, organisation=school, course=course)
    with pytest.raises(PermissionDenied):
        orders_for(actor=stranger, organisation=school)
    assert not CourseOrder.objects.exists()


def test_r17_status_transitions(school):
    _, _, teacher = member(Role.TEACHER, school)
    _, _, colleague = member(Role.TEACHER, school)
    order = order_create(actor=teacher, organisation=school, course=make_course())
    with pytest.raises(PermissionDenied):
        order_transition(actor=colleague, order_id=order.pk, to=OrderStatus.CANCELLED)
    with pytest.raises(PermissionDenied):
        order_transition(actor=teacher, order_id=order.pk, to=OrderStatus.APPROVED)
    with pytest.raises(ValidationError, match="причину отказа"):
        order_transition(actor=system_operator(), order_id=order.pk, to=OrderStatus.REJECTED)
    approved = order_transition(actor=system_operator(), order_id=order.pk, to=OrderStatus.APPROVED, comment="Ок")
    assert approved.get_status_display() == "Доступен школе" and approved.decided_at is not None
    with pytest.raises(ValidationError, match="нельзя перевести"):
        order_transition(actor=teacher, order_id=order.pk, to=OrderStatus.CANCELLED)
    order.refresh_from_db()
    assert order.status == OrderStatus.APPROVED


def test_r17_order_page_create_list_cancel(client, school):
    user, membership, _ = member(Role.TEACHER, school)
    act_as(client, user, membership)
    course = make_course("Литература", 9, "Литература. 9 класс")
    response = client.post(reverse("library:orders"), {"course": course.pk})
    assert response.status_code == 302
    page = client.get(reverse("library:orders")).content.decode()
    assert "Литература. 9 класс" in page and "Заявка отправлена" in page and "Отменить заявку" in page
    response = client.post(reverse("library:orders"), {"course": course.pk})
    assert response.status_code == 400 and "уже заказан" in response.content.decode()
    order = CourseOrder.objects.get()
    client.post(reverse("library:order_cancel", args=[order.pk]))
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED


def test_school_sees_only_its_orders(client, school):
    _, _, director = member(Role.DIRECTOR, school)
    order_create(actor=director, organisation=school, course=make_course(title="Наш курс"))
    other = make_organisation()
    user, membership, other_director = member(Role.DIRECTOR, other)
    order_create(actor=other_director, organisation=other, course=make_course(title="Чужой курс"))
    act_as(client, user, membership)
    table = client.get(reverse("library:orders")).content.decode().split('data-testid="orders"')[1]
    assert "Чужой курс" in table and "Наш курс" not in table


def test_operator_decides_on_the_page(client, school):
    _, _, director = member(Role.DIRECTOR, school)
    order = order_create(actor=director, organisation=school, course=make_course())
    as_operator(client)
    assert school.short_name in client.get(reverse("library:orders_manage")).content.decode()
    client.post(reverse("library:order_decide", args=[order.pk]), {"decision": "reject", "comment": "Курс закрыт"})
    order.refresh_from_db()
    assert (order.status, order.comment) == (OrderStatus.REJECTED, "Курс закрыт")


def test_private_person_cannot_open_orders(client):
    user, _ = make_member(role=Role.TEACHER, organisation=make_organisation())
    act_as(client, user, None)
    assert client.get(reverse("library:orders")).status_code == 403
