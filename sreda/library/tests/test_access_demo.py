"""The demo's library access (R15): the demo teacher is let in by the group and a confirmed role once a lesson
is published; another teacher of the school stays out, so the report shows a refusal; a second run changes
nothing."""
import pytest

from sreda.access.models import AccessGroupMember
from sreda.access.tests.factories import ub_tsok_group
from sreda.core.active_role import for_membership, system_operator
from sreda.core.testing import make_membership, make_organisation, make_person, make_user
from sreda.demo import library_access
from sreda.library.access import NOT_IN_ACCESS_GROUP, library_access_for
from sreda.library.access_report import access_report
from sreda.library.tests.test_access_conditions import add_lesson
from sreda.people.models import Confirmation
from sreda.people.roles import Role

pytestmark = pytest.mark.django_db


def test_r15_demo_lets_the_demo_teacher_in_and_leaves_another_out():
    ub_tsok_group()
    school = make_organisation()
    user = make_user(username="teacher", person=make_person(account_confirmed=True))  # as demo accounts are
    membership = make_membership(person=user.person, role=Role.TEACHER, organisation=school)
    other = make_membership(person=make_person(account_confirmed=True), role=Role.TEACHER, organisation=school,
                            confirmation=Confirmation.CONFIRMED)
    for person in (user.person, other.person):
        add_lesson(teacher=person, organisation=school)

    message = library_access.ensure(system_operator())
    assert "добавлен в «Педагоги. Доступ к УБ ЦОК»" in message and "подтверждена" in message
    membership.refresh_from_db()
    assert library_access_for(user.person, for_membership(membership, user=user)).allowed
    rows = {row.person: row for row in access_report(school)}
    assert rows[user.person].allowed and rows[other.person].result.codes == [NOT_IN_ACCESS_GROUP]

    assert library_access.ensure(system_operator()) is None  # idempotent
    assert AccessGroupMember.objects.filter(person=user.person).count() == 1


def test_r15_demo_without_a_demo_teacher_does_nothing():
    ub_tsok_group()
    assert library_access.ensure(system_operator()) is None
