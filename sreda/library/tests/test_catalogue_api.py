"""The catalogue API (R15–R17): search, items, favourites for a person's token, orders by school."""
import pytest

from sreda.api.models import SCOPE_LIBRARY_READ, SCOPE_LIBRARY_WRITE, SCOPE_READ
from sreda.api.services import token_create
from sreda.api.tests.factories import bearer, issue
from sreda.core.active_role import system_operator
from sreda.core.testing import make_member, make_organisation
from sreda.library.models import CatalogueItem, CourseOrder, Favourite
from sreda.library.tests.builders import make_course, make_item, teacher_with_access
from sreda.people.roles import Role

pytestmark = pytest.mark.django_db
BOTH = (SCOPE_LIBRARY_READ, SCOPE_LIBRARY_WRITE)


def person_token(membership, scopes=BOTH) -> dict:
    _, secret = token_create(actor=system_operator(), name="Дневник", scopes=list(scopes), membership=membership)
    return bearer(secret)


@pytest.fixture
def items():
    return {
        "fractions": make_item(make_course("Математика", 5), "Сложение дробей", 1, "classwork homework",
                               body="<p>Дроби</p>"),
        "physics": make_item(make_course("Физика", 7), "Равномерное движение", 1, "presentation"),
    }


def test_r17_search_for_a_teacher_with_access(client, items):
    _, membership = teacher_with_access()
    response = client.get("/api/v1/library/catalogue", {"q": "дроби", "grade": 5}, **person_token(membership))
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1 and body["page"] == 1
    assert body["results"][0] == {"id": items["fractions"].pk, "title": "Сложение дробей",
                                  "course": "Математика. 5 класс", "grade": 5, "subject": "Математика",
                                  "content_types": ["classwork", "homework"],
                                  "url": f"/library/catalogue/{items['fractions'].pk}/"}
    response = client.get("/api/v1/library/catalogue", {"content_type": "presentation"}, **person_token(membership))
    assert [r["title"] for r in response.json()["results"]] == ["Равномерное движение"]


def test_r15_refused_teacher_gets_every_reason(client, items):
    _, membership = make_member(role=Role.TEACHER, organisation=make_organisation())
    response = client.get("/api/v1/library/catalogue", **person_token(membership))
    assert response.status_code == 403
    body = response.json()
    assert body["detail"] == "У вас нет доступа к платформе"
    codes = [r["code"] for r in body["reasons"]]
    assert codes[0] == "account_not_confirmed" and "not_in_access_group" in codes


def test_r15_item_checks_the_course_subject(client, items):
    _, membership = teacher_with_access(subjects=["Математика"])
    headers = person_token(membership)
    ok = client.get(f"/api/v1/library/items/{items['fractions'].pk}", **headers)
    assert ok.status_code == 200 and ok.json()["body"] == "<p>Дроби</p>"
    refused = client.get(f"/api/v1/library/items/{items['physics'].pk}", **headers)
    assert refused.status_code == 403 and refused.json()["reasons"][0]["code"] == "subject_not_supported"
    assert client.get("/api/v1/library/items/999999", **headers).status_code == 404


def test_scopes_are_required(client, items):
    _, membership = teacher_with_access()
    response = client.get("/api/v1/library/catalogue", **person_token(membership, scopes=(SCOPE_READ,)))
    assert response.status_code == 403 and "library:read" in response.json()["detail"]
    assert client.get("/api/v1/library/catalogue").status_code == 401


def test_r17_favourites_for_a_person_token(client, items):
    user, membership = teacher_with_access()
    headers = person_token(membership)
    item = items["fractions"]
    assert client.post("/api/v1/library/favourites", {"item_id": item.pk}, content_type="application/json",
                       **headers).status_code == 201
    client.post("/api/v1/library/favourites", {"item_id": item.pk}, content_type="application/json", **headers)
    listed = client.get("/api/v1/library/favourites", **headers).json()
    assert listed["count"] == 1 and listed["items"][0]["item"]["id"] == item.pk
    assert client.delete(f"/api/v1/library/favourites/{item.pk}", **headers).status_code == 204
    assert not Favourite.objects.filter(person=user.person).exists()


def test_favourites_need_a_person(client, items):
    school = make_organisation()
    headers = bearer(issue(role=Role.ADMINISTRATOR, organisation=school, scopes=BOTH))
    response = client.get("/api/v1/library/favourites", **headers)
    assert response.status_code == 403 and "--user" in response.json()["detail"]


def test_item_create_is_for_the_operator_only(client, items):
    school = make_organisation()
    headers = bearer(issue(role=Role.DIRECTOR, organisation=school, scopes=BOTH))
    course = items["fractions"].course
    response = client.post("/api/v1/library/items", {"course_id": course.pk, "position": 2, "title": "Новый"},
                           content_type="application/json", **headers)
    assert response.status_code == 403 and "оператор платформы" in response.json()["detail"]
    assert CatalogueItem.objects.count() == 2


def test_r17_orders_by_school_and_scope(client, items):
    school, other = make_organisation(), make_organisation()
    headers = bearer(issue(role=Role.ADMINISTRATOR, organisation=school, scopes=BOTH))
    course = items["fractions"].course
    url = f"/api/v1/orgs/{school.pk}/library/orders"
    created = client.post(url, {"course_id": course.pk, "comment": "Для 5-х классов"},
                          content_type="application/json", **headers)
    assert created.status_code == 201 and created.json()["status_label"] == "Заявка отправлена"
    again = client.post(url, {"course_id": course.pk}, content_type="application/json", **headers)
    assert again.status_code == 422 and "уже заказан" in again.json()["detail"]
    assert client.get(url, **headers).json()["count"] == 1
    assert client.get(f"/api/v1/orgs/{other.pk}/library/orders", **headers).status_code == 404
    assert client.post(f"/api/v1/orgs/{other.pk}/library/orders", {"course_id": course.pk},
                       content_type="application/json", **headers).status_code == 404
    assert CourseOrder.objects.count() == 1
