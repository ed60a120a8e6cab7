"""Issue 9 (R29): every API error is RFC 9457 problem details with a Russian `detail`, the spec says so, and a
token over its request limit is told when to come back."""
import pytest

from sreda.api.tests.factories import bearer, issue


def test_errors_are_problem_details_in_russian(client, school):
    secret = issue(organisation=school.organisation)

    unknown = client.get("/api/v1/me", **bearer("не-тот-токен"))
    missing = client.get("/api/v1/organisations/999999", **bearer(secret))
    invalid = client.get("/api/v1/organisations?limit=0", **bearer(secret))

    for response, status in ((unknown, 401), (missing, 404), (invalid, 422)):
        assert response.status_code == status
        assert response["Content-Type"].startswith("application/problem+json")
        body = response.json()
        assert body["status"] == status and body["type"] == "about:blank" and body["title"]
        assert any("а" <= ch <= "я" for ch in body["detail"].lower()), body  # the detail is Russian
    assert invalid.json()["detail"].startswith("Неверные параметры запроса")


def test_a_successful_answer_stays_plain_json(client, school):
    response = client.get("/api/v1/me", **bearer(issue(organisation=school.organisation)))
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")


def test_token_over_its_limit_gets_429_with_retry_after_and_another_token_is_not_affected(client, school, settings):
    settings.SREDA_API_RATE_LIMIT = 3
    settings.SREDA_API_RATE_WINDOW = 60
    busy, quiet = issue(organisation=school.organisation), issue(organisation=school.organisation, name="Другая ИС")

    codes = [client.get("/api/v1/me", **bearer(busy)).status_code for _ in range(4)]
    refused = client.get("/api/v1/me", **bearer(busy))

    assert codes == [200, 200, 200, 429]
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert refused.json()["detail"].startswith("Слишком много запросов")
    assert client.get("/api/v1/me", **bearer(quiet)).status_code == 200  # the limit is per token


@pytest.mark.parametrize("path", ["/api/v1/me", "/api/v1/organisations"])
def test_openapi_declares_problem_json_401_and_429_for_calls_with_a_token(client, path):
    spec = client.get("/api/v1/openapi.json").json()
    responses = spec["paths"][path]["get"]["responses"]
    for code in ("401", "429"):
        assert "application/problem+json" in responses[code]["content"], (path, code)
    assert "application/json" in responses["200"]["content"]
    error = spec["components"]["schemas"]["ErrorOut"]["properties"]
    assert {"type", "title", "status", "detail"} <= set(error)


def test_a_path_no_route_matches_is_a_problem_too(client, school):
    response = client.get("/api/v1/no-such-thing/7", **bearer(issue(organisation=school.organisation)))
    assert response.status_code == 404 and response["Content-Type"].startswith("application/problem+json")
    assert response.json()["detail"].startswith("Нет такого адреса API")
    page = client.get("/no-such-page/")
    assert page.status_code == 404 and page["Content-Type"].startswith("text/html")


def test_numbers_beyond_any_row_are_a_bad_parameter_not_a_server_error(client, school):
    auth = bearer(issue(organisation=school.organisation))
    huge = client.get(f"/api/v1/classes/{10 ** 30}", **auth)
    assert huge.status_code in (404, 422) and huge["Content-Type"].startswith("application/problem+json")
    paged = client.get("/api/v1/organisations?offset=12999735228728011330158592", **auth)
    assert paged.status_code == 422


def test_a_body_that_does_not_parse_is_a_problem_the_spec_allows(client, school):
    """Found by schemathesis: the schedule import documents its 400 as a report of rejected rows, but a body
    that is not JSON at all gets a problem; the spec lists both for that status."""
    from sreda.api.models import SCOPE_LIBRARY_WRITE

    auth = bearer(issue(organisation=school.organisation, scopes=(SCOPE_LIBRARY_WRITE,)))
    response = client.post(f"/api/v1/orgs/{school.organisation.pk}/schedule", data=b"\x00",
                           content_type="application/json", **auth)
    assert response.status_code == 400 and response["Content-Type"].startswith("application/problem+json")
    spec = client.get("/api/v1/openapi.json").json()
    content = spec["paths"]["/api/v1/orgs/{org_id}/schedule"]["post"]["responses"]["400"]["content"]
    assert {"application/json", "application/problem+json"} <= set(content)
