"""Bounded queries (ARCHITECTURE rule 6) for R9: a bulk decision costs the same number of SQL statements
for 50 rows and for 2,000, and 2,000 rows are decided in under 2 seconds; the pages and the API lists
cost the same however many rows there are."""
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sreda.api.models import SCOPE_READ
from sreda.api.services import token_create
from sreda.api.tests.factories import bearer
from sreda.core.active_role import system_operator
from sreda.core.testing import act_as, make_member
from sreda.people.confirmation import MemberFilter, members_decide, report_send
from sreda.people.models import Confirmation, Membership, MembershipDecision
from sreda.people.roles import Role
from sreda.people.tests.test_confirmation_builders import add_people_fast, make_school

pytestmark = pytest.mark.django_db

C = Confirmation


def counted(run):
    with CaptureQueriesContext(connection) as ctx:
        result = run()
    return result, len(ctx.captured_queries)


def test_r9_bulk_confirm_by_filter_50_vs_2000_rows_same_queries_and_under_2_seconds():
    small, big = make_school(teachers=0, students=0), make_school(teachers=0, students=0)
    add_people_fast(organisation=small.organisation, school_class=small.classes[0], students=40, teachers=10)
    add_people_fast(organisation=big.organisation, school_class=big.classes[0], students=1600, teachers=400)

    small_result, small_queries = counted(lambda: members_decide(
        actor=small.actor, organisation=small.organisation, decision=C.CONFIRMED, member_filter=MemberFilter()))
    started = time.perf_counter()
    big_result, big_queries = counted(lambda: members_decide(
        actor=big.actor, organisation=big.organisation, decision=C.CONFIRMED, member_filter=MemberFilter()))
    seconds = time.perf_counter() - started

    assert (small_result.changed, big_result.changed) == (50, 2000)
    assert big_queries == small_queries, (small_queries, big_queries)
    assert seconds < 2, f"2 000 строк подтверждены за {seconds:.2f} с"
    assert Membership.objects.filter(organisation=big.organisation, confirmation=C.CONFIRMED,
                                     role__in=(Role.STUDENT, Role.TEACHER)).count() == 2000
    assert MembershipDecision.objects.filter(organisation=big.organisation).count() == 2000


def test_r9_bulk_decision_by_ids_10_vs_400_rows_same_queries(django_assert_num_queries):
    small, big = make_school(teachers=0, students=0), make_school(teachers=0, students=0)
    small_ids = add_people_fast(organisation=small.organisation, school_class=small.classes[0], students=10)
    big_ids = add_people_fast(organisation=big.organisation, school_class=big.classes[0], students=300, teachers=100)
    # half of them confirmed first, so the rejection below has two previous states (two audit inserts)
    members_decide(actor=small.actor, organisation=small.organisation, decision=C.CONFIRMED,
                   membership_ids=small_ids[:5])
    members_decide(actor=big.actor, organisation=big.organisation, decision=C.CONFIRMED,
                   membership_ids=big_ids[:200])

    _, small_queries = counted(lambda: members_decide(
        actor=small.actor, organisation=small.organisation, decision=C.REJECTED, membership_ids=small_ids))
    with django_assert_num_queries(small_queries):
        result = members_decide(actor=big.actor, organisation=big.organisation, decision=C.REJECTED,
                                membership_ids=big_ids)
    assert result.changed == 400


def test_r9_sending_a_report_of_10_or_2000_decisions_costs_the_same():
    small, big = make_school(teachers=0, students=0), make_school(teachers=0, students=0)
    add_people_fast(organisation=small.organisation, school_class=small.classes[0], students=10)
    add_people_fast(organisation=big.organisation, school_class=big.classes[0], students=2000)
    for school in (small, big):
        members_decide(actor=school.actor, organisation=school.organisation, decision=C.CONFIRMED,
                       member_filter=MemberFilter())

    small_report, small_queries = counted(lambda: report_send(actor=small.actor, organisation=small.organisation))
    big_report, big_queries = counted(lambda: report_send(actor=big.actor, organisation=big.organisation))

    assert (small_report.confirmed_count, big_report.confirmed_count) == (10, 2000)
    assert big_queries == small_queries


def page_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, response.content[:500]
    return len(ctx.captured_queries)


def test_director_page_costs_the_same_for_5_and_60_rows_with_decisions_and_reports(client):
    """The table shows who decided and when (joins, not a query per row)."""
    counts = []
    for size in (5, 60):
        school = make_school(teachers=0, students=0)
        add_people_fast(organisation=school.organisation, school_class=school.classes[0], students=size)
        members_decide(actor=school.actor, organisation=school.organisation, decision=C.CONFIRMED,
                       member_filter=MemberFilter())
        report_send(actor=school.actor, organisation=school.organisation)
        act_as(client, school.director_user, school.director)
        counts.append(page_queries(client, "/people/confirmation/"))
        counts.append(page_queries(client, "/people/confirmation/?group=students&status=confirmed&q=фамилия"))
    assert counts[:2] == counts[2:], counts


def test_operator_overview_and_report_page_cost_the_same_for_few_and_many_schools_and_people(client):
    counts = []
    for schools, people in ((2, 5), (12, 120)):
        first = make_school(teachers=0, students=0)
        made = [first] + [make_school(teachers=0, students=0, municipality=first.organisation.municipality)
                          for _ in range(schools - 1)]
        for school in made:
            add_people_fast(organisation=school.organisation, school_class=school.classes[0], students=people)
            members_decide(actor=school.actor, organisation=school.organisation, decision=C.CONFIRMED,
                           member_filter=MemberFilter())
        report = report_send(actor=first.actor, organisation=first.organisation)
        user, membership = make_member(role=Role.REGIONAL_OPERATOR, region=first.region)
        act_as(client, user, membership)
        counts.append((page_queries(client, "/people/confirmation/reports/"),
                       page_queries(client, "/people/confirmation/reports.csv"),
                       page_queries(client, f"/people/confirmation/reports/{report.pk}/"),
                       page_queries(client, f"/people/confirmation/schools/{first.organisation.pk}/")))
    assert counts[0] == counts[1], counts


def test_api_member_list_costs_the_same_for_5_and_120_rows(client):
    counts = []
    for size in (5, 120):
        school = make_school(teachers=0, students=0)
        add_people_fast(organisation=school.organisation, school_class=school.classes[0], students=size)
        members_decide(actor=school.actor, organisation=school.organisation, decision=C.CONFIRMED,
                       member_filter=MemberFilter())
        _, secret = token_create(actor=system_operator(), name="ИС", scopes=[SCOPE_READ], membership=school.director)
        url = f"/api/v1/organisations/{school.organisation.pk}/confirmation/members?limit=500"
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url, **bearer(secret))
        assert response.status_code == 200 and response.json()["count"] == size
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], counts
