"""The API of R8/R9: the same services as the pages. Four clients for every endpoint (anonymous, another
school, the wrong role, the right role), scopes read / staff:write, and the whole flow through the API."""
import pytest

from sreda.api.models import SCOPE_READ, SCOPE_STAFF_WRITE
from sreda.api.services import token_create
from sreda.api.tests.factories import bearer, issue
from sreda.core.active_role import system_operator
from sreda.core.models import AuditEntry
from sreda.core.permissions import UNCONFIRMED_DIRECTOR
from sreda.people.confirmation import members_decide, report_send
from sreda.people.models import Confirmation, ConfirmationReport, Membership, MembershipDecision
from sreda.people.roles import Role
from sreda.people.tests.test_confirmation_builders import add_member, make_school

pytestmark = pytest.mark.django_db

C = Confirmation
BOTH = (SCOPE_READ, SCOPE_STAFF_WRITE)


def director_token(school, scopes=BOTH) -> dict:
    """A token acting as the director's own membership (the person's role, R1)."""
    _, secret = token_create(actor=system_operator(), name="ИС школы", scopes=list(scopes), membership=school.director)
    return bearer(secret)


def operator_token(school) -> dict:
    return bearer(issue(role=Role.REGIONAL_OPERATOR, region=school.region))


def members_url(school) -> str:
    return f"/api/v1/organisations/{school.organisation.pk}/confirmation/members"


def decisions_url(school) -> str:
    return f"/api/v1/organisations/{school.organisation.pk}/confirmation/decisions"


def reports_url(school) -> str:
    return f"/api/v1/organisations/{school.organisation.pk}/confirmation/reports"


def state_url(school) -> str:
    return f"/api/v1/organisations/{school.organisation.pk}/confirmation/state"


@pytest.fixture
def school():
    school = make_school(teachers=2, students=3)
    add_member(school, surname="Ёлкина", name="Алёна", patronymic="Сергеевна")
    return school


def test_r9_the_whole_flow_through_the_api(client, school):
    headers = director_token(school)

    listed = client.get(members_url(school) + "?group=students&q=елкина", **headers).json()
    assert listed["count"] == 1 and listed["items"][0]["person"]["full_name"] == "Ёлкина Алёна Сергеевна"
    assert listed["items"][0]["confirmation"] == "pending" and listed["items"][0]["confirmation_label"] == "Не подтверждён"

    ids = [school.teachers[0].pk, school.students[0].pk]
    decided = client.post(decisions_url(school), {"decision": "confirmed", "membership_ids": ids},
                          content_type="application/json", **headers)
    assert decided.status_code == 200, decided.json()
    body = decided.json()
    assert (body["changed"], body["unchanged"], body["message"]) == (2, 0, "Подтверждено: 2.")
    assert body["report"]["owed"] is True and body["report"]["count"] == 2

    by_filter = client.post(decisions_url(school), {"decision": "rejected", "filter": {"group": "students",
                                                                                       "status": "pending"},
                                                    "expected_count": 3},
                            content_type="application/json", **headers).json()
    assert by_filter["changed"] == 3 and by_filter["report"]["rejected"] == 3

    state = client.get(state_url(school), **headers).json()
    assert (state["owed"], state["count"], state["confirmed"], state["rejected"]) == (True, 5, 2, 3)

    sent = client.post(reports_url(school), **headers)
    assert sent.status_code == 201
    report = sent.json()
    assert (report["confirmed_count"], report["rejected_count"]) == (2, 3)
    assert report["sent_by"] == "Директорова Галина Ивановна"
    again = client.post(reports_url(school), **headers)
    assert again.status_code == 422 and again.json()["detail"].startswith("Отправлять нечего")
    assert client.get(state_url(school), **headers).json()["owed"] is False

    # the regional operator sees the school, its report and the people in it
    op = operator_token(school)
    schools = client.get("/api/v1/confirmation/schools", **op).json()
    assert [s["organisation"]["id"] for s in schools["items"]] == [school.organisation.pk]
    assert schools["items"][0]["owed"] is False and schools["items"][0]["last_report_id"] == report["id"]
    detail = client.get(f"/api/v1/confirmation/reports/{report['id']}", **op).json()
    assert detail["organisation"]["inn"] == school.organisation.inn
    people = client.get(f"/api/v1/confirmation/reports/{report['id']}/decisions", **op).json()
    assert people["count"] == 5
    assert {(d["person"]["full_name"], d["decision"]) for d in people["items"]} >= {
        ("Ёлкина Алёна Сергеевна", "rejected"), (school.teachers[0].person.full_name, "confirmed")}
    rejected = client.get(f"/api/v1/confirmation/reports/{report['id']}/decisions?decision=rejected", **op).json()
    assert rejected["count"] == 3 and {d["decision_label"] for d in rejected["items"]} == {"Отклонён"}
    school_reports = client.get(reports_url(school), **op).json()
    assert [r["id"] for r in school_reports["items"]] == [report["id"]]


