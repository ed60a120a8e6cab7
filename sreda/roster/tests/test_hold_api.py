"""The roster import and its sync hold through the REST API (issue #10, item 1): POST …/roster/imports, the held
imports, approve and reject.

R4 (the roster is the school registry's list): a truncated export sent by a school IS is held, not applied —
409 problem details naming the held import — and nothing changes. R25 (a roster import re-syncs the chats): a
held import sends no `roster_applied`, so the chats keep everyone; approving it applies exactly the preview.
Real database, real files, the whole Django stack through the test client; nothing is faked.
"""
import pytest

from sreda.api.models import SCOPE_READ, SCOPE_ROSTER_WRITE
from sreda.api.tests.factories import bearer, issue
from sreda.core.audit import AuditEntry
from sreda.people.models import Membership
from sreda.people.roles import Role
from sreda.roster.models import HeldImport, HoldStatus, RosterImport
from sreda.roster.signals import roster_applied
from sreda.roster.tests.factories import school_roster, template_rows, write_template_csv

pytestmark = pytest.mark.django_db(transaction=True)
STUDENTS = 20


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def signals():
    sent = []

    def listen(sender, organisation_ids=(), **kwargs):
        sent.append(list(organisation_ids))

    roster_applied.connect(listen, dispatch_uid="test_hold_api_listen")
    yield sent
    roster_applied.disconnect(dispatch_uid="test_hold_api_listen")


@pytest.fixture
def auth(school):
    return bearer(issue(role=Role.ADMINISTRATOR, organisation=school, scopes=(SCOPE_ROSTER_WRITE,)))


def full(school, tmp_path, name="full"):
    return school_roster(school_inn=school.inn, students=STUDENTS).zip(tmp_path / f"{name}.zip")


def truncated(school, tmp_path, name="half"):
    """The export cut in half: students s11…s20 are missing."""
    roster = school_roster(school_inn=school.inn, students=STUDENTS)
    for i in range(11, STUDENTS + 1):
        roster.drop("users.csv", sourcedId=f"s{i}").drop("enrollments.csv", userSourcedId=f"s{i}")
    return roster.zip(tmp_path / f"{name}.zip")


def upload(client, school, auth, path, **fields):
    with open(path, "rb") as fh:
        return client.post(f"/api/v1/orgs/{school.pk}/roster/imports", {"file": fh, **fields}, **auth)


def active() -> set[tuple]:
    return set(Membership.objects.filter(end_date__isnull=True).values_list(
        "person__external_id", "role", "school_class__external_id"))


@pytest.fixture
def loaded(client, school, auth, tmp_path):
    response = upload(client, school, auth, full(school, tmp_path))
    assert response.status_code == 200, response.content
    return school


def test_an_import_is_applied_and_answers_its_counts(client, school, auth, tmp_path, signals):
    """Given a school and a OneRoster .zip of 22 people, when the IS posts it, it is applied at once: 200 with the
    counts, a row in the school's import journal, and the chats are re-synced (R25)."""
    response = upload(client, school, auth, full(school, tmp_path))

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "applied" and body["created"] == STUDENTS + 2 and body["errors"] == []
    row = RosterImport.objects.get(pk=body["import_id"])
    assert row.organisation == school and row.original_name == "full.zip" and row.summary["created"] == STUDENTS + 2
    assert signals == [[school.pk]]


def test_row_errors_answer_422_with_the_report_and_change_nothing(client, school, auth, tmp_path):
    """A template with a nameless student: 422 naming file, line, column and reason; nothing is imported. With
    skip_bad=true the rest is applied and the line is listed as skipped."""
    rows = template_rows(2)
    rows[1]["Фамилия"] = ""
    path = write_template_csv(tmp_path / "bad.csv", rows)

    response = upload(client, school, auth, path)

    assert response.status_code == 422 and response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["status"] == "rejected" and "Ничего не загружено" in body["message"]
    assert [(e["file"], e["line"]) for e in body["errors"]] == [("bad.csv", 3)] and body["errors"][0]["column"]
    assert not Membership.objects.filter(organisation=school).exists()

    skipped = upload(client, school, auth, path, skip_bad="true")
    assert skipped.status_code == 200 and 3 in [s["line"] for s in skipped.json()["skipped"]]


