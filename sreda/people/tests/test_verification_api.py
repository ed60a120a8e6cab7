"""Director verification through the API (R6–R8): the same services as the pages; `read` for GET,
`staff:write` for writes; the four clients; bad input → 422 in Russian and nothing changed."""
import json
from datetime import timedelta

import pytest
from django.utils import timezone

from sreda.api.models import SCOPE_READ, SCOPE_STAFF_WRITE
from sreda.api.services import token_create
from sreda.api.tests.factories import bearer, issue
from sreda.core.models import AuditEntry
from sreda.core.testing import active_role_of, make_member
from sreda.people import verification as v
from sreda.people.models import Confirmation, DirectorVerification, VerificationMethod, VerificationStatus
from sreda.people.roles import Role
from sreda.people.tests.test_verification_fixtures import (  # noqa: F401 — fixtures
    GOOD_PASSPORT, exe_bytes, pdf_bytes, stored_files, upload, world,
)

BASE = "/api/v1/verifications"
BOTH = (SCOPE_READ, SCOPE_STAFF_WRITE)
M, S = VerificationMethod, VerificationStatus


def own_token(user, membership, scopes=BOTH) -> dict:
    """A token the person issues for their own role (the director's identity stays theirs)."""
    _, secret = token_create(actor=active_role_of(user, membership), name="Школьная ИС", scopes=list(scopes),
                             membership=membership)
    return bearer(secret)


@pytest.fixture
def director(world):
    return own_token(world.director_user, world.director)


@pytest.fixture
def operator(world):
    return bearer(issue(role=Role.REGIONAL_OPERATOR, region=world.region, scopes=BOTH))


def post_json(client, url, data, headers):
    return client.post(url, json.dumps(data), content_type="application/json", **headers)


def passport_body(w, **kw):
    return {"region_id": w.region.pk, "consent": True, **GOOD_PASSPORT, **kw}


def test_r6_the_director_submits_passport_data_as_json_and_sees_the_due_date(client, world, director):
    response = post_json(client, BASE, passport_body(world), director)

    data = response.json()
    assert response.status_code == 201, data
    assert data["status"] == "submitted" and data["status_label"] == "На рассмотрении"
    assert data["due_date"] == (timezone.localdate() + timedelta(days=5)).isoformat()
    assert data["passport_masked"] == "** ** ****56" and data["passport"] is None  # the owner sees it masked
    assert [e["to_status"] for e in data["history"]] == ["submitted"]
    assert data["organisation"]["short_name"] == "МБОУ «Лицей № 21»"


def test_r6_the_director_uploads_a_scan_as_multipart(client, world, director, settings):
    response = client.post(f"{BASE}/upload", {"method": M.EMPLOYMENT_CERTIFICATE, "region_id": world.region.pk,
                                              "consent": "true", "file": upload(pdf_bytes())}, **director)

    data = response.json()
    assert response.status_code == 201, data
    assert data["document"]["content_type"] == "application/pdf" and data["document"]["name"] == "справка.pdf"
    assert len(stored_files(settings)) == 1
    download = client.get(data["document"]["url"], **director)
    assert download.status_code == 200 and b"".join(download.streaming_content) == pdf_bytes()
    assert download["X-Content-Type-Options"] == "nosniff"


BAD = {
    "a 50 MB file": ("upload", {"method": M.PASSPORT_SCAN, "file": lambda: upload(bytes(50 * 1024 * 1024))},
                     "больше 10 МБ"),
    "an .exe renamed .pdf": ("upload", {"method": M.PASSPORT_SCAN, "file": lambda: upload(exe_bytes())},
                             "не является PDF, JPEG или PNG"),
    "a file AND passport data": ("upload", {"method": M.PASSPORT_SCAN, "file": lambda: upload(pdf_bytes()),
                                            "passport_series": "4503", "passport_number": "123456"},
                                 "не то и другое сразу"),
    "a scan without the file": ("upload", {"method": M.PASSPORT_SCAN}, "Приложите файл"),
    "no passport data": ("json", {"passport_series": "", "passport_number": "", "passport_issued_by": "",
                                  "passport_issue_date": "", "passport_department_code": ""},
                         "Серия паспорта — 4 цифры"),
    "missing consent": ("json", {"consent": False}, "Без согласия"),
    "a bad series": ("json", {"passport_series": "45"}, "Серия паспорта — 4 цифры"),
    "a bad number": ("json", {"passport_number": "12345"}, "Номер паспорта — 6 цифр"),
}


