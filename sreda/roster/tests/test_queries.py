"""The import's query count does not grow with the number of people (ARCHITECTURE rule 6)."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sreda.roster.services import roster_import
from sreda.roster.tests.factories import school_roster, template_rows, write_template_csv

pytestmark = pytest.mark.django_db


def queries(run) -> int:
    with CaptureQueriesContext(connection) as ctx:
        result = run()
    assert result.applied, result.errors
    return len(ctx.captured_queries)


def test_oneroster_50_vs_200_people(tmp_path, operator, school, other_school):
    small = queries(lambda: roster_import(actor=operator, path=school_roster(school_inn=school.inn, students=50).write(tmp_path / "a")))
    big = queries(lambda: roster_import(
        actor=operator, path=school_roster(school_inn=other_school.inn, students=200, school="big").write(tmp_path / "b")))
    # Inserts go in batches (SQLite takes 999 parameters a statement), so a few more for 4x the rows.
    assert big - small <= 12, (small, big)

    again = queries(lambda: roster_import(
        actor=operator, path=school_roster(school_inn=other_school.inn, students=200, school="big").write(tmp_path / "c")))
    assert again <= small


def test_template_50_vs_200_people(tmp_path, operator, school, other_school):
    small = queries(lambda: roster_import(actor=operator, path=write_template_csv(tmp_path / "a.csv", template_rows(50)),
                                          organisation=school))
    big = queries(lambda: roster_import(actor=operator, path=write_template_csv(tmp_path / "b.csv", template_rows(200)),
                                        organisation=other_school))
    assert big - small <= 12, (small, big)
