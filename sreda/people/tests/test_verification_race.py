"""R7: two operators deciding the same request at the same moment end in exactly one effect — one
decision, one history row, one audit entry, one e-mail's worth of state — and the other is told why.

Real concurrency: threads, each with its own database connection, released together by a barrier.
On SQLite the test is skipped: its writers are serialised by the database lock, which proves nothing
about the row lock and the conditional UPDATE; on PostgreSQL (CI) it runs.
"""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from sreda.core.models import AuditEntry
from sreda.core.testing import active_role_of, make_member, make_user, run_at_once
from sreda.people import verification as v
from sreda.people.models import (
    Confirmation, DirectorVerification, Membership, VerificationEvent, VerificationMethod, VerificationStatus,
)
from sreda.people.roles import Role
from sreda.people.tests.test_verification_fixtures import GOOD_PASSPORT, make_world

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks (runs in CI)"),
]
S = VerificationStatus



@pytest.fixture
def request_and_two_operators(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    w = make_world()
    verification = v.verification_submit(actor=w.director_role, method=VerificationMethod.PASSPORT_DATA,
                                         region=w.region, consent=True, passport=GOOD_PASSPORT)
    second_user, second = make_member(role=Role.REGIONAL_OPERATOR, region=w.region)
    return w, verification, w.operator_role, active_role_of(second_user, second)


@pytest.mark.parametrize("decisions", [("approve", "reject"), ("approve", "approve"), ("reject", "reject")])
def test_r7_two_operators_deciding_at_once_make_exactly_one_decision(request_and_two_operators, decisions):
    w, verification, first, second = request_and_two_operators

    def decide(kind, actor):
        def call():
            target = DirectorVerification.objects.get(pk=verification.pk)
            if kind == "approve":
                return v.verification_approve(actor=actor, verification=target)
            return v.verification_reject(actor=actor, verification=target, reason="Нет печати")
        return call

    results = run_at_once(decide(decisions[0], first), decide(decisions[1], second))

    won = [r for r in results if isinstance(r, DirectorVerification)]
    lost = [r for r in results if isinstance(r, ValidationError)]
    assert len(won) == 1 and len(lost) == 1, results
    assert "решение принято" in lost[0].messages[0]
    verification.refresh_from_db()
    assert verification.status == won[0].status
    decided = VerificationEvent.objects.filter(verification=verification).exclude(to_status=S.SUBMITTED)
    assert decided.count() == 1
    assert AuditEntry.objects.filter(action__in=["verification.approved", "verification.rejected"]).count() == 1
    membership = Membership.objects.get(pk=w.director.pk)
    expected = Confirmation.CONFIRMED if verification.status == S.APPROVED else Confirmation.PENDING
    assert membership.confirmation == expected


def test_two_submissions_of_one_director_at_once_make_one_request(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    w = make_world()

    def submit():
        return v.verification_submit(actor=w.director_role, method=VerificationMethod.PASSPORT_DATA,
                                     region=w.region, consent=True, passport=GOOD_PASSPORT)

    results = run_at_once(submit, submit, submit)

    assert sum(isinstance(r, DirectorVerification) for r in results) == 1, results
    assert all(isinstance(r, (DirectorVerification, ValidationError)) for r in results), results
    assert DirectorVerification.objects.count() == 1 and VerificationEvent.objects.count() == 1


def test_the_platform_operator_and_the_regional_operator_at_once(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    w = make_world()
    verification = v.verification_submit(actor=w.director_role, method=VerificationMethod.PASSPORT_DATA,
                                         region=w.region, consent=True, passport=GOOD_PASSPORT)
    platform = active_role_of(make_user(superuser=True))

    results = run_at_once(
        lambda: v.verification_approve(actor=platform, verification=verification),
        lambda: v.verification_reject(actor=w.operator_role, verification=verification, reason="Нет печати"),
    )

    assert sum(isinstance(r, DirectorVerification) for r in results) == 1, results
    assert VerificationEvent.objects.filter(verification=verification).count() == 2