@pytest.mark.parametrize("case", list(BAD), ids=list(BAD))
def test_r6_bad_input_is_a_422_in_russian_and_changes_nothing(client, world, director, settings, case):
    kind, extra, message = BAD[case]
    extra = {key: value() if callable(value) else value for key, value in extra.items()}
    if kind == "json":
        response = post_json(client, BASE, passport_body(world, **extra), director)
    else:
        response = client.post(f"{BASE}/upload", {"region_id": world.region.pk, "consent": "true", **extra}, **director)

    assert response.status_code == 422
    assert message in response.json()["detail"]
    assert DirectorVerification.objects.count() == 0 and stored_files(settings) == []


def test_r7_the_operator_lists_the_queue_reads_the_passport_and_rejects_then_approves(
        client, world, director, operator):
    first = post_json(client, BASE, passport_body(world), director).json()

    queue = client.get(BASE, {"status": "submitted"}, **operator).json()
    assert queue["count"] == 1 and queue["items"][0]["id"] == first["id"]
    assert "passport" not in queue["items"][0] and queue["items"][0]["passport_masked"] == "** ** ****56"
    detail = client.get(f"{BASE}/{first['id']}", **operator).json()
    assert detail["passport"]["number"] == "123456" and detail["passport"]["department_code"] == "770-012"
    assert AuditEntry.objects.filter(action="verification.passport_view").count() == 1

    empty = post_json(client, f"{BASE}/{first['id']}/reject", {"reason": " "}, operator)
    assert empty.status_code == 422 and "Укажите причину отказа" in empty.json()["detail"]
    rejected = post_json(client, f"{BASE}/{first['id']}/reject", {"reason": "Неверный код подразделения"}, operator)
    assert rejected.json()["status"] == "rejected"

    mine = client.get(BASE, **director).json()
    assert mine["items"][0]["reject_reason"] == "Неверный код подразделения"

    second = post_json(client, BASE, passport_body(world, passport_department_code="770-013"), director).json()
    approved = client.post(f"{BASE}/{second['id']}/approve", **operator)
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    again = client.post(f"{BASE}/{second['id']}/approve", **operator)
    assert again.status_code == 422 and "уже подтверждена" in again.json()["detail"]
    world.director.refresh_from_db()
    assert world.director.confirmation == Confirmation.CONFIRMED
    assert [r["status"] for r in client.get(BASE, **director).json()["items"]] == ["approved", "rejected"]


def test_the_queue_filters_by_overdue_and_searches(client, world, director, operator):
    made = post_json(client, BASE, passport_body(world), director).json()
    DirectorVerification.objects.filter(pk=made["id"]).update(due_date=timezone.localdate() - timedelta(days=1))

    overdue = client.get(BASE, {"overdue": "true"}, **operator).json()
    assert overdue["count"] == 1 and overdue["items"][0]["overdue"] is True
    assert client.get(BASE, {"q": "соколова"}, **operator).json()["count"] == 1
    assert client.get(BASE, {"q": "петров"}, **operator).json()["count"] == 0


# --- the four clients --------------------------------------------------------------------------------------

def test_anonymous_gets_401(client, world):
    verification = v.verification_submit(actor=world.director_role, method=M.PASSPORT_DATA, region=world.region,
                                         consent=True, passport=GOOD_PASSPORT)
    for url in (BASE, f"{BASE}/{verification.pk}", f"{BASE}/{verification.pk}/document"):
        assert client.get(url).status_code == 401
    assert client.post(f"{BASE}/{verification.pk}/approve").status_code == 401