def test_operator_overview_filters_owing_schools_and_search(client, school):
    # A name no generated test school shares («СОШ № 77» also matched «СОШ № 177» made by other tests).
    owing = make_school(short_name="МАОУ «Лицей „Созвездие“»", municipality=school.organisation.municipality)
    members_decide(actor=owing.actor, organisation=owing.organisation, decision=C.CONFIRMED,
                   membership_ids=[owing.students[0].pk])
    op = operator_token(school)

    owes = client.get("/api/v1/confirmation/schools?owes=yes", **op).json()
    assert [s["organisation"]["id"] for s in owes["items"]] == [owing.organisation.pk]
    assert owes["items"][0]["unreported_count"] == 1 and owes["items"][0]["unreported_since"]
    found = client.get("/api/v1/confirmation/schools?q=лицей созвездие", **op).json()
    assert [s["organisation"]["id"] for s in found["items"]] == [owing.organisation.pk]
    assert client.get("/api/v1/confirmation/schools?owes=maybe", **op).status_code == 422


def test_anonymous_gets_401_everywhere(client, school):
    for method, url in [("get", members_url(school)), ("post", decisions_url(school)), ("get", state_url(school)),
                        ("post", reports_url(school)), ("get", "/api/v1/confirmation/schools"),
                        ("get", "/api/v1/confirmation/reports/1"), ("get", "/api/v1/confirmation/reports/1/decisions")]:
        response = getattr(client, method)(url)
        assert response.status_code == 401, url


def test_another_schools_director_gets_the_same_404_as_for_a_missing_school(client, school):
    other = make_school()
    headers = director_token(other)
    for method, template in [("get", "/api/v1/organisations/{}/confirmation/members"),
                             ("post", "/api/v1/organisations/{}/confirmation/reports"),
                             ("get", "/api/v1/organisations/{}/confirmation/state")]:
        foreign = getattr(client, method)(template.format(school.organisation.pk), **headers)
        missing = getattr(client, method)(template.format(999_999), **headers)
        assert foreign.status_code == 404 and foreign.json() == missing.json(), template
    decided = client.post(f"/api/v1/organisations/{school.organisation.pk}/confirmation/decisions",
                          {"decision": "confirmed", "membership_ids": [school.students[0].pk]},
                          content_type="application/json", **headers)
    assert decided.status_code == 404
    assert Membership.objects.get(pk=school.students[0].pk).confirmation == C.PENDING


def test_another_regions_operator_gets_404_for_reports_and_sees_no_school(client, school):
    members_decide(actor=school.actor, organisation=school.organisation, decision=C.CONFIRMED,
                   membership_ids=[school.students[0].pk])
    report = report_send(actor=school.actor, organisation=school.organisation)
    op = operator_token(make_school())

    assert client.get(f"/api/v1/confirmation/reports/{report.pk}", **op).status_code == 404
    assert client.get(f"/api/v1/confirmation/reports/{report.pk}/decisions", **op).status_code == 404
    assert client.get(state_url(school), **op).status_code == 404
    assert school.organisation.pk not in [s["organisation"]["id"] for s in
                                          client.get("/api/v1/confirmation/schools", **op).json()["items"]]


