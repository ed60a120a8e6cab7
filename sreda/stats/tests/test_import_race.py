"""R35: the same export uploaded twice at the same moment (two methodists, one file) ends in one snapshot
per organisation and date — one upload writes it, the other finds it unchanged; neither fails.

Real concurrency: threads with their own database connections, released together. On SQLite the test is
skipped: its writers are serialised by the database lock, which proves nothing about the unique index
and the retry; on PostgreSQL it runs."""

import pytest
from django.db import connection

from sreda.core import active_role as ar
from sreda.core.testing import make_member, make_municipality, make_organisation, make_region, run_at_once
from sreda.people.roles import Role
from sreda.stats.imports import stats_import
from sreda.stats.models import StatsImport, StatsSnapshot
from sreda.stats.tests.test_import_service import a_y_row, write_csv

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL's concurrent writers (runs in CI)"),
]



def test_r35_two_uploads_of_the_same_file_at_once_write_each_snapshot_once(tmp_path):
    district = make_municipality(region=make_region(code="78"))
    schools = [make_organisation(municipality=district, messenger_org_id=str(1000 + i)) for i in range(30)]
    path = write_csv(tmp_path / "s.csv", [a_y_row(org_id=s.messenger_org_id) for s in schools])
    actors = []
    for _ in range(2):
        user, membership = make_member(role=Role.METHODIST, municipality=district)
        actors.append(ar.for_membership(membership, user=user))

    results = run_at_once(*[lambda a=a: stats_import(actor=a, path_or_file=path, file_name="s.csv") for a in actors])

    assert not any(isinstance(r, Exception) for r in results), results
    assert sorted((r.imported, r.unchanged) for r in results) == [(0, 30), (30, 0)]
    assert StatsSnapshot.objects.count() == 30 and StatsImport.objects.count() == 2
