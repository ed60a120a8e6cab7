"""Demo activity (R30–R33): weeks of messages so the indicators have data; a second run adds nothing."""
from datetime import date

import pytest

from sreda.core.active_role import system_operator
from sreda.demo.activity import demo_activity_ensure, demo_roadmap_ensure
from sreda.demo.synth import write_oneroster
from sreda.orgs.models import Organisation
from sreda.roster.services import roster_import
from sreda.stats.models import ActivityEvent, RoadmapStage
from sreda.stats.rollups import active_counts

pytestmark = pytest.mark.django_db


@pytest.fixture
def district(tmp_path):
    write_oneroster(tmp_path, schools=2, seed=1)
    roster_import(actor=system_operator(), path=tmp_path)
    return list(Organisation.objects.order_by("pk"))


def test_demo_activity_gives_every_school_active_teachers_students_and_parents_and_runs_once(district):
    today = date(2025, 11, 20)
    stored = demo_activity_ensure(actor=system_operator(), weeks=4, today=today)
    assert stored > 0 and ActivityEvent.objects.count() == stored
    counts = active_counts(on=today, organisation_ids=[o.pk for o in district])
    for school in district:
        assert all(counts[school.pk][group] > 0 for group in ("teachers", "students", "parents")), school
    assert demo_activity_ensure(actor=system_operator(), weeks=4, today=today) == 0
    assert ActivityEvent.objects.count() == stored


def test_demo_roadmap_has_the_two_dated_stages_of_r33(district):
    region = district[0].municipality.region
    demo_roadmap_ensure(actor=system_operator(), region=region)
    demo_roadmap_ensure(actor=system_operator(), region=region)
    stages = list(RoadmapStage.objects.filter(region=region).order_by("number"))
    assert [(s.number, s.due_date) for s in stages] == [(1, date(2025, 10, 1)), (2, date(2025, 12, 30))]
    assert float(stages[1].target_share) == 0.75
