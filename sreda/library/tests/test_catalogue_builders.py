"""The shared builders give what R15 asks (a smoke test so helpers can rely on them)."""
import pytest

from sreda.core.testing import active_role_of
from sreda.library.access import library_access_for
from sreda.library.tests.builders import school_class, student_in_class, teacher_with_access

pytestmark = pytest.mark.django_db


def test_teacher_with_access_passes_r15():
    user, membership = teacher_with_access(subjects=["Физика"])
    result = library_access_for(user.person, active_role_of(user, membership))
    assert result.allowed, result.codes


def test_student_in_class_is_in_that_class():
    user, _ = teacher_with_access()
    klass = school_class(user.person.memberships.first().organisation, grade=7, letter="Б")
    student, membership = student_in_class(klass)
    assert membership.school_class == klass and membership.organisation == klass.organisation
