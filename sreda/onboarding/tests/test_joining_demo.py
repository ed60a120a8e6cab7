"""The demo's joining data (sreda/demo/joining.py): pending requests, a correction, an invitation; once."""
import pytest

from sreda.core.active_role import system_operator
from sreda.demo import joining as demo
from sreda.onboarding.models import (
    ChildDataCorrection,
    CorrectionStatus,
    JoinRequest,
    JoinStatus,
    ParentConsent,
)
from sreda.onboarding.tests.test_joining_builders import make_school

pytestmark = pytest.mark.django_db


def test_the_demo_adds_requests_a_correction_and_runs_once():
    school = make_school(students=4)
    text = demo.ensure(system_operator())
    assert "3 заявки ждут решения" in text
    assert JoinRequest.objects.filter(organisation=school.organisation, status=JoinStatus.PENDING).count() == 3
    assert ChildDataCorrection.objects.get().status == CorrectionStatus.PENDING
    assert ParentConsent.objects.count() == 1
    assert demo.ensure(system_operator()) is None
    assert JoinRequest.objects.count() == 4
