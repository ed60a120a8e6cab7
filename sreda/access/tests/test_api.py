"""R13 through the API: the same rules as on the pages. Four clients for every endpoint — anonymous,
another school, the wrong role, the right role — and failures that change nothing."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sreda.access.models import AccessGroup, AccessGroupMember
from sreda.access.selectors import UB_TSOK_GROUP_CODE
from sreda.access.services import group_members_add
from sreda.access.tests.factories import add_employees
from sreda.api.models import SCOPE_READ, SCOPE_STAFF_WRITE
from sreda.api.tests.factories import bearer, issue
from sreda.core.identifiers import mask_snils
from sreda.core.models import AuditEntry
from sreda.core.testing import active_role_of, make_member, make_membership, make_organisation, make_person
from sreda.people.roles import Role

pytestmark = pytest.mark.django_db

BOTH = (SCOPE_READ, SCOPE_STAFF_WRITE)


@pytest.fixture
def group():
    return AccessGroup.objects.select_related("system").get(code=UB_TSOK_GROUP_CODE)


@pytest.fixture
def school():
    return make_organisation(short_name="МБОУ СОШ № 5")


@pytest.fixture
def other_school():
    return make_organisation(short_name="МБОУ СОШ № 7")


def teacher(school, **kw):
    return make_membership(person=make_person(**kw), role=Role.TEACHER, organisation=school).person


def token(school, role=Role.ADMINISTRATOR, scopes=BOTH):
    return bearer(issue(role=role, organisation=school, scopes=scopes))


def add_as_admin(school, group, people):
    user, membership = make_member(role=Role.ADMINISTRATOR, organisation=school)
    group_members_add(actor=active_role_of(user, membership), group=group, person_ids=[p.pk for p in people])


def requests(group, person):
    """(method, url, body) of every endpoint."""
    base = f"/api/v1/access-groups/{group.pk}"
    return [
        ("get", "/api/v1/access-groups", None),
        ("get", base, None),
        ("get", f"{base}/members", None),
        ("post", f"{base}/members", {"person_ids": [person.pk]}),
        ("post", f"{base}/members/remove", {"person_ids": [person.pk]}),
    ]


def call(client, method, url, body, headers):
    if method == "get":
        return client.get(url, **headers)
    return client.post(url, body, content_type="application/json", **headers)


def test_anonymous_gets_401_everywhere(client, school, group):
    for method, url, body in requests(group, teacher(school)):
        response = call(client, method, url, body, {})
        assert response.status_code == 401, url
        assert "Bearer" in response.json()["detail"]


@pytest.mark.parametrize("role", [Role.TEACHER, Role.STAFF, Role.PARENT])
def test_r13_the_wrong_role_of_the_school_gets_403_with_the_reason(client, school, group, role):
    headers = token(school, role=role)
    for method, url, body in requests(group, teacher(school)):
        response = call(client, method, url, body, headers)
        assert response.status_code == 403, url
        assert response.json()["detail"] == "Группами доступа управляют руководитель и администратор ОО."
    assert not AccessGroupMember.objects.exists()


def test_r13_a_district_methodist_gets_403(client, school, group):
    headers = bearer(issue(role=Role.METHODIST, municipality=school.municipality, scopes=BOTH))
    for method, url, body in requests(group, teacher(school)):
        assert call(client, method, url, body, headers).status_code == 403, url


def test_a_read_token_cannot_change_members(client, school, group):
    headers = token(school, scopes=(SCOPE_READ,))
    person = teacher(school)
    response = client.post(f"/api/v1/access-groups/{group.pk}/members", {"person_ids": [person.pk]},
                           content_type="application/json", **headers)
    assert response.status_code == 403 and "staff:write" in response.json()["detail"]
    assert not AccessGroupMember.objects.exists()


def test_a_write_only_token_cannot_read(client, school, group):
    headers = token(school, scopes=(SCOPE_STAFF_WRITE,))
    assert client.get("/api/v1/access-groups", **headers).status_code == 403


def test_r13_the_advanced_search_through_the_api(client, school, group):
    add_as_admin(school, group, [teacher(school)])
    headers = token(school)

    found = client.get("/api/v1/access-groups", {
        "organisation": "министерство цифрового развития", "system": "Госуслуги Моя школа",
        "group": "Педагоги. Доступ к УБ ЦОК"}, **headers).json()
    missing = client.get("/api/v1/access-groups", {"system": "Сферум"}, **headers).json()

    assert found["count"] == 1
    item = found["items"][0]
    assert item["id"] == group.pk and item["code"] == UB_TSOK_GROUP_CODE and item["member_count"] == 1
    assert item["system"]["name"] == "Госуслуги Моя школа" and item["system"]["owner_inn"] == "7710474375"
    assert missing == {"count": 0, "items": []}


def test_r13_group_card_counts_only_the_tokens_school(client, school, other_school, group):
    add_as_admin(school, group, [teacher(school), teacher(school)])
    add_as_admin(other_school, group, [teacher(other_school)])

    assert client.get(f"/api/v1/access-groups/{group.pk}", **token(school)).json()["member_count"] == 2
    assert client.get(f"/api/v1/access-groups/{group.pk}", **token(other_school)).json()["member_count"] == 1
    missing = client.get("/api/v1/access-groups/999999", **token(school))
    assert missing.status_code == 404 and missing.json()["detail"] == "Группа доступа не найдена."
    assert missing["Content-Type"].startswith("application/problem+json") and missing.json()["status"] == 404


def test_r13_members_of_another_school_are_never_listed(client, school, other_school, group):
    mine = teacher(school, surname="Своя")
    add_as_admin(school, group, [mine])
    add_as_admin(other_school, group, [teacher(other_school, surname="Чужакова")])

    listed = client.get(f"/api/v1/access-groups/{group.pk}/members", **token(school)).json()

    assert listed["count"] == 1
    member = listed["items"][0]
    assert member["person"]["id"] == mine.pk and member["is_employee"] is True
    assert member["snils"] == mask_snils(mine.snils)  # masked in lists
    searched = client.get(f"/api/v1/access-groups/{group.pk}/members", {"q": "чужакова"}, **token(school)).json()
    assert searched["count"] == 0


def test_r13_adding_several_at_once_and_again_is_harmless(client, school, group):
    first, second = teacher(school), teacher(school)
    url = f"/api/v1/access-groups/{group.pk}/members"
    headers = token(school)

    response = client.post(url, {"person_ids": [first.pk, second.pk]}, content_type="application/json", **headers)
    again = client.post(url, {"person_ids": [second.pk, second.pk]}, content_type="application/json", **headers)

    assert response.status_code == 200 and response.json() == {"requested": 2, "added": 2}
    assert again.json() == {"requested": 1, "added": 0}
    assert AccessGroupMember.objects.filter(group=group, organisation=school).count() == 2
    entry = AuditEntry.objects.filter(action="access_group.members_add").first()
    assert entry.organisation == school and entry.actor is None and "Администратор ОО" in entry.actor_role


@pytest.mark.parametrize("body, detail", [
    ({"person_ids": []}, "Выберите хотя бы одного сотрудника."),
    ({"person_ids": [999_999_999]}, "Не найдены среди сотрудников «МБОУ СОШ № 5» (идентификаторы): 999999999."),
])
def test_r13_bad_input_is_a_422_in_russian_and_changes_nothing(client, school, group, body, detail):
    response = client.post(f"/api/v1/access-groups/{group.pk}/members", body, content_type="application/json",
                           **token(school))
    assert response.status_code == 422 and detail in response.json()["detail"]
    assert not AccessGroupMember.objects.exists() and not AuditEntry.objects.filter(action__startswith="access").exists()


def test_r13_another_schools_employee_cannot_be_added_and_is_not_named(client, school, other_school, group):
    theirs = teacher(other_school, surname="Чужакова")
    response = client.post(f"/api/v1/access-groups/{group.pk}/members", {"person_ids": [theirs.pk]},
                           content_type="application/json", **token(school))
    assert response.status_code == 422
    assert "Чужакова" not in response.json()["detail"] and str(theirs.pk) in response.json()["detail"]
    assert not AccessGroupMember.objects.exists()


def test_r13_a_parent_of_the_school_is_refused_by_name(client, school, group):
    parent = make_membership(person=make_person(surname="Родителева", name="Ольга", patronymic="Ивановна"),
                             role=Role.PARENT, organisation=school).person
    response = client.post(f"/api/v1/access-groups/{group.pk}/members", {"person_ids": [parent.pk]},
                           content_type="application/json", **token(school))
    assert response.status_code == 422 and "Родителева О. И." in response.json()["detail"]


def test_a_malformed_body_is_a_422_in_russian(client, school, group):
    response = client.post(f"/api/v1/access-groups/{group.pk}/members", {"person_ids": "все"},
                           content_type="application/json", **token(school))
    assert response.status_code == 422 and "person_ids" in response.json()["detail"]


def test_r13_removing_through_the_api(client, school, group):
    stays, leaves = teacher(school), teacher(school)
    add_as_admin(school, group, [stays, leaves])
    url = f"/api/v1/access-groups/{group.pk}/members/remove"
    headers = token(school)

    response = client.post(url, {"person_ids": [leaves.pk]}, content_type="application/json", **headers)
    again = client.post(url, {"person_ids": [leaves.pk]}, content_type="application/json", **headers)
    never = client.post(url, {"person_ids": [teacher(school, surname="Новенькая", name="Ия", patronymic="").pk]},
                        content_type="application/json", **headers)

    assert response.json() == {"requested": 1, "removed": 1}
    assert again.json() == {"requested": 1, "removed": 0}
    assert never.status_code == 422 and "Не состоят в группе: Новенькая И." in never.json()["detail"]
    listed = client.get(f"/api/v1/access-groups/{group.pk}/members", **headers).json()
    assert [m["person"]["id"] for m in listed["items"]] == [stays.pk]


def test_the_endpoints_are_described_in_the_openapi_spec(client):
    spec = client.get("/api/v1/openapi.json").json()
    for path in ("/api/v1/access-groups", "/api/v1/access-groups/{group_id}", "/api/v1/access-groups/{group_id}/members",
                 "/api/v1/access-groups/{group_id}/members/remove"):
        assert path in spec["paths"], path
    post = spec["paths"]["/api/v1/access-groups/{group_id}/members"]["post"]
    assert post["summary"] == "Присоединить сотрудников к группе" and "staff:write" in post["description"]


def test_r13_adding_500_through_the_api_costs_as_many_queries_as_adding_5(client, school, group):
    headers = token(school)
    url = f"/api/v1/access-groups/{group.pk}/members"
    client.get("/api/v1/me", **headers)  # the token's «last used» is written once a minute: not in the count

    counts = []
    for size in (5, 500):
        ids = [p.pk for p in add_employees(organisation=school, count=size)]
        with CaptureQueriesContext(connection) as captured:
            response = client.post(url, {"person_ids": ids}, content_type="application/json", **headers)
        assert response.json() == {"requested": size, "added": size}
        counts.append(len(captured))
    assert counts[0] == counts[1]
