"""The held-import pages (issue #10, item 1): the upload page says «Импорт удержан», shows the preview and lets the
school's administrator apply or reject it and set the thresholds (R1: only the active role's school)."""
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sreda.core.testing import act_as, make_member
from sreda.people.models import Membership
from sreda.people.roles import Role
from sreda.roster.models import HeldImport, HoldStatus, RosterHoldSettings
from sreda.roster.tests.factories import school_roster

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def zipped(roster, folder) -> SimpleUploadedFile:
    roster.write(folder)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for f in folder.iterdir():
            zf.write(f, f.name)
    return SimpleUploadedFile(f"{folder.name}.zip", buf.getvalue(), content_type="application/zip")


def half(school):
    roster = school_roster(school_inn=school.inn, students=20)
    for i in range(11, 21):
        roster.drop("users.csv", sourcedId=f"s{i}").drop("enrollments.csv", userSourcedId=f"s{i}")
    return roster


@pytest.fixture
def admin(client, school, tmp_path):
    user, membership = make_member(role=Role.ADMINISTRATOR, organisation=school)
    act_as(client, user, membership)
    client.post(reverse("roster:upload"), {"file": zipped(school_roster(school_inn=school.inn, students=20), tmp_path / "full")})
    return user


def test_upload_of_a_truncated_export_says_held_and_approve_applies_it(client, school, admin, tmp_path):
    """The administrator uploads an export missing half the students: the import page says «Импорт удержан» with
    the counts, the preview lists the students, «Применить» (POST) ends exactly them."""
    response = client.post(reverse("roster:upload"), {"file": zipped(half(school), tmp_path / "half")}, follow=True)
    page = response.content.decode()
    assert "Импорт удержан" in page and "завершил бы ролей 10" in page
    assert not Membership.objects.filter(end_date__isnull=False).exists()

    held = HeldImport.objects.get()
    assert "Импорт удержан" in client.get(reverse("roster:upload")).content.decode()
    detail = client.get(reverse("roster:held_detail", args=[held.pk])).content.decode()
    assert "Ученикова15 Анна Сергеевна" in detail and "Применить" in detail and "Отклонить" in detail
    assert "csrfmiddlewaretoken" in detail
    assert client.get(reverse("roster:held_xlsx", args=[held.pk]))["Content-Type"].startswith("application/vnd.openxml")

    client.post(reverse("roster:held_approve", args=[held.pk]))
    assert HeldImport.objects.get().status == HoldStatus.APPROVED
    assert set(Membership.objects.filter(end_date__isnull=False).values_list("person__external_id", flat=True)) == \
        {f"s{i}" for i in range(11, 21)}
    again = client.post(reverse("roster:held_approve", args=[held.pk]))
    assert again.status_code == 400 and "Решение по этому импорту уже принято" in again.content.decode()


def test_reject_changes_nothing(client, school, admin, tmp_path):
    client.post(reverse("roster:upload"), {"file": zipped(half(school), tmp_path / "half")})
    held = HeldImport.objects.get()
    client.post(reverse("roster:held_reject", args=[held.pk]))
    assert HeldImport.objects.get().status == HoldStatus.REJECTED
    assert not Membership.objects.filter(end_date__isnull=False).exists()
    assert "отклонён" in client.get(reverse("roster:held_list")).content.decode()


def test_thresholds_are_edited_on_the_page_and_bad_input_changes_nothing(client, school, admin):
    response = client.post(reverse("roster:held_settings"), {"percent": "200", "people": "5"})
    assert response.status_code == 400 and "Процент — от 0 до 100" in response.content.decode()
    assert not RosterHoldSettings.objects.exists()
    client.post(reverse("roster:held_settings"), {"percent": "30", "people": "5"})
    assert RosterHoldSettings.objects.values_list("percent", "people").get() == (30, 5)


def test_a_teacher_and_another_school_see_no_held_import(client, school, other_school, admin, tmp_path):
    client.post(reverse("roster:upload"), {"file": zipped(half(school), tmp_path / "half")})
    held = HeldImport.objects.get()
    user, membership = make_member(role=Role.ADMINISTRATOR, organisation=other_school)
    act_as(client, user, membership)
    assert client.get(reverse("roster:held_detail", args=[held.pk])).status_code == 404
    assert client.post(reverse("roster:held_approve", args=[held.pk])).status_code == 404
    teacher, tm = make_member(role=Role.TEACHER, organisation=school)
    act_as(client, teacher, tm)
    assert client.post(reverse("roster:held_approve", args=[held.pk])).status_code == 403
    assert HeldImport.objects.get().status == HoldStatus.HELD


def test_held_list_query_count_is_constant(client, school, admin):
    def make(n):
        HeldImport.objects.bulk_create([HeldImport(organisation=school, file_path="x", original_name=f"f{i}.zip",
                                                   fingerprint="0" * 64, preview={}) for i in range(n)])

    make(2)
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("roster:held_list")).status_code == 200
    make(30)
    with CaptureQueriesContext(connection) as many:
        assert client.get(reverse("roster:held_list")).status_code == 200
    assert len(many) == len(few)
