"""The four clients for every endpoint: anonymous → 401, another tenant → 404 (or nothing of ours), the
wrong role → 403/404, the right role → 200 with data. The token's role decides, as on the pages (R1)."""
import pytest

from sreda.api.tests.factories import bearer
from sreda.people.roles import Role

pytestmark = pytest.mark.django_db

# endpoint → (url template, the id of school A's object, what the wrong role gets, a check of the right
# role's answer)
OBJECT_ENDPOINTS = {
    "organisation": ("/api/v1/organisations/{}", lambda s: s.organisation.pk, 403,
                     lambda s, d: d["inn"] == s.organisation.inn),
    "classes": ("/api/v1/organisations/{}/classes", lambda s: s.organisation.pk, 403,
                lambda s, d: [c["title"] for c in d["items"]] == ["5А"]),
    "class": ("/api/v1/classes/{}", lambda s: s.school_class.pk, 403,
              lambda s, d: len(d["students"]) == len(s.students)),
    "people": ("/api/v1/organisations/{}/people", lambda s: s.organisation.pk, 403,
               lambda s, d: d["count"] == 1 + 2 * len(s.students)),
    "person": ("/api/v1/people/{}", lambda s: s.students[0].person_id, 404,
               lambda s, d: d["id"] == s.students[0].person_id),
    "memberships": ("/api/v1/memberships?organisation_id={}", lambda s: s.organisation.pk, 403,
                    lambda s, d: d["count"] == 1 + 2 * len(s.students)),
}


def url_of(endpoint: str, school) -> str:
    template, object_id, _, _ = OBJECT_ENDPOINTS[endpoint]
    return template.format(object_id(school))


@pytest.mark.parametrize("endpoint", list(OBJECT_ENDPOINTS))
def test_anonymous_gets_401(client, school, endpoint):
    response = client.get(url_of(endpoint, school))

    assert response.status_code == 401
    assert "Bearer" in response.json()["detail"]


@pytest.mark.parametrize("endpoint", list(OBJECT_ENDPOINTS))
def test_another_school_gets_the_same_404_as_for_a_missing_object(client, school, other_school, endpoint):
    """No existence leaks: school B's administrator cannot tell school A's object from a missing one."""
    headers = bearer(other_school.token(Role.ADMINISTRATOR))

    foreign = client.get(url_of(endpoint, school), **headers)
    missing = client.get(OBJECT_ENDPOINTS[endpoint][0].format(999_999_999), **headers)

    assert foreign.status_code == 404
    assert foreign.json() == missing.json()
    assert "недоступ" in foreign.json()["detail"]


@pytest.mark.parametrize("endpoint", list(OBJECT_ENDPOINTS))
def test_a_parent_of_the_same_school_is_the_wrong_role(client, school, endpoint):
    """A parent's role does not see the roster (R1): 403 with the reason, or 404 where the role might see
    some people (itself) but not this one."""
    expected = OBJECT_ENDPOINTS[endpoint][2]

    response = client.get(url_of(endpoint, school), **bearer(school.token(Role.PARENT)))

    assert response.status_code == expected
    assert response.json()["detail"]


@pytest.mark.parametrize("endpoint", list(OBJECT_ENDPOINTS))
@pytest.mark.parametrize("role", [Role.ADMINISTRATOR, Role.TEACHER, Role.METHODIST, Role.REGIONAL_OPERATOR])
def test_the_right_role_reads_the_data(client, school, other_school, endpoint, role):
    check = OBJECT_ENDPOINTS[endpoint][3]

    response = client.get(url_of(endpoint, school), **bearer(school.token(role)))

    assert response.status_code == 200, response.json()
    assert check(school, response.json())


def test_regions_are_seen_by_the_regional_operator_of_that_region_only(client, school, other_school):
    url = "/api/v1/regions"
    assert client.get(url).status_code == 401

    own = client.get(url, **bearer(school.token(Role.REGIONAL_OPERATOR))).json()
    foreign = client.get(url, **bearer(other_school.token(Role.REGIONAL_OPERATOR))).json()
    school_role = client.get(url, **bearer(school.token(Role.ADMINISTRATOR))).json()

    assert [r["code"] for r in own["items"]] == [school.region.code]
    assert school.region.code not in [r["code"] for r in foreign["items"]]
    assert school_role == {"count": 0, "items": []}


def test_municipalities_are_seen_within_the_role_scope(client, school, other_school):
    url = "/api/v1/municipalities"
    assert client.get(url).status_code == 401

    methodist = client.get(url, **bearer(school.token(Role.METHODIST))).json()
    foreign = client.get(url, **bearer(other_school.token(Role.METHODIST))).json()
    parent = client.get(url, **bearer(school.token(Role.PARENT))).json()

    assert [m["name"] for m in methodist["items"]] == [school.municipality.name]
    assert methodist["items"][0]["region"]["code"] == school.region.code
    assert school.municipality.name not in [m["name"] for m in foreign["items"]]
    assert parent["count"] == 0


def test_any_role_finds_a_school_by_name_or_inn(client, school, other_school):
    """R5: search is open to every role, a parent of another school included; anonymous still needs a token."""
    url = f"/api/v1/organisations?q={school.organisation.inn}"
    assert client.get(url).status_code == 401

    response = client.get(url, **bearer(other_school.token(Role.PARENT)))

    assert response.status_code == 200
    assert [o["id"] for o in response.json()["items"]] == [school.organisation.pk]
