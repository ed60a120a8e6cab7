"""Issue #10, item 3, the API: GET /api/v1/orgs/{id}/exchange/runs (paginated, by kind and status), one run with
its errors and warnings, GET /api/v1/exchange/health (the schools of the token's scope). Four kinds of client:
no token, a token without the scope, a role that does not see exchange health, the right role — and another
school's or district's objects are «not found»."""
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sreda.api.models import SCOPE_CHATS, SCOPE_READ
from sreda.api.tests.factories import bearer, issue
from sreda.core.testing import make_municipality, make_organisation
from sreda.exchange.models import RunKind, RunStatus
from sreda.exchange.tests.factories import make_run
from sreda.people.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def schools():
    municipality = make_municipality(name="Калининский район")
    a = make_organisation(municipality=municipality, short_name="Школа А")
    b = make_organisation(municipality=municipality, short_name="Школа Б")
    other = make_organisation(short_name="Школа другого района")
    make_run(a, ago=timedelta(hours=2))
    make_run(a, kind=RunKind.CHAT_SYNC, status=RunStatus.ERRORS, ago=timedelta(hours=1),
             warnings=[{"file": "users.csv", "line": 5, "column": "email", "reason": "e-mail не загружен"}])
    make_run(b, ago=timedelta(days=3))
    make_run(other, status=RunStatus.FAILED)
    return municipality, a, b, other


def test_four_clients_on_a_school_runs(client, schools):
    _, a, _, _ = schools
    url = f"/api/v1/orgs/{a.pk}/exchange/runs"

    assert client.get(url).status_code == 401
    no_scope = issue(role=Role.DIRECTOR, organisation=a, scopes=(SCOPE_CHATS,))
    assert client.get(url, **bearer(no_scope)).status_code == 403
    teacher = issue(role=Role.TEACHER, organisation=a)
    assert client.get(url, **bearer(teacher)).status_code == 404  # one «not found» for forbidden and missing
    director = issue(role=Role.DIRECTOR, organisation=a, scopes=(SCOPE_READ,))
    response = client.get(url, **bearer(director))
    assert response.status_code == 200
    data = response.json()
    assert data["count"] == 2 and [r["kind"] for r in data["items"]] == ["chat_sync", "roster"]
    first = data["items"][0]
    assert (first["status"], first["status_label"], first["warning_count"]) == ("errors", "с ошибками", 1)
    assert first["duration_seconds"] == 12.0 and first["counts"] == {"rows": 10, "created": 4}


def test_filters_and_the_run_with_its_errors_and_warnings(client, schools):
    _, a, _, _ = schools
    director = bearer(issue(role=Role.ADMINISTRATOR, organisation=a))
    url = f"/api/v1/orgs/{a.pk}/exchange/runs"

    assert [r["kind"] for r in client.get(url, {"kind": "roster"}, **director).json()["items"]] == ["roster"]
    assert [r["status"] for r in client.get(url, {"status": "errors"}, **director).json()["items"]] == ["errors"]
    assert client.get(url, {"kind": "nonsense"}, **director).status_code == 422

    run_id = client.get(url, {"status": "errors"}, **director).json()["items"][0]["id"]
    one = client.get(f"{url}/{run_id}", **director).json()
    assert one["errors"][0] == {"file": "users.csv", "line": 3, "column": "identifier", "what": None,
                                "reason": "СНИЛС не сходится", "hint": None}
    assert one["warnings"][0]["reason"] == "e-mail не загружен"


def test_a_school_token_never_reaches_another_school_runs(client, schools):
    _, a, b, _ = schools
    director = bearer(issue(role=Role.DIRECTOR, organisation=a))
    b_run = b.exchange_runs.get().pk
    assert client.get(f"/api/v1/orgs/{b.pk}/exchange/runs", **director).status_code == 404
    assert client.get(f"/api/v1/orgs/{a.pk}/exchange/runs/{b_run}", **director).status_code == 404
    assert client.get(f"/api/v1/orgs/{b.pk}/exchange/runs/{b_run}", **director).status_code == 404
    health = client.get("/api/v1/exchange/health", **director).json()
    assert [s["name"] for s in health["items"]] == ["Школа А"]


def test_health_of_the_district_schools_problems_first(client, schools):
    municipality, a, b, other = schools
    methodist = bearer(issue(role=Role.METHODIST, municipality=municipality))

    assert client.get("/api/v1/exchange/health").status_code == 401
    assert client.get("/api/v1/exchange/health", **bearer(issue(role=Role.TEACHER, organisation=a))).status_code == 403
    data = client.get("/api/v1/exchange/health", **methodist).json()

    assert data["count"] == 2
    first, second = data["items"]
    assert (first["name"], first["failed"], first["silent"]) == ("Школа А", True, False)
    assert (second["name"], second["failed"], second["silent"]) == ("Школа Б", False, True)
    sync = next(k for k in first["kinds"] if k["kind"] == "chat_sync")
    assert sync["status"] == "errors" and sync["run_id"] is not None
    assert next(k for k in second["kinds"] if k["kind"] == "scim")["status"] is None
    only_b = client.get("/api/v1/exchange/health", {"q": b.inn}, **methodist).json()
    assert [s["name"] for s in only_b["items"]] == ["Школа Б"]


def test_health_query_count_is_constant_as_schools_grow(client):
    municipality = make_municipality()
    methodist = bearer(issue(role=Role.METHODIST, municipality=municipality))

    def queries() -> int:
        client.get("/api/v1/exchange/health", **methodist)  # the token's first use of the minute is written
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/api/v1/exchange/health", {"limit": 5}, **methodist).status_code == 200
        return len(ctx.captured_queries)

    for _ in range(6):
        make_run(make_organisation(municipality=municipality))
    small = queries()
    for _ in range(8):
        school = make_organisation(municipality=municipality)
        for kind in RunKind.values:
            make_run(school, kind=kind)
    assert queries() == small
