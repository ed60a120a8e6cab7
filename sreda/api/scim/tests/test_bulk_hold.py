"""The sync hold of SCIM Bulk (issue #10, item 1): a Bulk request that would end or move more of the token's
school's roles than its thresholds is held — 409 in SCIM's Error format, nothing changed — and applied only when
the school's administrator approves it (page or API), exactly as previewed.

R4 (the school IS's list is the roster): a broken IS sync that deletes half a class must not end those people.
R25 (the chats follow the roster): a held request sends no `roster_applied` and leaves no chat trigger, so the
chats keep everyone. Real database, the whole Django stack through the test client; nothing is faked.
"""
import pytest
from django.urls import reverse

from sreda.api.models import SCOPE_ROSTER_WRITE
from sreda.api.scim.tests.helpers import SREDA, Scim, scim_token, user_body
from sreda.api.tests.factories import bearer, issue, make_school
from sreda.core.models import AuditEntry
from sreda.core.testing import act_as, make_class, make_member
from sreda.people.models import Membership, Person
from sreda.people.roles import Role
from sreda.roster.models import HeldImport, HeldKind, HoldStatus
from sreda.roster.signals import roster_applied

pytestmark = pytest.mark.django_db(transaction=True)
BULK = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"
STUDENTS = 30  # 30 students, 30 parents and a teacher: 61 active roles; 10 % is 6


@pytest.fixture
def big(db):
    return make_school(students=STUDENTS)


@pytest.fixture
def scim(client, big):
    return Scim(client, scim_token(big))


@pytest.fixture
def signals():
    sent = []

    def listen(sender, organisation_ids=(), **kwargs):
        sent.append(list(organisation_ids))

    roster_applied.connect(listen, dispatch_uid="test_bulk_hold_listen")
    yield sent
    roster_applied.disconnect(dispatch_uid="test_bulk_hold_listen")


def active(school) -> set[tuple]:
    return set(Membership.objects.active().filter(organisation=school.organisation)
               .values_list("person_id", "role", "school_class_id"))


def deletes(school, n: int) -> list[dict]:
    return [{"method": "DELETE", "path": f"/Users/{m.person_id}"} for m in school.students[:n]]


def new_teacher(n: int = 1) -> dict:
    return {"method": "POST", "path": "/Users", "bulkId": f"t{n}",
            "data": user_body(f"teacher{n}", external_id=f"ext-t{n}", role="teacher")}


def test_a_bulk_ending_a_third_of_the_class_is_held_and_changes_nothing(scim, big, signals):
    """Given a school of 61 active roles, when its IS sends a Bulk deleting 10 students and creating a teacher, the
    answer is 409 in SCIM's Error format naming the held import and what to do; no role ends, the teacher is not
    created, no audit of the operations remains and no roster_applied is sent (R25)."""
    before = active(big)
    audit_before = AuditEntry.objects.exclude(action="roster.held").count()

    response = scim.post("/Bulk", {"schemas": [BULK], "Operations": [new_teacher(), *deletes(big, 10)]})

    assert response.status_code == 409, response.content
    body = response.json()
    held = HeldImport.objects.get()
    assert body["schemas"] == [ERROR] and body["status"] == "409"
    assert f"№ {held.pk}" in body["detail"] and "Ничего не изменено" in body["detail"]
    assert f"/roster/import/held/{held.pk}/" in body["detail"] and "approve" in body["detail"]
    assert active(big) == before and not Person.objects.filter(external_id="ext-t1").exists()
    assert AuditEntry.objects.exclude(action="roster.held").count() == audit_before and signals == []
    assert (held.kind, held.status, held.organisation_id) == (HeldKind.SCIM, HoldStatus.HELD, big.organisation.pk)
    assert (held.ended_count, held.moved_count, held.created_count) == (10, 0, 1)
    assert len(held.payload["Operations"]) == 11 and held.file_path == "" and held.original_name == ""
    ended = {p["name"] for p in held.preview["schools"][0]["ended"]}
    assert ended == {m.person.full_name for m in big.students[:10]}
    assert AuditEntry.objects.filter(action="roster.held", organisation=big.organisation).exists()


def test_a_small_bulk_is_applied_as_before(scim, big, signals):
    """Under the thresholds nothing is held: two deletions and a new teacher apply, each with its own status."""
    response = scim.post("/Bulk", {"schemas": [BULK], "Operations": [new_teacher(), *deletes(big, 2)]})
    assert response.status_code == 200
    assert [a["status"] for a in response.json()["Operations"]] == ["201", "204", "204"]
    assert not HeldImport.objects.exists() and len(active(big)) == 2 * STUDENTS + 1 - 2 + 1
    assert signals == [[big.organisation.pk]]


