"""Acknowledgement pages (R23): the administrator publishes with a PDF and sees who has and who has not, with
search, XLSX and «ask more»; the employee presses «Ознакомлен(а)»; the file reaches only the school's leaders
and the employees asked; another school's staff get 404 for the document and the file."""
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from sreda.core.models import AuditEntry
from sreda.core.testing import act_as, make_member, make_person
from sreda.onboarding import acknowledgements as ack
from sreda.onboarding.models import Acknowledgement, SchoolDocument
from sreda.onboarding.tests.test_tracker_builders import TINY_PDF, make_tracker_school
from sreda.people.roles import Role

pytestmark = pytest.mark.django_db
TITLE = "Приказ № 192 от 25.04.2024 «Об использовании ЦОС»"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def school():
    return make_tracker_school(students=0)


def published(school, audience=ack.Audience.STAFF):
    return ack.document_publish(actor=school.admin_role, organisation=school.organisation, title=TITLE,
                                instruction="Ознакомиться до 30.04.2024",
                                upload=SimpleUploadedFile("prikaz.pdf", TINY_PDF), audience=audience)


def test_r23_the_administrator_publishes_with_a_pdf(client, school):
    act_as(client, school.admin, school.admin_membership)
    assert client.get(reverse("onboarding:document_new")).status_code == 200

    answer = client.post(reverse("onboarding:document_new"), {
        "title": TITLE, "instruction": "Ознакомиться до 30.04.2024", "due_date": "2024-04-30",
        "audience": ack.Audience.CLASS_TEACHERS, "file": SimpleUploadedFile("prikaz.pdf", TINY_PDF)})

    document = SchoolDocument.objects.get()
    assert answer.status_code == 302 and answer["Location"] == reverse("onboarding:document", args=[document.pk])
    page = client.get(answer["Location"]).content.decode()
    assert "Документ опубликован. Попросили ознакомиться 1 сотрудника." in page
    assert 'data-testid="count-done">0<' in page and "Смирнова Мария Ивановна" in page
    assert "Скачать prikaz.pdf (PDF)" in page
    assert "ознакомиться до 30.04.2024 <strong class=\"overdue\">— срок прошёл" in page
    act_as(client, school.teacher, school.teacher_membership)
    assert "— срок прошёл" in client.get(reverse("onboarding:my_documents")).content.decode()


def test_r23_a_disguised_file_is_refused_on_the_page_and_nothing_changes(client, school):
    act_as(client, school.admin, school.admin_membership)

    answer = client.post(reverse("onboarding:document_new"), {
        "title": TITLE, "audience": ack.Audience.STAFF, "file": SimpleUploadedFile("prikaz.pdf", b"<html>hi</html>")})

    assert answer.status_code == 400
    assert "не является PDF, JPEG или PNG" in answer.content.decode()
    assert not SchoolDocument.objects.exists()


def test_r23_an_oversized_file_is_stopped_while_it_streams(client, school, monkeypatch):
    monkeypatch.setattr(ack, "MAX_BYTES", 100)
    act_as(client, school.admin, school.admin_membership)

    answer = client.post(reverse("onboarding:document_new"), {
        "title": TITLE, "audience": ack.Audience.STAFF, "file": SimpleUploadedFile("big.pdf", TINY_PDF)})

    assert answer.status_code == 400 and "Файл «big.pdf» больше" in answer.content.decode()
    assert not SchoolDocument.objects.exists()


def test_r23_the_teacher_acknowledges_and_the_administrator_sees_it(client, school):
    document = published(school, audience=ack.Audience.CLASS_TEACHERS)
    act_as(client, school.teacher, school.teacher_membership)

    page = client.get(reverse("onboarding:my_documents")).content.decode()
    assert TITLE in page and "Ознакомлен(а)" in page and 'data-testid="pending-count">1<' in page
    assert client.get(reverse("onboarding:document_acknowledge", args=[document.pk])).status_code == 405
    done = client.post(reverse("onboarding:document_acknowledge", args=[document.pk]))
    assert done.status_code == 302
    assert "Вы ознакомились" in client.get(reverse("onboarding:my_documents")).content.decode()
    first = Acknowledgement.objects.get().acknowledged_at
    client.post(reverse("onboarding:document_acknowledge", args=[document.pk]))
    assert Acknowledgement.objects.get().acknowledged_at == first

    act_as(client, school.admin, school.admin_membership)
    detail = client.get(reverse("onboarding:document", args=[document.pk])).content.decode()
    assert 'data-testid="count-done">1<' in detail and 'data-testid="count-pending">0<' in detail


def test_r23_acknowledge_needs_the_csrf_token(school):
    from django.test import Client

    document = published(school)
    client = Client(enforce_csrf_checks=True)
    act_as(client, school.teacher, school.teacher_membership)

    assert client.post(reverse("onboarding:document_acknowledge", args=[document.pk])).status_code == 403
    assert Acknowledgement.objects.filter(acknowledged_at__isnull=False).count() == 0


