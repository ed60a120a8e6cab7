"""The demo's «Организация ДПО»: programs, groups and applications in every status, made once."""
import pytest

from sreda.core.active_role import system_operator
from sreda.core.testing import make_member, make_person
from sreda.demo import dpo as demo
from sreda.dpo.models import Application, Event, Group
from sreda.dpo.tests.factories import make_school
from sreda.people.roles import Role

pytestmark = pytest.mark.django_db


def test_demo_fills_every_status_once():
    school = make_school()
    school.teacher.username = "teacher"
    school.teacher.save()
    for _ in range(6):
        make_member(role=Role.TEACHER, organisation=school.organisation, person=make_person())
    message = demo.ensure(system_operator())
    assert "программ — 4" in message
    statuses = set(Application.objects.values_list("status", flat=True))
    assert statuses == {"new", "approved", "included", "cancelled"}
    mine = Application.objects.filter(applicant=school.teacher.person)
    assert mine.count() == 3 and mine.filter(comments__text__startswith="Одобряю").exists()
    assert Event.objects.filter(act="include").exists()
    assert demo.ensure(system_operator()) is None
    assert Group.objects.count() == 6
