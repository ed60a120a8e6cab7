"""The demo's onboarding part (R23): a deadline and a document for the first school, some acknowledged, the demo
teacher not yet; a second run changes nothing."""
import pytest

from sreda.core.active_role import system_operator
from sreda.core.testing import make_class, make_member, make_person
from sreda.demo import onboarding
from sreda.onboarding.models import Acknowledgement, OnboardingDeadline, SchoolDocument
from sreda.onboarding.tests.test_tracker_builders import make_tracker_school
from sreda.people.roles import Role

pytestmark = pytest.mark.django_db


def test_r23_demo_deadline_and_a_document_half_acknowledged(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    school = make_tracker_school(students=2, teacher_username="teacher")
    for letter in "БВГ":
        user, _ = make_member(role=Role.TEACHER, organisation=school.organisation,
                              person=make_person(surname=f"Учитель{letter}"))
        make_class(organisation=school.organisation, letter=letter, class_teacher=user.person)

    message = onboarding.ensure(system_operator())

    assert message.startswith("Подключение и ознакомление: МБОУ СОШ № 7 — срок подключения")
    assert OnboardingDeadline.objects.get().organisation == school.organisation
    document = SchoolDocument.objects.get()
    assert document.file_type == "application/pdf" and document.file_size > 0
    rows = Acknowledgement.objects.filter(document=document)
    assert rows.count() == 4 and rows.filter(acknowledged_at__isnull=False).count() == 2
    assert rows.get(person=school.teacher.person).acknowledged_at is None
    assert onboarding.ensure(system_operator()) is None
    assert SchoolDocument.objects.count() == 1