def test_another_regions_operator_gets_the_same_404_as_for_a_missing_request(client, world):
    verification = v.verification_submit(actor=world.director_role, method=M.EMPLOYMENT_CERTIFICATE,
                                         region=world.region, consent=True, document=upload(pdf_bytes()))
    other = bearer(issue(role=Role.REGIONAL_OPERATOR, region=world.other_region, scopes=BOTH))

    for suffix in ("", "/document"):
        foreign = client.get(f"{BASE}/{verification.pk}{suffix}", **other)
        missing = client.get(f"{BASE}/999999{suffix}", **other)
        assert foreign.status_code == missing.status_code == 404 and foreign.json() == missing.json()
    assert client.post(f"{BASE}/{verification.pk}/approve", **other).status_code == 404
    assert client.get(BASE, **other).json()["count"] == 0
    verification.refresh_from_db()
    assert verification.status == S.SUBMITTED


@pytest.mark.parametrize("role", [Role.TEACHER, Role.ADMINISTRATOR, Role.METHODIST])
def test_wrong_roles_are_refused(client, world, role):
    verification = v.verification_submit(actor=world.director_role, method=M.PASSPORT_DATA, region=world.region,
                                         consent=True, passport=GOOD_PASSPORT)
    user, membership = make_member(role=role, organisation=world.school if role != Role.METHODIST else None,
                                   municipality=world.school.municipality if role == Role.METHODIST else None)
    headers = own_token(user, membership) if role != Role.TEACHER else bearer(
        issue(role=role, organisation=world.school, scopes=BOTH))

    assert client.get(BASE, **headers).status_code == 403
    assert client.get(f"{BASE}/{verification.pk}", **headers).status_code == 404
    assert client.post(f"{BASE}/{verification.pk}/approve", **headers).status_code == 404
    submitted = post_json(client, BASE, passport_body(world), headers)
    assert submitted.status_code == 403 and "руководитель" in submitted.json()["detail"]
    assert DirectorVerification.objects.count() == 1


def test_a_school_token_of_no_person_cannot_prove_a_directors_identity(client, world):
    headers = bearer(issue(role=Role.DIRECTOR, organisation=world.school, scopes=BOTH))
    response = post_json(client, BASE, passport_body(world), headers)
    assert response.status_code == 403 and "сам руководитель" in response.json()["detail"]


def test_writes_need_the_staff_write_scope(client, world):
    read_only_director = own_token(world.director_user, world.director, scopes=(SCOPE_READ,))
    read_only_operator = bearer(issue(role=Role.REGIONAL_OPERATOR, region=world.region, scopes=(SCOPE_READ,)))
    verification = v.verification_submit(actor=world.director_role, method=M.PASSPORT_DATA, region=world.region,
                                         consent=True, passport=GOOD_PASSPORT)

    refused = post_json(client, BASE, passport_body(world), read_only_director)
    assert refused.status_code == 403 and "staff:write" in refused.json()["detail"]
    assert client.post(f"{BASE}/{verification.pk}/approve", **read_only_operator).status_code == 403
    assert client.get(f"{BASE}/{verification.pk}", **read_only_operator).status_code == 200
    verification.refresh_from_db()
    assert verification.status == S.SUBMITTED


def test_the_openapi_describes_the_verification_endpoints_in_russian(client):
    spec = client.get("/api/v1/openapi.json").json()
    paths = spec["paths"]
    assert {f"{BASE}", f"{BASE}/upload", f"{BASE}/{{verification_id}}/approve", f"{BASE}/{{verification_id}}/reject",
            f"{BASE}/{{verification_id}}/document"} <= set(paths)
    assert "multipart/form-data" in paths[f"{BASE}/upload"]["post"]["requestBody"]["content"]
    assert "application/pdf" in paths[f"{BASE}/{{verification_id}}/document"]["get"]["responses"]["200"]["content"]
    assert "Паспортные данные" in json.dumps(paths[BASE]["post"], ensure_ascii=False) or \
        "паспортные данные" in json.dumps(paths[BASE]["post"], ensure_ascii=False)