def test_a_file_of_the_wrong_kind_is_a_problem(client, school, auth, tmp_path):
    path = tmp_path / "roster.pdf"
    path.write_bytes(b"%PDF-1.4")
    response = upload(client, school, auth, path)
    assert response.status_code == 422 and response["Content-Type"].startswith("application/problem+json")
    assert "не подходит" in response.json()["detail"]


def test_a_truncated_export_is_held_409_and_nothing_changes(client, loaded, auth, tmp_path, signals):
    """Given a loaded school, when the IS posts an export missing half the students (R4), the answer is 409
    problem details with a Russian detail and the held import (number, counts, page); no role changes and no
    roster_applied is sent, so the chats keep everyone (R25)."""
    before = active()
    signals.clear()

    response = upload(client, loaded, auth, truncated(loaded, tmp_path))

    assert response.status_code == 409 and response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    held = HeldImport.objects.get()
    assert body["status"] == 409 and body["title"] == "Конфликт" and f"№ {held.pk}" in body["detail"]
    assert "Ничего не изменено" in body["detail"]
    assert (body["held"]["id"], body["held"]["status"], body["held"]["kind"]) == (held.pk, "held", "file")
    assert (body["held"]["ended"], body["held"]["moved"], body["held"]["created"]) == (10, 0, 0)
    assert body["held"]["page_url"].endswith(f"/roster/import/held/{held.pk}/")
    assert active() == before and signals == []


def test_approve_mass_change_applies_at_once(client, loaded, auth, tmp_path):
    response = upload(client, loaded, auth, truncated(loaded, tmp_path), approve_mass_change="true")
    assert response.status_code == 200 and response.json()["ended"] == 10
    assert not HeldImport.objects.exists()


def test_the_held_list_and_preview(client, loaded, auth, tmp_path):
    """GET …/roster/held lists it (paginated, filter by status); GET …/roster/held/{id} names the ten students."""
    upload(client, loaded, auth, truncated(loaded, tmp_path))
    held = HeldImport.objects.get()

    listed = client.get(f"/api/v1/orgs/{loaded.pk}/roster/held", {"status": "held"}, **auth).json()
    assert listed["count"] == 1 and listed["items"][0]["id"] == held.pk and listed["items"][0]["source"] == "half.zip"
    assert client.get(f"/api/v1/orgs/{loaded.pk}/roster/held", {"status": "approved"}, **auth).json()["count"] == 0

    detail = client.get(f"/api/v1/orgs/{loaded.pk}/roster/held/{held.pk}", **auth).json()
    school = detail["schools"][0]
    assert (school["ended_count"], school["moved_count"], school["created_count"]) == (10, 0, 0)
    assert {p["name"] for p in school["ended"]} == {f"Ученикова{i} Анна Сергеевна" for i in range(11, STUDENTS + 1)}
    assert {(p["role"], p["school_class"]) for p in school["ended"]} == {("Обучающийся", "5А")}


def test_approving_through_the_api_applies_exactly_the_preview(client, loaded, auth, tmp_path, signals):
    """Given a held import, when the IS approves it, exactly the previewed students are ended, the chats are
    re-synced once (R25) and the hold is marked applied; a second decision is 409."""
    upload(client, loaded, auth, truncated(loaded, tmp_path))
    held = HeldImport.objects.get()
    would_end = {p["name"] for p in held.preview["schools"][0]["ended"]}
    signals.clear()

    response = client.post(f"/api/v1/orgs/{loaded.pk}/roster/held/{held.pk}/approve", **auth)

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "applied" and response.json()["ended"] == 10
    ended = {m.person.full_name for m in Membership.objects.filter(end_date__isnull=False).select_related("person")}
    assert ended == would_end and signals == [[loaded.pk]]
    held.refresh_from_db()
    assert held.status == HoldStatus.APPROVED
    again = client.post(f"/api/v1/orgs/{loaded.pk}/roster/held/{held.pk}/reject", **auth)
    assert again.status_code == 409 and "уже принято" in again.json()["detail"]
    assert again.json()["held"]["status"] == "approved"


def test_approving_a_stale_preview_holds_it_again(client, loaded, auth, tmp_path):
    """When the school changed after the hold, approval applies nothing: 409 with the new held import."""
    upload(client, loaded, auth, truncated(loaded, tmp_path))
    held = HeldImport.objects.get()
    from sreda.roster.engine.memberships import org_today

    Membership.objects.filter(person__external_id="s19", role=Role.STUDENT).update(end_date=org_today(loaded))
    before = active()

    response = client.post(f"/api/v1/orgs/{loaded.pk}/roster/held/{held.pk}/approve", **auth)

    assert response.status_code == 409 and active() == before
    fresh = HeldImport.objects.get(status=HoldStatus.HELD)
    assert response.json()["held"]["id"] == fresh.pk != held.pk and "удержан заново" in response.json()["detail"]


