"""Acknowledgements through the API (R23): publish with a file (multipart), who has and has not, ask more, an
employee's documents, the file and «Ознакомлен(а)»; the four clients."""
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from sreda.api.models import SCOPE_JOINING, SCOPE_READ
from sreda.api.services import token_create
from sreda.api.tests.factories import bearer, issue
from sreda.core.active_role import system_operator
from sreda.onboarding import acknowledgements as ack
from sreda.onboarding.models import Acknowledgement, SchoolDocument
from sreda.onboarding.tests.test_tracker_builders import TINY_PDF, make_tracker_school
from sreda.people.roles import Role

pytestmark = pytest.mark.django_db
TITLE = "Приказ № 192 от 25.04.2024"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def school():
    return make_tracker_school(students=0)


def admin_headers(school, scopes=(SCOPE_JOINING,)):
    return bearer(issue(role=Role.ADMINISTRATOR, organisation=school.organisation, scopes=scopes))


def teacher_headers(school, scopes=(SCOPE_JOINING,)):
    _, secret = token_create(actor=system_operator(), name="ИС", scopes=list(scopes),
                             membership=school.teacher_membership)
    return bearer(secret)


def test_r23_publish_list_rows_and_ask_more(client, school):
    headers = admin_headers(school)
    url = f"/api/v1/orgs/{school.organisation.pk}/documents"

    created = client.post(url, {"title": TITLE, "instruction": "Ознакомиться", "audience": "class_teachers",
                                "file": SimpleUploadedFile("prikaz.pdf", TINY_PDF)}, **headers)

    assert created.status_code == 201, created.json()
    data = created.json()
    assert (data["title"], data["file_type"], data["asked"], data["done"]) == (TITLE, "application/pdf", 1, 0)
    listed = client.get(url, **headers).json()
    assert listed["count"] == 1 and listed["items"][0]["pending"] == 1
    more = client.post(f"/api/v1/documents/{data['id']}/ask", json.dumps({"audience": "staff"}),
                       content_type="application/json", **headers).json()
    assert (more["added"], more["document"]["asked"]) == (2, 3)
    rows = client.get(f"/api/v1/documents/{data['id']}/acknowledgements", {"state": "pending", "q": "соколов"},
                      **headers).json()
    assert [r["full_name"] for r in rows["items"]] == ["Соколов Пётр Андреевич"]


def test_r23_bad_input_is_422_and_changes_nothing(client, school):
    headers = admin_headers(school)
    url = f"/api/v1/orgs/{school.organisation.pk}/documents"

    answer = client.post(url, {"title": TITLE, "audience": "staff",
                               "file": SimpleUploadedFile("prikaz.pdf", b"GIF89a not allowed")}, **headers)

    assert answer.status_code == 422 and "не является PDF" in json.dumps(answer.json(), ensure_ascii=False)
    assert not SchoolDocument.objects.exists()
    read_only = admin_headers(school, scopes=(SCOPE_READ,))
    assert client.post(url, {"title": TITLE, "audience": "staff"}, **read_only).status_code == 403
    assert not SchoolDocument.objects.exists()


def test_r23_the_teacher_sees_downloads_and_acknowledges_once(client, school):
    document = ack.document_publish(actor=school.admin_role, organisation=school.organisation, title=TITLE,
                                    upload=SimpleUploadedFile("prikaz.pdf", TINY_PDF),
                                    audience=ack.Audience.CLASS_TEACHERS)
    headers = teacher_headers(school)

    mine = client.get("/api/v1/my/documents", **headers).json()
    assert mine["count"] == 1 and mine["items"][0]["acknowledged_at"] is None
    file = client.get(f"/api/v1/documents/{document.pk}/file", **headers)
    assert file.status_code == 200 and b"".join(file.streaming_content) == TINY_PDF
    first = client.post(f"/api/v1/documents/{document.pk}/acknowledge", **headers).json()
    second = client.post(f"/api/v1/documents/{document.pk}/acknowledge", **headers).json()
    assert first["acknowledged_at"] is not None and second["acknowledged_at"] == first["acknowledged_at"]
    assert client.get(f"/api/v1/documents/{document.pk}/acknowledgements", **headers).status_code == 404


def test_r23_another_school_gets_404_and_no_token_401(client, school):
    document = ack.document_publish(actor=school.admin_role, organisation=school.organisation, title=TITLE,
                                    upload=SimpleUploadedFile("prikaz.pdf", TINY_PDF), audience=ack.Audience.STAFF)
    other = make_tracker_school(students=0, short_name="МБОУ СОШ № 9")
    for headers in (admin_headers(other), teacher_headers(other)):
        assert client.get(f"/api/v1/documents/{document.pk}", **headers).status_code == 404
        assert client.get(f"/api/v1/documents/{document.pk}/file", **headers).status_code == 404
        assert client.post(f"/api/v1/documents/{document.pk}/acknowledge", **headers).status_code == 404
    assert client.get(f"/api/v1/orgs/{school.organisation.pk}/documents", **admin_headers(other)).status_code == 404
    assert client.get(f"/api/v1/documents/{document.pk}").status_code == 401
    assert not Acknowledgement.objects.filter(acknowledged_at__isnull=False).exists()
