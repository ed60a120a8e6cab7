"""Acknowledgements of school documents (R23) through the services: publishing to a chosen audience, the file
check, asking more people later, «Ознакомлен(а)» once, and the home page's reminder."""
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404

from sreda.core.models import AuditEntry
from sreda.core.testing import active_role_of, make_member, make_person
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
    school = make_tracker_school(students=0)
    school.plain_teacher, school.plain_membership = make_member(
        role=Role.TEACHER, organisation=school.organisation, person=make_person(surname="Белова", name="Ирина"))
    school.staff_user, school.staff_membership = make_member(
        role=Role.STAFF, organisation=school.organisation, person=make_person(surname="Орлов", name="Глеб"))
    return school


def pdf(name="prikaz.pdf", content=TINY_PDF):
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def asked(document):
    return set(Acknowledgement.objects.filter(document=document).values_list("person_id", flat=True))


def publish(school, **kw):
    data = {"title": TITLE, "instruction": "Ознакомиться до 30.04.2024", "audience": ack.Audience.CLASS_TEACHERS}
    data.update(kw)
    return ack.document_publish(actor=school.admin_role, organisation=school.organisation, **data)


def test_r23_publish_to_all_class_teachers_stores_the_checked_file(school, media):
    document = publish(school, upload=pdf())

    assert asked(document) == {school.teacher.person.pk}
    assert (document.file_name, document.file_type, document.file_size) == ("prikaz.pdf", "application/pdf",
                                                                              len(TINY_PDF))
    stored = Path(media) / document.file_path
    assert stored.read_bytes() == TINY_PDF and document.file_path.startswith("school_documents/")
    assert AuditEntry.objects.filter(action="school_document.publish", object_id=str(document.pk)).exists()


@pytest.mark.parametrize("audience, who", [
    (ack.Audience.TEACHERS, {"teacher", "plain_teacher"}),
    (ack.Audience.STAFF, {"teacher", "plain_teacher", "staff_user", "admin", "director"}),
])
def test_r23_publish_to_all_teachers_or_all_staff(school, audience, who):
    document = publish(school, audience=audience)

    assert asked(document) == {getattr(school, name).person.pk for name in who}


def test_r23_picked_people_outside_the_school_are_dropped(school):
    other = make_tracker_school(students=0, short_name="МБОУ СОШ № 9")

    document = publish(school, audience=ack.Audience.PICKED,
                       person_ids=[school.staff_user.person.pk, other.teacher.person.pk])

    assert asked(document) == {school.staff_user.person.pk}


@pytest.mark.parametrize("upload, message", [
    (SimpleUploadedFile("prikaz.pdf", b"MZ\x90\x00 not a pdf at all"), "не является PDF, JPEG или PNG"),
    (SimpleUploadedFile("prikaz.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\n"), "не целый PDF"),
    (SimpleUploadedFile("prikaz.pdf", b""), "пустой"),
])
def test_r23_a_bad_file_is_refused_and_nothing_is_created(school, media, upload, message):
    with pytest.raises(ValidationError) as refused:
        publish(school, upload=upload)

    assert message in " ".join(refused.value.message_dict["file"])
    assert not SchoolDocument.objects.exists() and not Acknowledgement.objects.exists()
    assert not any(Path(media).rglob("*.pdf"))


def test_r23_too_large_a_file_is_refused(school, settings, monkeypatch):
    monkeypatch.setattr(ack, "MAX_BYTES", len(TINY_PDF) - 1)

    with pytest.raises(ValidationError) as refused:
        publish(school, upload=pdf())

    assert "больше" in refused.value.message_dict["file"][0] and not SchoolDocument.objects.exists()


def test_r23_every_problem_is_reported_at_once(school):
    with pytest.raises(ValidationError) as refused:
        publish(school, title=" ", audience=ack.Audience.PICKED, person_ids=[])

    assert set(refused.value.message_dict) == {"title", "people"}


def test_r23_no_class_teachers_means_nobody_to_ask(school):
    school.school_class.class_teacher = None
    school.school_class.save()

    with pytest.raises(ValidationError) as refused:
        publish(school)

    assert "нет классных руководителей" in refused.value.message_dict["audience"][0]


def test_r23_only_the_leaders_publish(school):
    with pytest.raises(PermissionDenied):
        ack.document_publish(actor=school.teacher_role, organisation=school.organisation, title=TITLE,
                             audience=ack.Audience.STAFF)
    assert not SchoolDocument.objects.exists()


def test_r23_asking_more_later_keeps_those_already_asked(school):
    document = publish(school)
    ack.document_acknowledge(actor=school.teacher_role, document=document)

    added = ack.document_ask_more(actor=school.director_role, document=document, audience=ack.Audience.TEACHERS)
    again = ack.document_ask_more(actor=school.director_role, document=document, audience=ack.Audience.TEACHERS)

    assert (added, again) == (1, 0)
    assert Acknowledgement.objects.get(document=document, person=school.teacher.person).acknowledged_at is not None


def test_r23_acknowledging_twice_keeps_the_first_time(school):
    document = publish(school)

    first = ack.document_acknowledge(actor=school.teacher_role, document=document)
    second = ack.document_acknowledge(actor=school.teacher_role, document=document)

    assert first.acknowledged_at is not None and second.acknowledged_at == first.acknowledged_at
    assert AuditEntry.objects.filter(action="school_document.acknowledge").count() == 1


def test_r23_someone_not_asked_cannot_acknowledge(school):
    document = publish(school)
    role = active_role_of(school.plain_teacher, school.plain_membership)

    with pytest.raises(Http404):
        ack.document_acknowledge(actor=role, document=document)
    with pytest.raises(Http404):
        ack.access_document(actor=role, document_id=document.pk)


def test_r23_staff_of_another_school_never_see_the_document(school):
    document = publish(school, audience=ack.Audience.STAFF)
    other = make_tracker_school(students=0, short_name="МБОУ СОШ № 9")

    for role in (other.admin_role, other.teacher_role):
        with pytest.raises(Http404):
            ack.access_document(actor=role, document_id=document.pk)


def test_r23_the_home_page_reminds_of_documents_waiting(school):
    publish(school, audience=ack.Audience.STAFF)
    publish(school, title="Инструкция по использованию ЦОС", audience=ack.Audience.TEACHERS)

    [item] = ack.attention(school.teacher_role)
    assert item.text.startswith("2 документа ждут ознакомления") and item.url.endswith("/my-documents/")
    assert ack.attention(active_role_of(school.staff_user, school.staff_membership))[0] \
        .text.startswith("1 документ ждёт ознакомления")
    for document in SchoolDocument.objects.all():
        ack.document_acknowledge(actor=school.teacher_role, document=document)
    assert ack.attention(school.teacher_role) == []


def test_r23_the_counts_and_the_search(school):
    document = publish(school, audience=ack.Audience.STAFF)
    ack.document_acknowledge(actor=school.teacher_role, document=document)

    assert ack.document_counts(document) == {"asked": 5, "done": 1, "pending": 4}
    assert [a.person.surname for a in ack.acknowledgement_rows(document=document, query="БЕЛОВА")] == ["Белова"]
    rows = list(ack.acknowledgement_rows(document=document))
    assert rows[-1].person == school.teacher.person  # those who acknowledged come last
    assert [d.title for d in ack.documents_for(actor=school.admin_role, organisation=school.organisation,
                                                 query="приказ")] == [TITLE]
    assert list(ack.documents_for(actor=school.teacher_role, organisation=school.organisation)) == []
