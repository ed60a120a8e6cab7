"""The import through the API (R35): POST /api/v1/stats/imports (multipart, stats:write), the list and one
import (stats:read). Four clients: anonymous, another district, the wrong role, the right role."""
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from sreda.api.models import SCOPE_READ, SCOPE_STATS_READ, SCOPE_STATS_WRITE
from sreda.api.tests.factories import bearer, issue
from sreda.core.testing import make_municipality
from sreda.people.roles import Role
from sreda.stats.models import StatsImport, StatsSnapshot
from sreda.stats.tests.test_import_service import a_y_row, district, school, write_csv  # noqa: F401

pytestmark = pytest.mark.django_db
URL = "/api/v1/stats/imports"
BOTH = (SCOPE_STATS_READ, SCOPE_STATS_WRITE)


def methodist_token(municipality, scopes=BOTH):
    return bearer(issue(role=Role.METHODIST, municipality=municipality, scopes=scopes))


def post(client, path, headers):
    return client.post(URL, {"file": SimpleUploadedFile(path.name, path.read_bytes())}, **headers)


@pytest.fixture
def export(tmp_path):
    return write_csv(tmp_path / "stat.csv", [a_y_row(org_id="100500"), a_y_row(org_id="7", name="Нет такой")])


def test_r35_methodist_posts_an_export_and_reads_it_back(client, school, export):
    headers = methodist_token(school.municipality)
    response = post(client, export, headers)
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["imported"], body["unchanged"], body["errors"]) == (1, 0, [])
    assert body["unmatched"][0]["line"] == 3 and body["unmatched"][0]["short_name"] == "Нет такой"
    again = post(client, export, headers).json()
    assert (again["imported"], again["unchanged"]) == (0, 1)
    listed = client.get(URL, **headers).json()
    assert listed["count"] == 2 and listed["items"][0]["id"] == again["id"]
    one = client.get(f"{URL}/{body['id']}", **headers).json()
    assert one["file_name"] == "stat.csv" and one["imported"] == 1


def test_anonymous_gets_401(client, school, export):
    assert post(client, export, {}).status_code == 401
    assert client.get(URL).status_code == 401


def test_wrong_role_and_wrong_scope_are_403_and_nothing_changes(client, school, export):
    teacher = bearer(issue(role=Role.TEACHER, organisation=school, scopes=BOTH))
    response = post(client, export, teacher)
    assert response.status_code == 403 and "методист района" in response.json()["detail"]
    read_only = methodist_token(school.municipality, scopes=(SCOPE_READ, SCOPE_STATS_READ))
    assert post(client, export, read_only).status_code == 403
    assert not StatsImport.objects.exists() and not StatsSnapshot.objects.exists()


def test_another_district_does_not_see_the_import(client, school, export):
    mine = post(client, export, methodist_token(school.municipality)).json()
    other = methodist_token(make_municipality(region=school.municipality.region))
    assert client.get(f"{URL}/{mine['id']}", **other).status_code == 404
    assert client.get(URL, **other).json()["count"] == 0


def test_a_bad_file_is_422(client, school, tmp_path):
    path = tmp_path / "stat.xlsx"
    path.write_bytes(b"not a workbook")
    response = post(client, path, methodist_token(school.municipality))
    assert response.status_code == 422 and "книгой Excel" in response.json()["detail"]


def test_the_list_filters_by_upload_date_and_file_name(client, school, export):
    """`date_from`/`date_to` (days of upload) and `q` (part of the file name) narrow the list."""
    from datetime import timedelta

    from django.utils import timezone

    headers = methodist_token(school.municipality)
    first = post(client, export, headers).json()
    second = post(client, export, headers).json()
    StatsImport.objects.filter(pk=first["id"]).update(created_at=timezone.now() - timedelta(days=10))
    today = timezone.localdate()

    def ids(**params):
        return [row["id"] for row in client.get(URL, params, **headers).json()["items"]]

    assert ids() == [second["id"], first["id"]]
    assert ids(date_from=(today - timedelta(days=1)).isoformat()) == [second["id"]]
    assert ids(date_to=(today - timedelta(days=5)).isoformat()) == [first["id"]]
    assert ids(q="STAT.csv") == [second["id"], first["id"]] and ids(q="other") == []
    assert client.get(URL, {"date_from": "вчера"}, **headers).status_code == 422
