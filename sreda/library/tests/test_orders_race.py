"""R17: two staff of one school order the same course at the same moment — one order is stored, the other
gets the Russian «уже заказан» message; never two open orders, never a server error.

Real concurrency on PostgreSQL (threads with their own connections, released together); skipped on SQLite,
whose writers the database lock serialises."""
import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from sreda.core.testing import active_role_of, make_member, make_organisation, run_at_once
from sreda.library.models import CourseOrder
from sreda.library.orders import order_create
from sreda.library.tests.builders import make_course
from sreda.people.roles import Role

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL's concurrent writers"),
]


def test_r17_two_orders_of_one_course_at_once_store_one():
    school = make_organisation()
    course = make_course()
    actors = [active_role_of(*make_member(role=role, organisation=school, confirmation="confirmed"))
              for role in (Role.DIRECTOR, Role.TEACHER, Role.ADMINISTRATOR)]
    results = run_at_once(*[lambda a=a: order_create(actor=a, organisation=school, course=course) for a in actors])
    stored = [r for r in results if isinstance(r, CourseOrder)]
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert len(stored) == 1 and len(refused) == 2, results
    assert all("уже заказан" in r.messages[0] for r in refused)
    assert CourseOrder.objects.count() == 1
