"""SCIM Groups = access groups (R13): the employees of the token's school in a group of a system."""
import pytest

from sreda.access.models import AccessGroup, AccessGroupMember
from sreda.access.selectors import UB_TSOK_GROUP_CODE
from sreda.api.scim.tests.helpers import Scim, scim_token
from sreda.core.models import AuditEntry
from sreda.core.testing import make_membership, make_person
from sreda.people.models import Membership
from sreda.people.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(client, school):
    return Scim(client, scim_token(school))


@pytest.fixture
def group():
    return AccessGroup.objects.get(code=UB_TSOK_GROUP_CODE)


def members(api, group) -> list[str]:
    return [m["value"] for m in api.get(f"/Groups/{group.pk}").json().get("members", [])]


def test_list_get_and_filter_by_display_name(api, group):
    """R13: the seed group «Педагоги. Доступ к УБ ЦОК» is found by its name."""
    listed = api.get("/Groups", filter='displayName co "УБ ЦОК"').json()
    assert [r["id"] for r in listed["Resources"]] == [str(group.pk)]
    assert api.get("/Groups", filter='displayName eq "нет такой"').json()["totalResults"] == 0
    one = api.get(f"/Groups/{group.pk}")
    assert one.status_code == 200 and one.json()["displayName"] == group.name and one["ETag"]
    assert api.get("/Groups/999999").status_code == 404


def test_patch_adds_an_employee_through_the_r13_service(api, school, group):
    """«Присоединить нового сотрудника» from the school IS: a member row, audited."""
    response = api.patch(f"/Groups/{group.pk}", [
        {"op": "add", "path": "members", "value": [{"value": str(school.teacher.pk)}]}])
    assert response.status_code == 204, response.content  # PATCH of a group answers without a body
    assert members(api, group) == [str(school.teacher.pk)]
    assert AccessGroupMember.objects.filter(group=group, person=school.teacher, organisation=school.organisation,
                                            removed_at__isnull=True).exists()
    assert AuditEntry.objects.filter(action="access_group.members_add").exists()
    again = api.patch(f"/Groups/{group.pk}", [
        {"op": "add", "path": "members", "value": [{"value": str(school.teacher.pk)}]}])
    assert again.status_code == 204 and AccessGroupMember.objects.filter(group=group).count() == 1  # idempotent


def test_a_student_is_not_an_employee_400_in_russian_nothing_changes(api, school, group):
    student = school.students[0].person
    response = api.patch(f"/Groups/{group.pk}", [{"op": "add", "path": "members", "value": [
        {"value": str(school.teacher.pk)}, {"value": str(student.pk)}]}])
    assert response.status_code == 400
    assert "Не сотрудники" in response.json()["detail"] and "Ничего не изменено" in response.json()["detail"]
    assert not AccessGroupMember.objects.filter(group=group).exists()


def test_remove_by_filter_keeps_history_and_put_replaces_members(api, school, group):
    second = make_person(surname="Белова")
    make_membership(person=second, role=Role.STAFF, organisation=school.organisation)
    api.patch(f"/Groups/{group.pk}", [{"op": "add", "path": "members",
                                       "value": [{"value": str(school.teacher.pk)}, {"value": str(second.pk)}]}])
    removed = api.patch(f"/Groups/{group.pk}", [
        {"op": "remove", "path": f'members[value eq "{school.teacher.pk}"]'}])
    assert removed.status_code == 204 and members(api, group) == [str(second.pk)]
    row = AccessGroupMember.objects.get(group=group, person=school.teacher)
    assert row.removed_at is not None  # history stays
    replaced = api.put(f"/Groups/{group.pk}", {"schemas": [], "displayName": group.name,
                                               "members": [{"value": str(school.teacher.pk)}]})
    assert replaced.status_code == 200, replaced.content
    assert members(api, group) == [str(school.teacher.pk)]


def test_groups_cannot_be_created_renamed_or_deleted(api, group):
    """R13: groups belong to a system of an owner, shared by every school."""
    created = api.post("/Groups", {"schemas": [], "displayName": "Своя группа"})
    assert created.status_code == 403 and "R13" in created.json()["detail"]
    assert api.delete(f"/Groups/{group.pk}").status_code == 403
    renamed = api.patch(f"/Groups/{group.pk}", [{"op": "replace", "path": "displayName", "value": "Другое"}])
    assert renamed.status_code == 400 and renamed.json()["scimType"] == "mutability"
    assert AccessGroup.objects.filter(pk=group.pk, name=group.name).exists()
    assert not AccessGroup.objects.filter(name="Своя группа").exists()


def test_another_school_sees_none_of_our_members_and_cannot_add_them(client, api, school, other_school, group):
    """R13/R29: members are read per school; school B's token cannot add school A's teacher."""
    api.patch(f"/Groups/{group.pk}", [{"op": "add", "path": "members", "value": [{"value": str(school.teacher.pk)}]}])
    other = Scim(client, scim_token(other_school))
    assert members(other, group) == []
    refused = other.patch(f"/Groups/{group.pk}", [{"op": "add", "path": "members",
                                                   "value": [{"value": str(school.teacher.pk)}]}])
    assert refused.status_code == 400 and "Не найдены среди сотрудников" in refused.json()["detail"]
    assert AccessGroupMember.objects.filter(group=group).count() == 1


