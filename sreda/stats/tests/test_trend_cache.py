"""The weekly trend is reused between dashboard requests, but never after new data: an ingest or an import
that commits makes the next drawing fresh (R31, R35)."""
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from sreda.core.active_role import system_operator
from sreda.core.testing import make_membership, make_organisation, make_user
from sreda.orgs.models import Organisation
from sreda.people.roles import Role
from sreda.stats import indicators as ind
from sreda.stats.events import events_ingest
from sreda.stats.tests.stats_builders import make_oo1

pytestmark = pytest.mark.django_db
ON = date(2025, 11, 20)


def _trend(org):
    return ind.weekly_trend(actor=system_operator(), organisations=Organisation.objects.filter(pk=org.pk),
                            end=ON, weeks=2)


def test_ingested_events_show_in_the_next_trend(django_capture_on_commit_callbacks):
    org = make_organisation()
    make_oo1(org, teachers=2, students=10)
    teacher = make_user().person
    make_membership(person=teacher, role=Role.TEACHER, organisation=org, start_date=date(2025, 9, 1))
    assert _trend(org)[-1].teachers == 0.0  # drawn and kept
    with django_capture_on_commit_callbacks(execute=True):
        events_ingest(actor=system_operator(), events=[{
            "organisation_id": org.pk, "person_id": teacher.pk, "role": "teacher", "source": "chat",
            "kind": "message", "occurred_at": datetime(2025, 11, 18, 10, 0, tzinfo=ZoneInfo("Europe/Moscow")),
            "external_id": "late-1"}])
    assert _trend(org)[-1].teachers == 0.5


def test_a_kept_trend_is_reused_until_something_changes(django_assert_num_queries):
    org = make_organisation()
    make_oo1(org, teachers=2, students=10)
    first = _trend(org)
    with django_assert_num_queries(1):  # only the scope check: the points come from the cache
        assert _trend(org) == first
