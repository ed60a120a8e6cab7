"""R14 demo: `sreda.demo.library_schedule.ensure` gives the demo schools reporting periods (when none) and
published lessons of their teachers in the current period, so R15 condition 5 holds; a second run adds nothing."""
import pytest

from sreda.core.active_role import for_membership, system_operator
from sreda.demo.library_schedule import ensure
from sreda.demo.synth import write_oneroster
from sreda.library.access import NO_LESSONS_IN_SCHEDULE, library_access_for
from sreda.library.models import ScheduleLesson
from sreda.orgs.models import ReportingPeriod
from sreda.people.models import Membership
from sreda.people.roles import Role
from sreda.roster.services import roster_import

pytestmark = pytest.mark.django_db


@pytest.fixture
def district(tmp_path):
    write_oneroster(tmp_path, schools=2, seed=1)
    roster_import(actor=system_operator(), path=tmp_path)


def test_r14_demo_publishes_lessons_of_school_teachers_and_a_second_run_adds_nothing(district):
    message = ensure(system_operator())
    assert message and "опубликованных уроков" in message
    lessons = ScheduleLesson.objects.all()
    assert lessons.exists() and not lessons.filter(published_at__isnull=True).exists()
    teacher_ids = set(Membership.objects.filter(role=Role.TEACHER).values_list("person_id", flat=True))
    assert set(lessons.values_list("teacher_id", flat=True)) <= teacher_ids
    assert {l.school_class.organisation_id for l in lessons.select_related("school_class")[:200]} == \
        {l.organisation_id for l in lessons[:200]}
    count = lessons.count()
    assert ensure(system_operator()) is None and ScheduleLesson.objects.count() == count
    teacher = Membership.objects.filter(role=Role.TEACHER, person_id=lessons.first().teacher_id).first()
    access = library_access_for(teacher.person, for_membership(teacher))
    assert NO_LESSONS_IN_SCHEDULE not in access.codes


def test_r14_demo_adds_the_quarters_when_the_year_has_no_reporting_periods(district):
    ReportingPeriod.objects.all().delete()
    message = ensure(system_operator())
    assert "отчётные периоды (четверти)" in message
    assert list(ReportingPeriod.objects.order_by("start").values_list("title", flat=True)) == [
        "1 четверть", "2 четверть", "3 четверть", "4 четверть"]
    assert ScheduleLesson.objects.exists()