def test_group_list_queries_do_not_grow_with_members(api, school, group):
    """Rules of the house 6: the groups page costs the same with 1 or 20 members."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count_queries():
        with CaptureQueriesContext(connection) as ctx:
            assert api.get("/Groups").status_code == 200
        return len(ctx.captured_queries)

    api.patch(f"/Groups/{group.pk}", [{"op": "add", "path": "members", "value": [{"value": str(school.teacher.pk)}]}])
    few = count_queries()
    staff = []
    for _ in range(20):
        person = make_person()
        make_membership(person=person, role=Role.TEACHER, organisation=school.organisation)
        staff.append({"value": str(person.pk)})
    assert api.patch(f"/Groups/{group.pk}", [{"op": "add", "path": "members", "value": staff}]).status_code == 204
    assert count_queries() == few
    assert len(members(api, group)) == 21


def test_a_stale_if_match_on_a_group_is_412_and_changes_nothing(api, school, group):
    response = api.patch(f"/Groups/{group.pk}", [{"op": "add", "path": "members",
                                                  "value": [{"value": str(school.teacher.pk)}]}],
                         HTTP_IF_MATCH='W/"stale"')
    assert response.status_code == 412 and response.json()["status"] == "412"
    assert not AccessGroupMember.objects.filter(group=group).exists()


def test_search_by_post(api, group):
    response = api.post("/Groups/.search", {"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
                                            "filter": f'externalId eq "{group.code}"', "attributes": ["displayName"]})
    assert response.status_code == 200
    assert response.json()["Resources"] == [{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                                            "id": str(group.pk), "displayName": group.name,
                                            "meta": response.json()["Resources"][0]["meta"]}]


def test_deleting_a_user_removes_them_from_the_schools_groups_keeping_history(client, api, school, other_school, group):
    """Given a teacher of school A (who also works at school B) in the group for both schools; when A's IS
    deletes the user, then A's /Groups no longer lists them (no member whose /Users answers 404), the row
    ends through the R13 service (audited) and stays as history; B's membership of the same person stays."""
    teacher = school.teacher
    make_membership(person=teacher, role=Role.TEACHER, organisation=other_school.organisation)
    other = Scim(client, scim_token(other_school))
    for side in (api, other):
        added = side.patch(f"/Groups/{group.pk}", [{"op": "add", "path": "members",
                                                    "value": [{"value": str(teacher.pk)}]}])
        assert added.status_code == 204, added.content
    assert members(api, group) == [str(teacher.pk)]

    assert api.delete(f"/Users/{teacher.pk}").status_code == 204

    assert api.get(f"/Users/{teacher.pk}").status_code == 404
    assert members(api, group) == []
    listed = api.get("/Groups", filter=f'id eq "{group.pk}"').json()["Resources"][0]
    assert listed.get("members", []) == []
    row = AccessGroupMember.objects.get(group=group, person=teacher, organisation=school.organisation)
    assert row.removed_at is not None  # history stays
    removal = AuditEntry.objects.get(action="access_group.members_remove", organisation=school.organisation)
    assert removal.details["person_ids"] == [teacher.pk]
    assert AuditEntry.objects.get(action="scim.user_delete").details["groups_left"] == 1
    assert members(other, group) == [str(teacher.pk)]  # school B's row is B's business
    still = AccessGroupMember.objects.filter(organisation=other_school.organisation, removed_at__isnull=True)
    assert still.count() == 1


def test_deactivating_a_teacher_or_deleting_a_director_leaves_no_stale_member(api, school, group):
    """«active: false» ends the teacher's role, so the teacher is no longer an employee and leaves the group.
    SCIM never ends a director's role (R6–R7), but a DELETE hides the director from /Users, so the director
    leaves the school's groups too: /Groups lists no one whose /Users is 404."""
    director = make_person(surname="Директорова")
    make_membership(person=director, role=Role.DIRECTOR, organisation=school.organisation)
    both = [{"value": str(school.teacher.pk)}, {"value": str(director.pk)}]
    assert api.patch(f"/Groups/{group.pk}", [{"op": "add", "path": "members", "value": both}]).status_code == 204

    off = api.patch(f"/Users/{school.teacher.pk}", [{"op": "replace", "path": "active", "value": False}])
    assert off.status_code == 200 and off.json()["active"] is False

    assert members(api, group) == [str(director.pk)]
    assert AccessGroupMember.objects.get(group=group, person=school.teacher).removed_at is not None

    assert api.delete(f"/Users/{director.pk}").status_code == 204

    assert api.get(f"/Users/{director.pk}").status_code == 404
    assert members(api, group) == []
    assert AccessGroupMember.objects.get(group=group, person=director).removed_at is not None
    assert Membership.objects.get(person=director).is_active  # the director's role itself is the region's