def test_r8_unconfirmed_director_gets_403_with_the_reason_and_nothing_changes(client):
    school = make_school(director_confirmed=False)
    headers = director_token(school)

    listed = client.get(members_url(school), **headers)
    decided = client.post(decisions_url(school), {"decision": "confirmed", "membership_ids": [school.students[0].pk]},
                          content_type="application/json", **headers)

    assert listed.status_code == 403 and listed.json()["detail"] == UNCONFIRMED_DIRECTOR
    assert decided.status_code == 403 and decided.json()["detail"] == UNCONFIRMED_DIRECTOR
    assert not MembershipDecision.objects.exists()


@pytest.mark.parametrize("role", [Role.ADMINISTRATOR, Role.TEACHER, Role.PARENT])
def test_wrong_roles_of_the_same_school_get_403(client, school, role):
    headers = bearer(issue(role=role, organisation=school.organisation, scopes=BOTH))
    for method, url in [("get", members_url(school)), ("post", reports_url(school)),
                        ("get", "/api/v1/confirmation/schools")]:
        response = getattr(client, method)(url, **headers)
        assert response.status_code == 403, (role, url)
    assert "руководитель ОО" in client.get(members_url(school), **headers).json()["detail"]


def test_a_read_token_cannot_decide_or_send(client, school):
    headers = director_token(school, scopes=(SCOPE_READ,))

    decided = client.post(decisions_url(school), {"decision": "confirmed", "membership_ids": [school.students[0].pk]},
                          content_type="application/json", **headers)
    sent = client.post(reports_url(school), **headers)

    assert decided.status_code == 403 and "staff:write" in decided.json()["detail"]
    assert sent.status_code == 403
    assert client.get(members_url(school), **headers).status_code == 200
    assert not MembershipDecision.objects.exists() and not ConfirmationReport.objects.exists()


def test_bad_input_is_422_in_russian_and_changes_nothing(client, school):
    headers = director_token(school)
    cases = [
        ({"decision": "pending", "membership_ids": [school.students[0].pk]}, "Неверные параметры"),
        ({"decision": "confirmed"}, "Отметьте строки в таблице или выберите все по фильтру"),
        ({"decision": "confirmed", "membership_ids": [school.students[0].pk], "filter": {}},
         "Отметьте строки в таблице или выберите все по фильтру"),
        ({"decision": "confirmed", "membership_ids": [school.students[0].pk, 999_999]}, "не найдено отмеченных строк: 1"),
        ({"decision": "confirmed", "filter": {"group": "students"}, "expected_count": 1}, "по фильтру теперь 4 строки"),
    ]
    for payload, expected in cases:
        response = client.post(decisions_url(school), payload, content_type="application/json", **headers)
        assert response.status_code == 422 and expected in response.json()["detail"], (payload, response.json())
    assert not MembershipDecision.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="membership.").exists()


def test_openapi_describes_the_confirmation_endpoints_in_russian(client):
    spec = client.get("/api/v1/openapi.json").json()
    paths = spec["paths"]
    assert {"/api/v1/organisations/{organisation_id}/confirmation/members",
            "/api/v1/organisations/{organisation_id}/confirmation/decisions",
            "/api/v1/organisations/{organisation_id}/confirmation/state",
            "/api/v1/organisations/{organisation_id}/confirmation/reports",
            "/api/v1/confirmation/schools", "/api/v1/confirmation/reports/{report_id}",
            "/api/v1/confirmation/reports/{report_id}/decisions"} <= set(paths)
    decide = paths["/api/v1/organisations/{organisation_id}/confirmation/decisions"]["post"]
    assert decide["summary"] == "Подтвердить или отклонить" and "staff:write" in decide["description"]
    assert "422" in decide["responses"] and "403" in decide["responses"]
    assert "Отчёт" in spec["components"]["schemas"]["ReportStateOut"]["properties"]["owed"]["description"] or \
        "отчёт" in spec["components"]["schemas"]["ReportStateOut"]["properties"]["owed"]["description"]
