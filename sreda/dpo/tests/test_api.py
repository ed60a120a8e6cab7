"""API of «Организация ДПО» (R36–R38) with real tokens: the same rules as the pages, four kinds of client
(no token, wrong scope, wrong role, right role), refusals that change nothing."""
from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from sreda.api.models import SCOPE_DPO, SCOPE_READ
from sreda.api.services import token_create
from sreda.api.tests.factories import bearer
from sreda.core.active_role import system_operator
from sreda.dpo.models import Application, Event, Group, Program
from sreda.dpo.statuses import Status
from sreda.dpo.tests.factories import make_application, make_group, make_school

pytestmark = pytest.mark.django_db


def token(membership, scopes=(SCOPE_DPO,)) -> dict:
    _, secret = token_create(actor=system_operator(), name="ИС", scopes=list(scopes), membership=membership)
    return bearer(secret)


def centre_token(region) -> dict:
    from sreda.dpo.tests.factories import make_centre

    return token(make_centre(region).membership)


def test_full_path_through_the_api(client):
    school = make_school()
    group = make_group(region=school.region)
    teacher, director, centre = (token(school.teacher_membership), token(school.director_membership),
                                 centre_token(school.region))

    groups = client.get("/api/v1/dpo/groups", **teacher).json()
    assert groups["count"] == 1 and groups["items"][0]["id"] == group.pk
    applied = client.post("/api/v1/dpo/my/applications", {"group_id": group.pk}, content_type="application/json",
                          **teacher)
    assert applied.status_code == 201, applied.content
    number = applied.json()["id"]
    assert applied.json()["status_label"] == "Не обработана"

    listed = client.get("/api/v1/dpo/applications", {"q": str(number)}, **director).json()
    assert [a["id"] for a in listed["items"]] == [number]
    approved = client.post(f"/api/v1/dpo/applications/{number}/approve", {"comment": "Согласовано"},
                           content_type="application/json", **director)
    assert approved.json()["status"] == "approved"
    queue = client.get("/api/v1/dpo/centre/applications", {"status": "approved"}, **centre).json()
    assert [a["id"] for a in queue["items"]] == [number]
    included = client.post(f"/api/v1/dpo/applications/{number}/include", {}, content_type="application/json",
                           **centre)
    assert included.json()["status_label"] == "Включен в группу"

    mine = client.get("/api/v1/dpo/my/applications", **teacher).json()["items"][0]
    assert mine["status"] == "included" and mine["comments"][0]["text"] == "Согласовано"
    assert [(e["act"], e["to_status"]) for e in mine["events"]] == [
        ("apply", "new"), ("approve", "approved"), ("include", "included")]
    only = client.get("/api/v1/dpo/my/applications", {"status": "included"}, **teacher).json()
    assert only["count"] == 1 and only["items"][0]["id"] == number
    assert client.get("/api/v1/dpo/my/applications", {"status": "new"}, **teacher).json() == {"count": 0, "items": []}
    assert client.get("/api/v1/dpo/my/applications", {"status": "lost"}, **teacher).status_code == 422


def test_refusals_answer_409_or_403_and_change_nothing(client):
    school = make_school()
    application = make_application(school=school, group=make_group(), status=Status.INCLUDED)
    fresh = make_application(school=school, group=make_group())
    director, teacher = token(school.director_membership), token(school.teacher_membership)

    late = client.post(f"/api/v1/dpo/my/applications/{application.pk}/cancel", {}, content_type="application/json",
                       **teacher)
    assert late.status_code == 409 and "уже «Включен в группу»" in late.json()["detail"]
    include = client.post(f"/api/v1/dpo/applications/{fresh.pk}/include", {}, content_type="application/json",
                          **director)
    assert include.status_code == 409
    approve_as_teacher = client.post(f"/api/v1/dpo/applications/{fresh.pk}/approve", {},
                                     content_type="application/json", **teacher)
    assert approve_as_teacher.status_code == 403 and "Руководитель ОО" in approve_as_teacher.json()["detail"]
    stale = client.post(f"/api/v1/dpo/applications/{fresh.pk}/approve", {"seen_status": "approved"},
                        content_type="application/json", **director)
    assert stale.status_code == 409
    fresh.refresh_from_db()
    application.refresh_from_db()
    assert (fresh.status, application.status) == (Status.NEW, Status.INCLUDED)
    assert Event.objects.filter(outcome="refused").count() == 4


@pytest.mark.parametrize("path", ["/api/v1/dpo/applications", "/api/v1/dpo/centre/applications",
                                  "/api/v1/dpo/my/applications", "/api/v1/dpo/programs"])
