"""R14 API: GET/POST /api/v1/orgs/{id}/schedule, publish and its status; scopes library:read/write; the
token's organisation must be the school (R1: another school is 404, like a missing one)."""
import json

import pytest
from django.utils import timezone

from sreda.api.models import SCOPE_LIBRARY_READ, SCOPE_LIBRARY_WRITE
from sreda.api.tests.factories import bearer, issue
from sreda.library.models import ScheduleLesson
from sreda.library.tests.test_schedule_support import add_lesson, build_school
from sreda.people.roles import Role

pytestmark = pytest.mark.django_db
RW = (SCOPE_LIBRARY_READ, SCOPE_LIBRARY_WRITE)


def url(school, tail=""):
    return f"/api/v1/orgs/{school.organisation.pk}/schedule{tail}"


def post(client, path, body, secret):
    return client.post(path, data=json.dumps(body), content_type="application/json", **bearer(secret))


def item(school, **kw):
    data = {"day": timezone.localdate().isoformat(), "number": 1, "class_id": school.school_class.pk,
            "subject_id": school.maths.pk, "teacher_id": school.petrova.pk}
    data.update(kw)
    return data


def test_r14_get_lists_lessons_with_filters(client):
    school = build_school()
    add_lesson(school, number=1)
    add_lesson(school, number=2, teacher=school.smirnov)
    secret = issue(organisation=school.organisation, scopes=(SCOPE_LIBRARY_READ,))
    data = client.get(url(school), **bearer(secret)).json()
    assert data["count"] == 2 and data["items"][0]["class_title"] == "5А"
    only = client.get(url(school), {"teacher_id": school.smirnov.pk, "from": timezone.localdate().isoformat()},
                      **bearer(secret)).json()
    assert [i["teacher"] for i in only["items"]] == ["Смирнов Иван Андреевич"]


def test_r14_post_creates_then_is_unchanged_then_updates_by_external_id(client):
    school = build_school()
    secret = issue(organisation=school.organisation, scopes=RW)
    body = [item(school, external_id="X1"), item(school, number=2)]
    first = post(client, url(school), body, secret)
    assert first.status_code == 200 and first.json() == {"created": 2, "updated": 0, "unchanged": 0, "errors": []}
    assert post(client, url(school), body, secret).json()["unchanged"] == 2
    ScheduleLesson.objects.update(published_at=timezone.now())
    moved = post(client, url(school), [item(school, external_id="X1", teacher_id=school.smirnov.pk)], secret).json()
    assert moved == {"created": 0, "updated": 1, "unchanged": 0, "errors": []}
    assert ScheduleLesson.objects.get(external_id="X1").published_at is None


def test_r14_post_with_any_error_stores_nothing_and_names_index_and_field(client):
    school = build_school()
    other = build_school(short_name="МБОУ СОШ № 9", snils=None)
    secret = issue(organisation=school.organisation, scopes=RW)
    body = [item(school), item(school, teacher_id=other.petrova.pk, class_id=other.school_class.pk)]
    response = post(client, url(school), body, secret)
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"index": 1, "field": "class_id", "reason": "класс не найден в этой школе"},
        {"index": 1, "field": "teacher_id", "reason": "учитель не найден среди учителей этой школы"}]
    assert not ScheduleLesson.objects.exists()


def test_r14_publish_and_read_its_status(client):
    school = build_school()
    add_lesson(school)
    secret = issue(organisation=school.organisation, scopes=RW)
    started = client.post(url(school, "/publish"), **bearer(secret))
    assert started.status_code == 202
    data = started.json()
    assert (data["status"], data["progress"]) == ("done", 100)
    status = client.get(url(school, f"/publications/{data['id']}"), **bearer(secret)).json()
    assert status["lessons"] == 1 and status["message"] == "Выгружено 1 урок в библиотеку."


def test_r14_failed_publication_says_why_and_whom_to_contact(client):
    school = build_school(with_period=False)
    add_lesson(school)
    secret = issue(organisation=school.organisation, scopes=RW)
    data = client.post(url(school, "/publish"), **bearer(secret)).json()
    assert data["status"] == "failed" and "Нет отчётных периодов" in data["message"] and data["contact"]


def test_r1_four_clients_anonymous_other_school_wrong_role_wrong_scope(client):
    school = build_school()
    other = build_school(short_name="МБОУ СОШ № 9", snils=None)
    add_lesson(school)
    assert client.get(url(school)).status_code == 401
    foreign = issue(organisation=other.organisation, scopes=RW)
    assert client.get(url(school), **bearer(foreign)).status_code == 404
    assert post(client, url(school), [item(school)], foreign).status_code == 404
    assert client.post(url(school, "/publish"), **bearer(foreign)).status_code == 404
    teacher = issue(role=Role.TEACHER, organisation=school.organisation, scopes=RW)
    assert client.get(url(school), **bearer(teacher)).status_code == 404
    read_only = issue(organisation=school.organisation, scopes=(SCOPE_LIBRARY_READ,))
    assert post(client, url(school), [item(school)], read_only).status_code == 403
    assert ScheduleLesson.objects.count() == 1


def test_r14_list_query_count_does_not_grow_with_lessons(client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    school = build_school()
    add_lesson(school)
    secret = issue(organisation=school.organisation, scopes=(SCOPE_LIBRARY_READ,))
    client.get(url(school), **bearer(secret))
    with CaptureQueriesContext(connection) as few:
        client.get(url(school), **bearer(secret))
    for number in range(2, 15):
        add_lesson(school, number=number, teacher=school.smirnov if number % 2 else school.petrova)
    with CaptureQueriesContext(connection) as many:
        assert client.get(url(school), **bearer(secret)).json()["count"] == 14
    assert len(many) == len(few)
