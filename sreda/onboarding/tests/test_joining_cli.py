"""`python -m sreda joining requests|approve-matching` (R20)."""
import json
from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from sreda.onboarding.models import JoinStatus
from sreda.onboarding.tests.test_joining_builders import (
    make_requester,
    make_school,
    student_request,
)

pytestmark = pytest.mark.django_db


def test_requests_lists_the_match_and_approve_matching_approves_exact_ones():
    school = make_school()
    exact = student_request(school, make_requester(surname="Орлов0"))
    partial = student_request(school, make_requester(surname="Орлов1", birth_date=date(2014, 4, 1)))
    out = StringIO()
    call_command("joining", "requests", "--org", school.organisation.inn, stdout=out)
    text = out.getvalue()
    assert "Совпадает с контингентом" in text and "Дата рождения: «01.04.2014» ≠ «08.03.2014»" in text
    out = StringIO()
    call_command("joining", "requests", "--org", school.organisation.inn, "--json", stdout=out)
    rows = {r["id"]: r for r in json.loads(out.getvalue())}
    assert rows[exact.pk]["match"]["kind"] == "exact" and rows[partial.pk]["match"]["kind"] == "partial"
    out = StringIO()
    call_command("joining", "approve-matching", "--org", school.organisation.inn, "--json", stdout=out)
    assert json.loads(out.getvalue())["approved"] == [exact.pk]
    exact.refresh_from_db()
    partial.refresh_from_db()
    assert (exact.status, partial.status) == (JoinStatus.APPROVED, JoinStatus.PENDING)


def test_an_unknown_inn_is_a_clear_error():
    with pytest.raises(CommandError, match="не найдена"):
        call_command("joining", "requests", "--org", "0000000000")