def test_four_clients(client, path):
    """No token → 401; a token without the `dpo` area → 403; a wrong role → 403; the right role → 200."""
    school = make_school()
    right = {"/api/v1/dpo/applications": school.director_membership,
             "/api/v1/dpo/my/applications": school.teacher_membership}.get(path)
    wrong = school.teacher_membership if path != "/api/v1/dpo/my/applications" else school.director_membership
    assert client.get(path).status_code == 401
    assert client.get(path, **token(right or school.director_membership, scopes=(SCOPE_READ,))).status_code == 403
    assert client.get(path, **token(wrong)).status_code == 403
    headers = token(right) if right else centre_token(school.region)
    assert client.get(path, **headers).status_code == 200


def test_other_schools_application_is_not_found(client):
    school, other = make_school(), make_school()
    application = make_application(school=other, group=make_group())
    response = client.get(f"/api/v1/dpo/applications/{application.pk}", **token(school.director_membership))
    assert response.status_code == 404
    approve = client.post(f"/api/v1/dpo/applications/{application.pk}/approve", {}, content_type="application/json",
                          **token(school.director_membership))
    assert approve.status_code == 404
    application.refresh_from_db()
    assert application.status == Status.NEW and not Event.objects.exists()


def test_bulk_approve_and_export(client):
    school = make_school()
    apps = [make_application(school=school, group=make_group()) for _ in range(3)]
    director = token(school.director_membership)
    result = client.post("/api/v1/dpo/applications/bulk-approve", {"ids": [a.pk for a in apps[:2]] + [999999]},
                         content_type="application/json", **director).json()
    assert result["done"] == [apps[0].pk, apps[1].pk] and result["refused"][0]["id"] == 999999
    response = client.get("/api/v1/dpo/applications/export", {"status": "approved"}, **director)
    rows = list(load_workbook(io.BytesIO(response.content)).active.values)
    assert {r[0] for r in rows[1:]} == {apps[0].pk, apps[1].pk}


def test_centre_programs_and_groups_crud(client):
    school = make_school()
    existing = make_group(region=school.region)
    centre = centre_token(school.region)
    organisation_id = existing.program.organisation_id
    created = client.post("/api/v1/dpo/programs", {"organisation_id": organisation_id, "name": "Наставничество",
                                                   "study_form": "distance", "hours": 16},
                          content_type="application/json", **centre)
    assert created.status_code == 201, created.content
    program_id = created.json()["id"]
    bad = client.post(f"/api/v1/dpo/programs/{program_id}/groups",
                      {"name": "Г1", "starts_on": "2030-09-10", "ends_on": "2030-09-01", "capacity": 10},
                      content_type="application/json", **centre)
    assert bad.status_code == 422 and "раньше начала" in bad.json()["detail"]
    group = client.post(f"/api/v1/dpo/programs/{program_id}/groups",
                        {"name": "Г1", "starts_on": "2030-09-01", "ends_on": "2030-09-10", "capacity": 10},
                        content_type="application/json", **centre)
    assert group.status_code == 201
    group_id = group.json()["id"]
    updated = client.put(f"/api/v1/dpo/groups/{group_id}", {"name": "Г1", "starts_on": "2030-09-01",
                                                            "ends_on": "2030-09-10", "capacity": 12, "status": "closed"},
                         content_type="application/json", **centre)
    assert updated.json()["capacity"] == 12 and updated.json()["status"] == "closed"
    assert client.delete(f"/api/v1/dpo/groups/{group_id}", **centre).status_code == 204
    assert not Group.objects.filter(pk=group_id).exists()
    assert Program.objects.get(pk=program_id).name == "Наставничество"
    make_application(school=school, group=existing)
    refused = client.delete(f"/api/v1/dpo/groups/{existing.pk}", **centre)
    assert refused.status_code == 422 and Group.objects.filter(pk=existing.pk).exists()
    assert Application.objects.count() == 1


def test_comment_through_the_api_reaches_the_applicant(client):
    school = make_school()
    application = make_application(school=school, group=make_group())
    director, teacher = token(school.director_membership), token(school.teacher_membership)
    empty = client.post(f"/api/v1/dpo/applications/{application.pk}/comments", {"text": ""},
                        content_type="application/json", **director)
    assert empty.status_code == 422
    made = client.post(f"/api/v1/dpo/applications/{application.pk}/comments", {"text": "Приложите диплом"},
                       content_type="application/json", **director)
    assert made.status_code == 201 and made.json()["author_role"].startswith("Руководитель ОО")
    card = client.get(f"/api/v1/dpo/applications/{application.pk}", **teacher).json()
    assert [c["text"] for c in card["comments"]] == ["Приложите диплом"]
    assert card["group_detail"]["program"]["study_form_label"] == "Очно-заочная"
