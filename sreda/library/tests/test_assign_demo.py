"""The demo's assignments (R18/R19): teachers with access assign and students open; idempotent."""
import pytest

from sreda.core.active_role import for_membership, system_operator
from sreda.core.testing import make_membership, make_organisation, make_person
from sreda.demo.library_assignments import ensure
from sreda.library.access import library_access_for
from sreda.library.models import Assignment, AssignmentView, CatalogueItem, Course, LibraryVisit
from sreda.library.tests.builders import school_class, student_in_class, teacher_with_access
from sreda.orgs.models import Subject
from sreda.people.roles import Role

pytestmark = pytest.mark.django_db


def test_demo_assignments_only_by_teachers_with_access_and_idempotent():
    """R18/R19 demo: assignments only by teachers R15 admits, with their visit; openings by the class; a
    second run adds nothing."""
    school = make_organisation()
    klass = school_class(school)
    teachers = [teacher_with_access(organisation=school)[1] for _ in range(4)]
    outsider = make_membership(person=make_person(), role=Role.TEACHER, organisation=school)  # no lessons: R15 refuses
    students = [student_in_class(klass)[1] for _ in range(10)]
    subject = Subject.objects.get(name="Математика")
    course = Course.objects.create(title="Математика 5", subject=subject, grade=5)
    CatalogueItem.objects.create(course=course, title="Дроби", grade=5, subject=subject)

    message = ensure(system_operator())

    assert message and message.startswith("Назначения:")
    assert Assignment.objects.exists()
    for assignment in Assignment.objects.all():
        membership = next(m for m in teachers if m.person_id == assignment.teacher_id)
        assert library_access_for(membership.person, for_membership(membership)).allowed
        assert LibraryVisit.objects.filter(person_id=assignment.teacher_id, day=assignment.day).exists()
    assert not Assignment.objects.filter(teacher=outsider.person).exists()
    assert set(AssignmentView.objects.values_list("student_id", flat=True)) <= {m.person_id for m in students}
    counts = (Assignment.objects.count(), AssignmentView.objects.count(), LibraryVisit.objects.count())
    assert ensure(system_operator()) is None
    assert (Assignment.objects.count(), AssignmentView.objects.count(), LibraryVisit.objects.count()) == counts
