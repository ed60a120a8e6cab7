"""What the read endpoints return: pages, filters, masked personal data, bounded queries."""
import itertools
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sreda.api.tests.factories import add_students, bearer, make_school
from sreda.core.identifiers import format_snils
from sreda.core.models import AuditEntry
from sreda.core.testing import make_class, make_membership, make_municipality, make_organisation
from sreda.orgs.models import OrganisationType
from sreda.people.roles import Role

pytestmark = pytest.mark.django_db


def test_lists_come_in_pages_of_50_by_default_and_at_most_500(client, school):
    add_students(school_class=school.school_class, count=30)  # 1 teacher + 33 students + 33 parents = 67
    url = f"/api/v1/organisations/{school.organisation.pk}/people"
    headers = bearer(school.token(Role.ADMINISTRATOR))

    first = client.get(url, **headers).json()
    tail = client.get(url + "?limit=50&offset=50", **headers).json()
    too_many = client.get(url + "?limit=501", **headers)

    assert first["count"] == 67 and len(first["items"]) == 50
    assert len(tail["items"]) == 17
    assert {i["id"] for i in first["items"]}.isdisjoint(i["id"] for i in tail["items"])
    assert too_many.status_code == 422
    assert too_many.json()["detail"] == "Неверные параметры запроса: параметр «limit»."


def test_people_are_filtered_by_role_class_and_name(client, school):
    other_class = make_class(organisation=school.organisation, letter="Б")
    add_students(school_class=other_class, count=2)
    url = f"/api/v1/organisations/{school.organisation.pk}/people"
    headers = bearer(school.token(Role.DIRECTOR))

    students = client.get(url + "?role=student", **headers).json()
    in_5b = client.get(url + f"?class_id={other_class.pk}", **headers).json()
    by_name = client.get(url + "?q=СМИРНОВА мария", **headers).json()
    bad_role = client.get(url + "?role=king", **headers)

    assert students["count"] == 5 and {i["role"] for i in students["items"]} == {"student"}
    assert {i["school_class"]["title"] for i in in_5b["items"]} == {"5Б"}
    assert [i["person"]["full_name"] for i in by_name["items"]] == [school.teacher.full_name]
    assert by_name["items"][0]["role_label"] == "Учитель"
    assert bad_role.status_code == 422


def test_organisations_are_found_by_name_inn_district_and_kind(client, school):
    """R5."""
    kindergarten = make_organisation(municipality=school.municipality, short_name="МБДОУ Детский сад № 7",
                                     full_name="Муниципальное бюджетное дошкольное учреждение «Детский сад № 7»",
                                     kind=OrganisationType.PRESCHOOL)
    url = "/api/v1/organisations"
    headers = bearer(school.token(Role.TEACHER))

    by_name = client.get(url + "?q=детскии", **headers).json()
    by_name_yo = client.get(url + "?q=ДЕТСКИЙ САД", **headers).json()
    by_district = client.get(url + f"?municipality_id={school.municipality.pk}", **headers).json()
    by_kind = client.get(url + f"?municipality_id={school.municipality.pk}&kind=preschool", **headers).json()

    assert by_name["count"] == 0
    assert [o["id"] for o in by_name_yo["items"]] == [kindergarten.pk]
    assert {o["id"] for o in by_district["items"]} == {school.organisation.pk, kindergarten.pk}
    assert [o["kind_label"] for o in by_kind["items"]] == ["Дошкольная"]
    assert by_kind["items"][0]["region"]["code"] == school.region.code


def test_municipalities_are_filtered_by_region(client, school, other_school):
    headers = bearer(school.token(Role.REGIONAL_OPERATOR))

    own = client.get(f"/api/v1/municipalities?region_id={school.region.pk}", **headers).json()
    foreign = client.get(f"/api/v1/municipalities?region_id={other_school.region.pk}", **headers).json()

    assert [m["id"] for m in own["items"]] == [school.municipality.pk]
    assert foreign["count"] == 0


def test_memberships_include_ended_ones_on_request(client, school):
    ended = make_membership(person=school.teacher, role=Role.STAFF, organisation=school.organisation,
                            start_date=date(2020, 9, 1), end_date=date(2021, 6, 1))
    url = f"/api/v1/memberships?organisation_id={school.organisation.pk}&role=staff"
    headers = bearer(school.token(Role.ADMINISTRATOR))

    current = client.get(url, **headers).json()
    with_ended = client.get(url + "&active=false", **headers).json()

    assert current["count"] == 0
    assert [m["id"] for m in with_ended["items"]] == [ended.pk]
    assert with_ended["items"][0]["end_date"] == "2021-06-01"


def test_memberships_need_an_organisation_for_a_school_role(client, school):
    response = client.get("/api/v1/memberships", **bearer(school.token(Role.ADMINISTRATOR)))

    assert response.status_code == 422
    assert "organisation_id" in response.json()["detail"]