def test_r23_the_file_goes_to_the_asked_and_the_leaders_and_is_audited(client, school):
    document = published(school, audience=ack.Audience.CLASS_TEACHERS)
    url = reverse("onboarding:document_file", args=[document.pk])

    act_as(client, school.teacher, school.teacher_membership)
    answer = client.get(url)
    assert answer.status_code == 200 and b"".join(answer.streaming_content) == TINY_PDF
    assert answer["Content-Type"] == "application/pdf" and "attachment" in answer["Content-Disposition"]
    act_as(client, school.director, school.director_membership)
    assert client.get(url).status_code == 200
    assert AuditEntry.objects.filter(action="school_document.download", object_id=str(document.pk)).count() == 2

    not_asked, membership = make_member(role=Role.TEACHER, organisation=school.organisation,
                                        person=make_person(surname="Белова"))
    act_as(client, not_asked, membership)
    assert client.get(url).status_code == 404


def test_r23_staff_of_another_school_get_404_for_the_document_and_the_file(client, school):
    document = published(school)
    other = make_tracker_school(students=0, short_name="МБОУ СОШ № 9")
    for user, membership in ((other.admin, other.admin_membership), (other.teacher, other.teacher_membership)):
        act_as(client, user, membership)
        assert client.get(reverse("onboarding:document", args=[document.pk])).status_code == 404
        assert client.get(reverse("onboarding:document_file", args=[document.pk])).status_code == 404
        assert client.post(reverse("onboarding:document_acknowledge", args=[document.pk])).status_code == 404
    assert not AuditEntry.objects.filter(action="school_document.download").exists()


def test_r23_the_teacher_cannot_open_the_administrators_pages(client, school):
    document = published(school)
    act_as(client, school.teacher, school.teacher_membership)

    assert client.get(reverse("onboarding:documents")).status_code == 403
    assert client.get(reverse("onboarding:document", args=[document.pk])).status_code == 404
    assert client.post(reverse("onboarding:document_ask", args=[document.pk]),
                       {"audience": ack.Audience.STAFF}).status_code == 404


def test_r23_search_tabs_xlsx_and_asking_more(client, school):
    document = published(school, audience=ack.Audience.CLASS_TEACHERS)
    ack.document_acknowledge(actor=school.teacher_role, document=document)
    act_as(client, school.admin, school.admin_membership)
    url = reverse("onboarding:document", args=[document.pk])

    added = client.post(reverse("onboarding:document_ask", args=[document.pk]),
                        {"audience": ack.Audience.PICKED, "people": [str(school.director.person.pk)]})
    assert added.status_code == 302
    assert "Добавлено сотрудников: 1." in client.get(url).content.decode()
    nobody = client.post(reverse("onboarding:document_ask", args=[document.pk]), {"audience": ack.Audience.PICKED})
    assert nobody.status_code == 400 and "Отметьте хотя бы одного сотрудника" in nobody.content.decode()

    director, teacher = (f'data-testid="ack-{p.pk}"' for p in (school.director.person, school.teacher.person))
    pending = client.get(url, {"state": "pending"}).content.decode()
    assert director in pending and teacher not in pending
    found = client.get(url, {"q": "смирнова"}).content.decode()
    assert teacher in found and director not in found

    sheet = list(load_workbook(BytesIO(client.get(reverse("onboarding:document_export",
                                                          args=[document.pk])).content)).active.values)
    assert sheet[0] == ("ФИО", "Ознакомлен(а)", "Когда", "Запрошено")
    assert [(row[0], row[1]) for row in sheet[1:]] == [("Кузнецова Ольга Сергеевна", "нет"),
                                                       ("Смирнова Мария Ивановна", "да")]

    listing = client.get(reverse("onboarding:documents"), {"q": "ПРИКАЗ"}).content.decode()
    assert TITLE in listing and "1 из 2" in listing


def test_r23_the_lists_cost_the_same_queries_for_more_people(client, school):
    document = published(school)
    act_as(client, school.admin, school.admin_membership)
    url = reverse("onboarding:document", args=[document.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for i in range(30):
        make_member(role=Role.TEACHER, organisation=school.organisation, person=make_person(surname=f"Учитель{i:02d}"))
    ack.document_ask_more(actor=school.admin_role, document=document, audience=ack.Audience.STAFF)
    with CaptureQueriesContext(connection) as many:
        assert "Учитель29" in client.get(url).content.decode()
    assert len(many) == len(few)

    act_as(client, school.teacher, school.teacher_membership)
    my = reverse("onboarding:my_documents")
    client.get(my)
    with CaptureQueriesContext(connection) as one_doc:
        client.get(my)
    for n in range(5):
        ack.document_publish(actor=school.admin_role, organisation=school.organisation, title=f"Документ {n}",
                             audience=ack.Audience.TEACHERS)
    with CaptureQueriesContext(connection) as six_docs:
        client.get(my)
    assert len(six_docs) == len(one_doc)
