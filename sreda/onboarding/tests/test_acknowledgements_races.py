"""«Ознакомлен(а)» pressed twice at once (two tabs, a double click): one time stored, one audit entry (R23).

The service changes the row only while `acknowledged_at` is empty (UPDATE … WHERE acknowledged_at IS NULL), so the
second press finds nothing to change. Runs on PostgreSQL, where the two calls really overlap in their own
connections; SQLite's in-memory test database is one shared connection, so it is skipped there.
"""
import pytest
from django.db import connection

from sreda.core.models import AuditEntry
from sreda.core.testing import run_at_once
from sreda.onboarding import acknowledgements as ack
from sreda.onboarding.models import Acknowledgement
from sreda.onboarding.tests.test_tracker_builders import make_tracker_school

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("Concurrent calls need PostgreSQL (see the module docstring).")


def test_r23_two_presses_at_once_store_one_time_and_one_audit_entry():
    for _ in range(3):
        school = make_tracker_school(students=0)
        document = ack.document_publish(actor=school.admin_role, organisation=school.organisation, title="Приказ",
                                        audience=ack.Audience.CLASS_TEACHERS)

        def press(role=school.teacher_role, document=document):
            return ack.document_acknowledge(actor=role, document=document)

        results = run_at_once(press, press)

        assert all(isinstance(r, Acknowledgement) for r in results), results
        assert results[0].acknowledged_at == results[1].acknowledged_at
        assert AuditEntry.objects.filter(action="school_document.acknowledge", object_id=str(document.pk)).count() == 1