def test_approving_reruns_the_bulk_and_applies_exactly_the_preview(client, scim, big, signals):
    """Given a held Bulk, when the school's administrator approves it on the page, the stored request is run again:
    exactly the previewed students end, the teacher is created, the chats are re-synced (R25)."""
    scim.post("/Bulk", {"schemas": [BULK], "Operations": [new_teacher(), *deletes(big, 10)]})
    held = HeldImport.objects.get()
    would_end = {p["name"] for p in held.preview["schools"][0]["ended"]}
    before = active(big)
    user, membership = make_member(role=Role.ADMINISTRATOR, organisation=big.organisation)
    act_as(client, user, membership)
    signals.clear()

    response = client.post(reverse("roster:held_approve", args=[held.pk]))

    assert response.status_code == 302
    gone = before - active(big)
    assert {Person.objects.get(pk=pid).full_name for pid, _, _ in gone} == would_end
    assert Person.objects.filter(external_id="ext-t1", memberships__role=Role.TEACHER).exists()
    assert signals == [[big.organisation.pk]]
    held.refresh_from_db()
    assert held.status == HoldStatus.APPROVED and held.decided_by == user
    assert AuditEntry.objects.filter(action="scim.user_delete", actor=user).count() == 10


def test_approving_through_the_api_and_a_changed_school_holds_again(client, scim, big):
    """When a student was deleted meanwhile, the stored Bulk would now end nine, not ten: approval through the API
    applies nothing and holds it again (409); approving the new hold applies it."""
    scim.post("/Bulk", {"schemas": [BULK], "Operations": deletes(big, 10)})
    held = HeldImport.objects.get()
    assert scim.delete(f"/Users/{big.students[0].person_id}").status_code == 204
    before = active(big)
    auth = bearer(issue(organisation=big.organisation, scopes=(SCOPE_ROSTER_WRITE,)))
    url = f"/api/v1/orgs/{big.organisation.pk}/roster/held"

    response = client.post(f"{url}/{held.pk}/approve", **auth)

    assert response.status_code == 409 and active(big) == before
    again = HeldImport.objects.get(status=HoldStatus.HELD)
    assert response.json()["held"]["id"] == again.pk and again.kind == HeldKind.SCIM and again.ended_count == 9
    assert HeldImport.objects.get(pk=held.pk).status == HoldStatus.SUPERSEDED

    applied = client.post(f"{url}/{again.pk}/approve", **auth)
    assert applied.status_code == 200 and applied.json()["ended"] == 9
    assert len(active(big)) == len(before) - 9


def test_moving_half_the_class_is_held_as_moves(scim, big):
    """PATCH department 5А → 5Б for 10 students is previewed as ten moves, not ten endings and ten creations."""
    make_class(organisation=big.organisation, letter="Б", school_year=big.school_class.school_year)
    ops = [{"method": "PATCH", "path": f"/Users/{m.person_id}", "data": {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
                        "value": "5Б"}]}} for m in big.students[:10]]

    response = scim.post("/Bulk", {"schemas": [BULK], "Operations": ops})

    assert response.status_code == 409, response.content
    school = HeldImport.objects.get().preview["schools"][0]
    assert (school["ended_count"], school["moved_count"], school["created_count"]) == (0, 10, 0)
    assert {(p["from"], p["to"]) for p in school["moved"]} == {("5А", "5Б")}


def test_the_held_page_shows_a_scim_hold_as_scim(client, scim, big):
    """The list and the preview name the source «SCIM» and the number of operations, no file name."""
    scim.post("/Bulk", {"schemas": [BULK], "Operations": deletes(big, 10)})
    held = HeldImport.objects.get()
    user, membership = make_member(role=Role.ADMINISTRATOR, organisation=big.organisation)
    act_as(client, user, membership)

    listing = client.get(reverse("roster:held_list")).content.decode()
    detail = client.get(reverse("roster:held_detail", args=[held.pk])).content.decode()

    assert ">SCIM<" in listing and "Файл «" not in listing and "10 / 0 / 0" in listing
    assert "Источник: SCIM" in detail and "операций: 10" in detail and "Файл «" not in detail


def test_a_token_of_another_kind_is_never_held(client, big):
    """A district's token writes nothing through SCIM (403 per operation): there is nothing to hold."""
    district = Scim(client, issue(role=Role.METHODIST, municipality=big.municipality, scopes=("scim",)))
    response = district.post("/Bulk", {"schemas": [BULK], "Operations": deletes(big, 10)})
    assert response.status_code == 200 and {a["status"] for a in response.json()["Operations"]} == {"403"}
    assert not HeldImport.objects.exists()


def test_a_user_created_by_bulk_keeps_its_scim_representation(scim, big):
    """The outer transaction changes nothing of what an applied Bulk answers (issue #9's behaviour)."""
    response = scim.post("/Bulk", {"schemas": [BULK], "Operations": [new_teacher()]})
    answer = response.json()["Operations"][0]
    one = scim.get("/Users/" + answer["location"].rsplit("/", 1)[1]).json()
    assert one[SREDA]["role"] == "teacher" and one["meta"]["version"] == answer["version"]
