"""Issue #10, item 3: each SCIM /Bulk request of a school's token is a run — its operations counted by outcome,
each refused operation an error; a request refused as a whole is «не выполнен»."""
import pytest

from sreda.api.scim.tests.helpers import Scim, scim_token, user_body
from sreda.api.tests.factories import make_school
from sreda.exchange.models import ExchangeRun, RunKind, RunSource, RunStatus

pytestmark = pytest.mark.django_db
BULK = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"


def post(n, **kw):
    return {"method": "POST", "path": "/Users", "bulkId": f"b{n}", "data": user_body(f"user{n}", external_id=f"ext{n}", **kw)}


def test_a_bulk_request_is_a_run_with_each_refused_operation_as_an_error(client):
    school = make_school()
    api = Scim(client, scim_token(school))

    response = api.post("/Bulk", {"schemas": [BULK], "Operations": [post(1), post(2), post(3, role="student")]})

    assert [a["status"] for a in response.json()["Operations"]] == ["201", "201", "400"]
    run = ExchangeRun.objects.get(organisation=school.organisation)
    assert (run.kind, run.source, run.status) == (RunKind.SCIM, RunSource.SCIM, RunStatus.ERRORS)
    assert run.counts == {"operations": 3, "created": 2, "updated": 0, "deleted": 0, "failed": 1}
    assert run.errors[0]["what"] == "POST bulkId b3" and run.errors[0]["status"] == 400
    assert "класс" in run.errors[0]["reason"]


def test_a_bulk_request_refused_as_a_whole_is_a_failed_run(client):
    school = make_school()
    api = Scim(client, scim_token(school))

    response = api.post("/Bulk", {"schemas": [BULK], "Operations": []})

    assert response.status_code == 400
    run = ExchangeRun.objects.get(organisation=school.organisation)
    assert run.status == RunStatus.FAILED and "нет операций" in run.errors[0]["reason"]


def test_a_bulk_request_held_by_the_sync_hold_is_a_held_run(client):
    """A Bulk deleting a third of the pupils is held by the school's thresholds (409): its run is «удержан»."""
    school = make_school(students=30)
    api = Scim(client, scim_token(school))

    response = api.post("/Bulk", {"schemas": [BULK], "Operations": [
        {"method": "DELETE", "path": f"/Users/{m.person_id}"} for m in school.students[:10]]})

    assert response.status_code == 409
    run = ExchangeRun.objects.get(organisation=school.organisation)
    assert run.status == RunStatus.HELD and run.message == response.json()["detail"][:500]
