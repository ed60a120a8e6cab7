"""The upload page «Загрузка статистики платформы» (R35): who may open it, what a methodist sees after an
upload, checked uploads, earlier imports only in one's own scope, a constant number of queries."""
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sreda.core import active_role as ar
from sreda.core.testing import act_as, make_member, make_municipality
from sreda.people.roles import Role
from sreda.stats.imports import stats_import
from sreda.stats.models import StatsImport, StatsSnapshot
from sreda.stats.tests.test_import_service import a_y_row, district, school, write_csv, write_xlsx  # noqa: F401

pytestmark = pytest.mark.django_db
URL = "/stats/import/"


@pytest.fixture
def methodist(client, school):
    user, membership = make_member(role=Role.METHODIST, municipality=school.municipality)
    act_as(client, user, membership)
    return user, membership


def upload(client, path, name=None):
    return client.post(URL, {"file": SimpleUploadedFile(name or path.name, path.read_bytes())})


def test_url_names():
    assert reverse("stats:import") == URL and reverse("stats:import_detail", args=[3]) == "/stats/import/3/"


@pytest.mark.parametrize("role", [Role.TEACHER, Role.DIRECTOR])
def test_r35_school_roles_get_a_clear_403(client, school, role):
    user, membership = make_member(role=role, organisation=school)
    act_as(client, user, membership)
    response = client.get(URL)
    assert response.status_code == 403 and "методист района" in response.content.decode()


def test_anonymous_is_sent_to_sign_in(client):
    assert client.get(URL).status_code == 302


def test_r35_methodist_uploads_and_sees_counts_and_the_unmatched_row(client, methodist, tmp_path):
    path = write_xlsx(tmp_path / "stat.xlsx", [a_y_row(org_id="100500"), a_y_row(org_id="5", inn="7800000000",
                                                                                   name="ГБОУ СОШ № 404")])
    response = upload(client, path)
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert 'data-testid="imported">1<' in page and 'data-testid="unmatched">1<' in page
    assert "ГБОУ СОШ № 404" in page and "7800000000" in page and "не найдена" in page
    assert "20.11.2025" in page
    listing = client.get(URL).content.decode()
    assert "stat.xlsx" in listing


def test_errors_table_shows_line_column_and_reason(client, methodist, tmp_path):
    path = write_csv(tmp_path / "s.csv", [a_y_row(org_id="100500", K="8O")])
    page = client.get(upload(client, path)["Location"]).content.decode()
    assert "Загружено с ошибками" in page and "«8O» не число" in page and "<td data-label=\"Столбец\">K</td>" in page
    assert not StatsSnapshot.objects.exists()


@pytest.mark.parametrize("name, content, message", [
    ("stat.pdf", b"%PDF-1.4", "не подходит"),
    ("stat.xlsx", "А. Дата,W. ИНН\n".encode(), "не является книгой Excel"),
    ("stat.csv", b"PK\x03\x04binary\x00", "не текстовый CSV"),
    ("stat.csv", b"", "Файл пустой"),
])
def test_uploads_are_checked_by_content_and_nothing_is_recorded(client, methodist, name, content, message):
    response = client.post(URL, {"file": SimpleUploadedFile(name, content)})
    assert response.status_code == 400 and message in response.content.decode()
    assert not StatsImport.objects.exists()


def test_size_limit(client, methodist, settings):
    settings.STATS_UPLOAD_MAX_BYTES = 100
    response = client.post(URL, {"file": SimpleUploadedFile("s.csv", b"x" * 200)})
    assert response.status_code == 400 and "больше допустимого размера" in response.content.decode()


def test_earlier_imports_of_another_district_are_neither_listed_nor_opened(client, methodist, school, tmp_path):
    other = make_municipality(region=school.municipality.region, name="Выборгский район")
    user, membership = make_member(role=Role.METHODIST, municipality=other)
    path = write_csv(tmp_path / "theirs.csv", [a_y_row(org_id="100500")])
    theirs = stats_import(actor=ar.for_membership(membership, user=user), path_or_file=path, file_name="theirs.csv")
    assert "theirs.csv" not in client.get(URL).content.decode()
    assert client.get(f"/stats/import/{theirs.stats_import.pk}/").status_code == 404


def test_a_colleague_in_the_same_district_sees_the_import(client, methodist, school, tmp_path):
    user, membership = make_member(role=Role.METHODIST, municipality=school.municipality)
    path = write_csv(tmp_path / "colleague.csv", [a_y_row(org_id="100500")])
    stats_import(actor=ar.for_membership(membership, user=user), path_or_file=path, file_name="colleague.csv")
    assert "colleague.csv" in client.get(URL).content.decode()


def test_list_page_queries_do_not_grow_with_rows(client, methodist, tmp_path):
    user, membership = methodist
    actor = ar.for_membership(membership, user=user)
    path = write_csv(tmp_path / "s.csv", [a_y_row(org_id="100500")])
    stats_import(actor=actor, path_or_file=path, file_name="s.csv")
    client.get(URL)  # the first request of a session does one-off work (session, role menu)
    with CaptureQueriesContext(connection) as few:
        client.get(URL)
    for _ in range(5):
        stats_import(actor=actor, path_or_file=path, file_name="s.csv")
    with CaptureQueriesContext(connection) as many:
        client.get(URL)
    assert len(many) == len(few)
