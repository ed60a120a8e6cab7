"""The upload page and the import's progress page (Foundation 6, 7; R1 for who may see them)."""
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import NoReverseMatch, reverse

from sreda.core.testing import act_as, make_member
from sreda.people.models import Person
from sreda.people.roles import Role
from sreda.roster.models import ImportStatus, RosterImport
from sreda.roster.tests.factories import school_roster, template_rows, write_template_csv

pytestmark = pytest.mark.django_db
URL = "/roster/import/"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def zipped(folder) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for f in folder.iterdir():
            zf.write(f, f.name)
    return buf.getvalue()


def stored_files(media):
    return [p for p in (media / "roster").rglob("*") if p.is_file()] if (media / "roster").exists() else []


def test_url_name():
    assert reverse("roster:upload") == URL


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_teacher_gets_a_403_that_says_whom_to_ask(client, school):
    user, membership = make_member(role=Role.TEACHER, organisation=school)
    act_as(client, user, membership)
    response = client.get(URL)
    assert response.status_code == 403
    assert "Попросите администратора вашей школы" in response.content.decode()
    assert client.post(URL, {"file": SimpleUploadedFile("a.csv", b"ID\n")}).status_code == 403
    assert not RosterImport.objects.exists()


def test_administrator_uploads_a_zip_and_sees_the_counts(client, school, tmp_path, media):
    user, membership = make_member(role=Role.ADMINISTRATOR, organisation=school)
    act_as(client, user, membership)
    page = client.get(URL).content.decode()
    assert 'type="file" name="file"' in page and "Пропустить ошибочные строки" in page and "Загрузить" in page

    data = zipped(school_roster(school_inn=school.inn).write(tmp_path / "or"))
    response = client.post(URL, {"file": SimpleUploadedFile("Контингент.zip", data, "application/zip")})

    row = RosterImport.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/roster/import/{row.pk}/"
    assert row.status == ImportStatus.DONE and row.progress == 100 and row.summary["created"] == 4
    assert str(media / "roster") in row.file_path and row.organisation == school
    page = client.get(response["Location"]).content.decode()
    assert "Новых людей" in page and "hx-trigger" not in page  # finished: no more polling
    assert f'href="/orgs/{school.pk}/classes/"' in page
    assert "Контингент.zip" in client.get(URL).content.decode()  # in the list of recent imports


def test_running_import_page_polls_with_htmx(client, school, admin_of):
    _, user, membership = admin_of(school)
    act_as(client, user, membership)
    row = RosterImport.objects.create(organisation=school, file_path="/nonexistent/a.csv", original_name="a.csv",
                                      status=ImportStatus.RUNNING, progress=40, message="Классы сохранены")
    page = client.get(f"/roster/import/{row.pk}/").content.decode()
    assert 'hx-trigger="every 1s"' in page and 'value="40"' in page and "Классы сохранены" in page
    partial = client.get(f"/roster/import/{row.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert partial.lstrip().startswith('<section id="import-status"')


def test_bad_rows_are_shown_with_file_line_column_reason(client, school, tmp_path):
    user, membership = make_member(role=Role.DIRECTOR, organisation=school)
    act_as(client, user, membership)
    rows = template_rows()
    rows[1]["СНИЛС"] = "112-233-445 00"
    path = write_template_csv(tmp_path / "список.csv", rows)
    response = client.post(URL, {"file": SimpleUploadedFile("список.csv", path.read_bytes())}, follow=True)
    page = response.content.decode()
    assert RosterImport.objects.get().status == ImportStatus.FAILED
    assert "Ошибки — ничего не загружено" in page and "не сходится контрольное число" in page and "СНИЛС" in page
    assert Person.objects.count() == 1  # the director only


@pytest.mark.parametrize("name, content, message", [
    ("roster.pdf", b"%PDF-1.4", "загрузите архив .zip (OneRoster), таблицу .xlsx или .csv"),
    ("roster.zip", b"not a zip at all", "не является архивом .zip"),
    ("roster.xlsx", b"PK\x03\x04garbage", "повреждён"),
    ("roster.csv", b"ID,\x00\x01binary", "не текстовый CSV"),
])
def test_wrong_file_is_refused_and_nothing_stored(client, school, media, name, content, message):
    user, membership = make_member(role=Role.ADMINISTRATOR, organisation=school)
    act_as(client, user, membership)
    response = client.post(URL, {"file": SimpleUploadedFile(name, content)})
    assert response.status_code == 400 and message in response.content.decode()
    assert not RosterImport.objects.exists() and stored_files(media) == []


def test_size_limit(client, school, media, settings):
    settings.ROSTER_UPLOAD_MAX_BYTES = 10
    user, membership = make_member(role=Role.ADMINISTRATOR, organisation=school)
    act_as(client, user, membership)
    response = client.post(URL, {"file": SimpleUploadedFile("a.csv", b"ID,\xd0\xa4\n" * 5)})
    assert response.status_code == 400 and "больше допустимого размера" in response.content.decode()
    assert stored_files(media) == []


def test_template_download_is_an_xlsx_with_the_columns(client, school):
    from openpyxl import load_workbook

    from sreda.roster.parsers.template import COLUMNS

    user, membership = make_member(role=Role.ADMINISTRATOR, organisation=school)
    act_as(client, user, membership)
    response = client.get(reverse("roster:template"))
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [c.value for c in sheet[1]] == list(COLUMNS)


def test_import_of_another_school_is_not_found(client, school, other_school):
    row = RosterImport.objects.create(organisation=other_school, file_path="/x", original_name="x.csv")
    user, membership = make_member(role=Role.ADMINISTRATOR, organisation=school)
    act_as(client, user, membership)
    assert client.get(f"/roster/import/{row.pk}/").status_code == 404


def test_classes_link_exists():
    try:
        reverse("orgs:classes", args=[1])
    except NoReverseMatch:  # the class list belongs to another engineer's change
        pytest.skip("orgs:classes is not there yet")
