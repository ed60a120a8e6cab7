"""«Требует внимания» of «Организация ДПО»: what each role should do next (R37–R38)."""
import pytest

from sreda.dpo import services
from sreda.dpo.attention import attention
from sreda.dpo.statuses import Act, Status
from sreda.dpo.tests.factories import make_application, make_centre, make_group, make_school

pytestmark = pytest.mark.django_db


def test_director_applicant_and_centre_each_see_their_next_step():
    school = make_school()
    application = make_application(school=school, group=make_group())
    [item] = attention(school.as_director())
    assert "1 заявка ждёт решения" in item.text and item.url.endswith("?status=new")
    assert attention(school.as_teacher()) == []
    services.application_transition(actor=school.as_director(), application_id=application.pk, act=Act.APPROVE)
    [notice] = attention(school.as_teacher())
    assert "1 новое уведомление" in notice.text and notice.url == "/dpo/my/"
    assert attention(school.as_director()) == []
    [queue] = attention(make_centre(school.region))
    assert "1 заявка ждёт включения в группу" in queue.text
    assert attention(make_centre(make_school().region)) == []
    assert make_application(school=school, group=make_group(), status=Status.CANCELLED)