def test_rejecting_changes_nothing(client, loaded, auth, tmp_path, signals):
    upload(client, loaded, auth, truncated(loaded, tmp_path))
    held = HeldImport.objects.get()
    before = active()
    signals.clear()

    response = client.post(f"/api/v1/orgs/{loaded.pk}/roster/held/{held.pk}/reject", **auth)

    assert response.status_code == 200 and response.json()["status"] == "rejected"
    assert active() == before and signals == []
    assert AuditEntry.objects.filter(action="roster.hold_rejected").count() == 1


@pytest.mark.parametrize("who", ["anonymous", "other school", "read scope", "teacher"])
def test_four_clients_only_the_school_s_administrator_decides(client, loaded, auth, other_school, tmp_path, who):
    """Saleor's four clients: no token (401), another school's token (404, as a missing id), a token without
    `roster:write` (403), a teacher's token (404: the role may not import). None of them uploads, sees, approves
    or rejects anything; the right one (tests above) does."""
    upload(client, loaded, auth, truncated(loaded, tmp_path))
    held = HeldImport.objects.get()
    headers = {
        "anonymous": {},
        "other school": bearer(issue(organisation=other_school, scopes=(SCOPE_ROSTER_WRITE,))),
        "read scope": bearer(issue(organisation=loaded, scopes=(SCOPE_READ,))),
        "teacher": bearer(issue(role=Role.TEACHER, organisation=loaded, scopes=(SCOPE_ROSTER_WRITE,))),
    }[who]
    expected = {"anonymous": 401, "other school": 404, "read scope": 403, "teacher": 404}[who]
    before, audit_before, imports_before = active(), AuditEntry.objects.count(), RosterImport.objects.count()
    base = f"/api/v1/orgs/{loaded.pk}/roster"

    answers = [
        upload(client, loaded, headers, full(loaded, tmp_path, "again"), approve_mass_change="true"),
        client.get(f"{base}/held", **headers),
        client.get(f"{base}/held/{held.pk}", **headers),
        client.post(f"{base}/held/{held.pk}/approve", **headers),
        client.post(f"{base}/held/{held.pk}/reject", **headers),
    ]

    assert [a.status_code for a in answers] == [expected] * 5, [a.content[:200] for a in answers]
    assert all(a["Content-Type"].startswith("application/problem+json") for a in answers)
    assert active() == before and AuditEntry.objects.count() == audit_before
    assert RosterImport.objects.count() == imports_before
    assert HeldImport.objects.get().status == HoldStatus.HELD


def test_another_school_s_held_import_is_not_found(client, loaded, auth, other_school, tmp_path):
    """A held import of school B named under school A's path (A's own token): 404, like a missing one."""
    other = HeldImport.objects.create(organisation=other_school, organisation_ids=[other_school.pk], fingerprint="0" * 64,
                                      file_path="/nonexistent.zip", original_name="b.zip")
    for method, path in (("get", ""), ("post", "/approve"), ("post", "/reject")):
        response = getattr(client, method)(f"/api/v1/orgs/{loaded.pk}/roster/held/{other.pk}{path}", **auth)
        assert response.status_code == 404
    assert HeldImport.objects.get(pk=other.pk).status == HoldStatus.HELD


def test_the_held_list_costs_the_same_queries_for_one_or_many(client, loaded, auth):
    """The list reads neither previews nor bodies, and its query count does not grow with its rows."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def make(n):
        HeldImport.objects.bulk_create([HeldImport(
            organisation=loaded, organisation_ids=[loaded.pk], fingerprint="0" * 64, file_path="/x.zip",
            original_name=f"{i}.zip", status=HoldStatus.REJECTED, ended_count=i) for i in range(n)])

    url = f"/api/v1/orgs/{loaded.pk}/roster/held"
    make(1)
    client.get(url, **auth)  # the token's last use is written at most once a minute: not on the measured calls
    with CaptureQueriesContext(connection) as one:
        assert client.get(url, **auth).json()["count"] == 1
    make(30)
    with CaptureQueriesContext(connection) as many:
        assert client.get(url, **auth).json()["count"] == 31
    assert len(many) == len(one)
