"""SCIM Bulk (RFC 7644 §3.7): a school IS sends its staff in one request (issue #9; R12, R13, R29)."""
import pytest

from sreda.access.models import AccessGroup, AccessGroupMember
from sreda.access.selectors import UB_TSOK_GROUP_CODE
from sreda.api.scim.tests.helpers import SREDA, Scim, scim_token, user_body
from sreda.core.models import AuditEntry
from sreda.people.models import Membership, MembershipOrigin, Person, User
from sreda.people.roles import Role

pytestmark = pytest.mark.django_db
BULK = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"


def post(n, **kw):
    return {"method": "POST", "path": "/Users", "bulkId": f"b{n}", "data": user_body(f"user{n}", external_id=f"ext{n}", **kw)}


def test_bulk_creates_people_roles_accounts_and_audit_in_one_request(client, school):
    api = Scim(client, scim_token(school))
    response = api.post("/Bulk", {"schemas": [BULK], "Operations": [
        post(1, role="teacher"), post(2, role="student", department="5А"), post(3)]})
    assert response.status_code == 200, response.content
    answers = response.json()["Operations"]
    assert [a["status"] for a in answers] == ["201", "201", "201"]
    ids = [a["location"].rsplit("/", 1)[1] for a in answers]
    roles = dict(Membership.objects.filter(person_id__in=ids).values_list("person__external_id", "role"))
    assert roles == {"ext1": Role.TEACHER, "ext2": Role.STUDENT, "ext3": Role.STAFF}
    assert Membership.objects.get(person__external_id="ext2").school_class == school.school_class
    assert set(Membership.objects.filter(person_id__in=ids).values_list("origin", flat=True)) == {MembershipOrigin.ROSTER}
    assert User.objects.filter(person_id__in=ids, username__startswith="user").count() == 3
    assert not User.objects.get(username="user1").has_usable_password()
    assert AuditEntry.objects.filter(action="scim.user_create", object_id__in=ids).count() == 3
    one = api.get(f"/Users/{ids[1]}").json()
    assert one[SREDA]["role"] == "student" and one["meta"]["version"] == answers[1]["version"]


def test_each_operation_answers_its_own_error_and_the_rest_are_created(client, school):
    api = Scim(client, scim_token(school))
    api.post("/Users", user_body("taken", external_id="ext-old"))
    response = api.post("/Bulk", {"schemas": [BULK], "Operations": [
        post(1), {"method": "POST", "path": "/Users", "bulkId": "dup", "data": user_body("TAKEN")},
        post(2, role="student"), post(3), {"method": "POST", "path": "/Users", "data": user_body("again", external_id="ext3")},
        {"method": "POST", "path": "/Users", "data": user_body("known", external_id="ext-old")}]})
    statuses = [a["status"] for a in response.json()["Operations"]]
    assert statuses == ["201", "409", "400", "201", "409", "409"]
    assert "класс" in response.json()["Operations"][2]["response"]["detail"]
    assert set(Person.objects.filter(external_id__startswith="ext").values_list("external_id", flat=True)) == {
        "ext-old", "ext1", "ext3"}


def test_bulk_ids_connect_a_new_user_to_a_group_and_other_methods_work(client, school):
    """R13: a new teacher and their access group in one request, by bulkId."""
    api = Scim(client, scim_token(school))
    group = AccessGroup.objects.get(code=UB_TSOK_GROUP_CODE)
    response = api.post("/Bulk", {"schemas": [BULK], "Operations": [
        post(1, role="teacher"),
        {"method": "PATCH", "path": f"/Groups/{group.pk}", "data": {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "add", "path": "members", "value": [{"value": "bulkId:b1"}]}]}},
        {"method": "PATCH", "path": "/Users/bulkId:b1", "data": {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "replace", "path": "name.givenName", "value": "Вера"}]}},
        {"method": "DELETE", "path": f"/Users/{school.students[0].person_id}"},
        {"method": "DELETE", "path": f"/Groups/{group.pk}"},
    ]})
    assert [a["status"] for a in response.json()["Operations"]] == ["201", "204", "200", "204", "403"]
    person = Person.objects.get(external_id="ext1")
    assert person.name == "Вера"
    assert AccessGroupMember.objects.filter(group=group, person=person, removed_at__isnull=True).exists()
    assert not school.students[0].__class__.objects.get(pk=school.students[0].pk).is_active


def test_fail_on_errors_stops_and_a_bad_request_is_refused(client, school):
    api = Scim(client, scim_token(school))
    response = api.post("/Bulk", {"schemas": [BULK], "failOnErrors": 1, "Operations": [
        {"method": "POST", "path": "/Users", "data": {"userName": "x"}}, post(1)]})
    assert [a["status"] for a in response.json()["Operations"]] == ["400"]
    assert not Person.objects.filter(external_id="ext1").exists()
    assert api.post("/Bulk", {"Operations": []}).status_code == 400
    too_many = api.post("/Bulk", {"schemas": [BULK], "Operations": [post(n) for n in range(1001)]})
    assert too_many.status_code == 413 and not Person.objects.filter(external_id="ext1").exists()


def test_a_district_token_cannot_bulk_create(client, school):
    from sreda.api.tests.factories import issue

    district = Scim(client, issue(role=Role.METHODIST, municipality=school.municipality, scopes=("scim",)))
    response = district.post("/Bulk", {"schemas": [BULK], "Operations": [post(1)]})
    assert response.json()["Operations"][0]["status"] == "403"
    assert not Person.objects.filter(external_id="ext1").exists()
