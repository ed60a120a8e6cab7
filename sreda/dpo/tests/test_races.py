"""R37 race: the director approves while the applicant cancels — one wins, the other is refused, and
«История действий» shows both attempts (the loser as refused). Each acts on the status
the page showed them («Не обработана»): whoever comes second finds it changed and is refused. Two real threads with their own database
connections; the service locks the application (SELECT … FOR UPDATE). PostgreSQL only: SQLite serialises
whole transactions and the test database is one shared connection there."""
from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from sreda.core.testing import run_at_once
from sreda.dpo import services
from sreda.dpo.models import Application, Event, EventOutcome
from sreda.dpo.statuses import Act, Status
from sreda.dpo.tests.factories import make_application, make_centre, make_group, make_school

pytestmark = pytest.mark.django_db(transaction=True)

ROUNDS = 4


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("Concurrent transactions need PostgreSQL (see the module docstring).")


def test_r37_director_approves_while_applicant_cancels_one_wins_both_in_history():
    school = make_school()
    director, teacher = school.as_director(), school.as_teacher()
    for _ in range(ROUNDS):
        application = make_application(school=school, group=make_group())

        results = run_at_once(
            lambda: services.application_transition(actor=director, application_id=application.pk, act=Act.APPROVE,
                                                    comment="Одобряю", seen_status=Status.NEW),
            lambda: services.application_transition(actor=teacher, application_id=application.pk, act=Act.CANCEL,
                                                    seen_status=Status.NEW),
        )

        errors = [r for r in results if isinstance(r, Exception)]
        assert len(errors) == 1 and isinstance(errors[0], ValidationError), results
        application.refresh_from_db()
        approved = not isinstance(results[0], Exception)
        assert application.status == (Status.APPROVED if approved else Status.CANCELLED)
        events = list(Event.objects.filter(application=application).order_by("id"))
        assert [e.outcome for e in events] == [EventOutcome.DONE, EventOutcome.REFUSED]
        winner, loser = events
        assert winner.act == (Act.APPROVE if approved else Act.CANCEL)
        assert loser.act == (Act.CANCEL if approved else Act.APPROVE)
        assert loser.from_status == application.status and loser.reason


def test_r37_two_includes_for_the_last_place_one_gets_it():
    """Capacity under concurrency: the group row is locked, so the last place is taken once."""
    school = make_school()
    group = make_group(region=school.region, capacity=1)
    first = make_application(school=school, group=group, status=Status.APPROVED)
    other = make_school(municipality=school.organisation.municipality)
    second = make_application(school=other, group=group, status=Status.APPROVED)
    centre_a, centre_b = make_centre(school.region), make_centre(school.region)

    results = run_at_once(
        lambda: services.application_transition(actor=centre_a, application_id=first.pk, act=Act.INCLUDE),
        lambda: services.application_transition(actor=centre_b, application_id=second.pk, act=Act.INCLUDE),
    )

    assert sum(isinstance(r, ValidationError) for r in results) == 1, results
    assert Application.objects.filter(group=group, status=Status.INCLUDED).count() == 1