def test_a_methodist_lists_memberships_of_the_whole_district(client, school, other_school):
    response = client.get("/api/v1/memberships?role=teacher", **bearer(school.token(Role.METHODIST))).json()

    assert [m["person"]["id"] for m in response["items"]] == [school.teacher.pk]


def test_a_class_lists_its_students_and_class_teacher(client, school):
    data = client.get(f"/api/v1/classes/{school.school_class.pk}", **bearer(school.token(Role.TEACHER))).json()

    assert data["title"] == "5А" and data["school_year"] == "2025/2026"
    assert data["class_teacher"]["id"] == school.teacher.pk
    assert data["organisation"]["id"] == school.organisation.pk
    assert {s["id"] for s in data["students"]} == {m.person_id for m in school.students}
    assert "snils" not in data["students"][0] and "birth_date" not in data["students"][0]


def test_classes_show_their_number_of_students(client, school):
    data = client.get(f"/api/v1/organisations/{school.organisation.pk}/classes",
                      **bearer(school.token(Role.TEACHER))).json()

    assert data["items"][0]["student_count"] == len(school.students)


# --- personal data: masked unless the role needs it, every full read audited


def test_a_teacher_sees_the_snils_masked_and_no_birth_date(client, school):
    student = school.students[0].person

    data = client.get(f"/api/v1/people/{student.pk}", **bearer(school.token(Role.TEACHER))).json()

    assert data["personal_data_masked"] is True
    assert data["snils"] == f"***-***-{student.snils[6:9]} **"
    assert data["birth_date"] is None and data["email"] is None
    assert not AuditEntry.objects.filter(action="personal_data.view").exists()


def test_the_administrator_sees_full_personal_data_and_the_read_is_audited(client, school):
    student = school.students[0].person

    data = client.get(f"/api/v1/people/{student.pk}", **bearer(school.token(Role.ADMINISTRATOR))).json()

    assert data["personal_data_masked"] is False
    assert data["snils"] == format_snils(student.snils)
    assert data["birth_date"] == "2014-03-08"
    entry = AuditEntry.objects.get(action="personal_data.view")
    assert entry.object_id == str(student.pk)
    assert entry.organisation == school.organisation


def test_a_person_card_shows_only_roles_inside_the_token_scope(client, school, other_school):
    """School A does not learn that its teacher also works in school B."""
    make_membership(person=school.teacher, role=Role.TEACHER, organisation=other_school.organisation)

    data = client.get(f"/api/v1/people/{school.teacher.pk}", **bearer(school.token(Role.DIRECTOR))).json()

    assert [m["organisation"]["id"] for m in data["memberships"]] == [school.organisation.pk]
    assert data["memberships"][0]["role_label"] == "Учитель"


# --- bounded queries (rule 6): the same number of queries for 5 rows and for 40


def _queries(client, url: str, headers: dict) -> int:
    client.get(url, **headers)  # the first request of a token writes last_used_at; measure the steady state
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, **headers)
    assert response.status_code == 200, response.json()
    return len(captured)


LIST_URLS = {
    "people": lambda s: f"/api/v1/organisations/{s.organisation.pk}/people?limit=500",
    "memberships": lambda s: f"/api/v1/memberships?organisation_id={s.organisation.pk}&limit=500",
    "classes": lambda s: f"/api/v1/organisations/{s.organisation.pk}/classes?limit=500",
    "class": lambda s: f"/api/v1/classes/{s.school_class.pk}",
    "organisations": lambda s: f"/api/v1/organisations?municipality_id={s.municipality.pk}&limit=500",
}


_letters = itertools.count(1)


def _grow(school, endpoint: str, rows: int) -> None:
    if endpoint == "classes":
        for _ in range(rows):
            n = next(_letters)
            school_class = make_class(organisation=school.organisation, grade=1 + n % 11, letter=f"К{n}")
            add_students(school_class=school_class, count=1)
    elif endpoint == "organisations":
        for _ in range(rows):
            make_organisation(municipality=school.municipality)
    else:
        add_students(school_class=school.school_class, count=rows)


@pytest.mark.parametrize("endpoint", list(LIST_URLS))
def test_list_queries_do_not_grow_with_rows(client, db, endpoint):
    school = make_school(students=5)
    _grow(school, endpoint, 4)
    url, headers = LIST_URLS[endpoint](school), bearer(school.token(Role.ADMINISTRATOR))
    few = _queries(client, url, headers)

    _grow(school, endpoint, 35)
    many = _queries(client, url, headers)

    assert many == few


def test_the_municipality_list_does_not_grow_with_rows(client, school):
    headers = bearer(school.token(Role.REGIONAL_OPERATOR))
    few = _queries(client, "/api/v1/municipalities?limit=500", headers)
    for _ in range(40):
        make_municipality(region=school.region)
    assert _queries(client, "/api/v1/municipalities?limit=500", headers) == few
