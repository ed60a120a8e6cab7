"""Two people at once end in exactly one effect (R9): two directors confirming the same rows, and
«Отправить отчет» pressed twice at once — real threads, each with its own database connection.

On SQLite these are skipped: the test database is an in-memory shared-cache database, where a second
writer fails at once with «table is locked» instead of waiting; the file database the site runs on uses
BEGIN IMMEDIATE, which serialises writers. On PostgreSQL they run (row locks and conditional UPDATEs).
"""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from sreda.core.models import AuditEntry
from sreda.core.testing import act_as, active_role_of, make_member, run_at_once
from sreda.people.confirmation import NOTHING_OWED, MemberFilter, members_decide, report_send
from sreda.people.models import Confirmation, ConfirmationReport, Membership, MembershipDecision
from sreda.people.roles import Role
from sreda.people.tests.test_confirmation_builders import add_people_fast, make_school

pytestmark = pytest.mark.django_db(transaction=True)

C = Confirmation


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor == "sqlite":
        pytest.skip("SQLite test database (in-memory, shared cache) cannot queue two writers; runs on PostgreSQL.")



def second_director(school):
    user, membership = make_member(role=Role.DIRECTOR, organisation=school.organisation, confirmation=C.CONFIRMED)
    return active_role_of(user, membership)


@pytest.mark.parametrize("by", ["ids", "filter"])
def test_two_directors_confirming_the_same_rows_at_once_make_one_decision_per_row(by):
    school = make_school(teachers=0, students=0)
    ids = add_people_fast(organisation=school.organisation, school_class=school.classes[0], students=300)
    other = second_director(school)
    kwargs = {"membership_ids": ids} if by == "ids" else {"member_filter": MemberFilter(group="students")}

    results = run_at_once(
        lambda: members_decide(actor=school.actor, organisation=school.organisation, decision=C.CONFIRMED, **kwargs),
        lambda: members_decide(actor=other, organisation=school.organisation, decision=C.CONFIRMED, **kwargs),
    )

    assert sorted(r.changed for r in results) == [0, 300], results
    assert MembershipDecision.objects.filter(organisation=school.organisation).count() == 300
    assert MembershipDecision.objects.values("membership_id").distinct().count() == 300
    assert AuditEntry.objects.filter(action="membership.confirm").count() == 300
    assert Membership.objects.filter(pk__in=ids, confirmation=C.CONFIRMED).count() == 300


def test_confirm_and_reject_at_once_are_applied_one_after_the_other_never_mixed():
    """The row locks queue the two batches: every row ends in the state of the batch that ran second,
    and each row has one decision from each batch."""
    school = make_school(teachers=0, students=0)
    ids = add_people_fast(organisation=school.organisation, school_class=school.classes[0], students=200)
    other = second_director(school)

    results = run_at_once(
        lambda: members_decide(actor=school.actor, organisation=school.organisation, decision=C.CONFIRMED,
                               membership_ids=ids),
        lambda: members_decide(actor=other, organisation=school.organisation, decision=C.REJECTED, membership_ids=ids),
    )

    assert [r.changed for r in results] == [200, 200], results
    final = set(Membership.objects.filter(pk__in=ids).values_list("confirmation", flat=True))
    assert len(final) == 1
    last = MembershipDecision.objects.order_by("-pk").first().decision
    assert final == {last}
    assert MembershipDecision.objects.count() == 400


def test_send_report_pressed_twice_at_once_makes_one_report():
    school = make_school(teachers=0, students=0)
    ids = add_people_fast(organisation=school.organisation, school_class=school.classes[0], students=500)
    members_decide(actor=school.actor, organisation=school.organisation, decision=C.CONFIRMED, membership_ids=ids)

    results = run_at_once(*[lambda: report_send(actor=school.actor, organisation=school.organisation)] * 2)

    reports = [r for r in results if isinstance(r, ConfirmationReport)]
    refusals = [r for r in results if isinstance(r, ValidationError)]
    assert len(reports) == 1 and len(refusals) == 1, results
    assert refusals[0].messages == [NOTHING_OWED]
    assert ConfirmationReport.objects.count() == 1
    assert ConfirmationReport.objects.get().confirmed_count == 500
    assert not MembershipDecision.objects.filter(report__isnull=True).exists()
    assert AuditEntry.objects.filter(action="confirmation_report.send").count() == 1


def test_send_report_clicked_twice_at_once_on_the_page_makes_one_report():
    """The same through the page: two signed-in browsers (clients) post «Отправить отчет» together."""
    from django.test import Client

    school = make_school(teachers=3, students=3)
    other = second_director(school)
    members_decide(actor=school.actor, organisation=school.organisation, decision=C.CONFIRMED,
                   membership_ids=[m.pk for m in school.members])
    first, second = Client(), Client()
    act_as(first, school.director_user, school.director)
    act_as(second, other.user, other.membership)

    responses = run_at_once(lambda: first.post("/people/confirmation/send-report/", follow=True),
                        lambda: second.post("/people/confirmation/send-report/", follow=True))

    # read the pages, not response.context: the test client's template signal is shared between threads
    pages = sorted(r.content.decode() for r in responses)
    assert sum("Отчёт отправлен оператору региона" in p for p in pages) == 1
    assert sum("Отправлять нечего" in p for p in pages) == 1
    assert ConfirmationReport.objects.count() == 1
