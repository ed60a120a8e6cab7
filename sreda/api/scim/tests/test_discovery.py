"""SCIM discovery and authentication (RFC 7644 §4, §3.12; issue #9, R29)."""
import pytest

from sreda.api.models import SCOPE_READ, ApiToken
from sreda.api.scim.tests.helpers import BASE, ENTERPRISE, SREDA, USER, Scim, scim_token
from sreda.api.tests.factories import bearer

pytestmark = pytest.mark.django_db
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"


def test_service_provider_config_announces_what_sreda_does(client, school):
    """Patch yes, bulk no, filter with maxResults, ETag yes, sort and password change no; SCIM's media type."""
    response = Scim(client, scim_token(school)).get("/ServiceProviderConfig")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/scim+json")
    body = response.json()
    assert body["patch"] == {"supported": True}
    assert body["bulk"] == {"supported": True, "maxOperations": 1000, "maxPayloadSize": 2000000}
    assert body["filter"] == {"supported": True, "maxResults": 200}
    assert body["etag"] == {"supported": True}
    assert body["sort"] == {"supported": False} and body["changePassword"] == {"supported": False}


def test_resource_types_and_schemas_describe_users_groups_and_extensions(client, school):
    api = Scim(client, scim_token(school))
    types = {t["id"]: t for t in api.get("/ResourceTypes").json()["Resources"]}
    assert set(types) == {"User", "Group"}
    assert {e["schema"] for e in types["User"]["schemaExtensions"]} == {ENTERPRISE, SREDA}
    schemas = {s["id"]: s for s in api.get("/Schemas").json()["Resources"]}
    assert USER in schemas and ENTERPRISE in schemas and SREDA in schemas
    user_attributes = {a["name"] for a in schemas[USER]["attributes"]}
    assert {"userName", "name", "emails", "phoneNumbers", "active"} <= user_attributes
    one = api.get(f"/Schemas/{SREDA}").json()
    assert [a["name"] for a in one["attributes"]] == ["role", "roles"]
    assert api.get("/ResourceTypes/User").json()["endpoint"] == "/Users"


def test_unknown_paths_and_methods_answer_in_scims_error_format(client, school):
    api = Scim(client, scim_token(school))
    missing = api.get("/Nothing")
    assert missing.status_code == 404
    assert missing.json()["schemas"] == [ERROR] and missing.json()["status"] == "404"
    assert api.get("/Schemas/urn:nothing").status_code == 404
    refused = api.post("/ServiceProviderConfig", {})
    assert refused.status_code == 405 and refused.json()["status"] == "405"
    assert api.post("/.search", {}).status_code == 501


def test_no_token_or_a_token_without_scope_scim_is_refused_in_russian(client, school):
    """R29: only a token of scope «scim» provisions; 401 / 403 say why, in SCIM's format."""
    none = client.get(f"{BASE}/Users")
    assert none.status_code == 401 and none.json()["schemas"] == [ERROR]
    assert "Authorization: Bearer" in none.json()["detail"]
    wrong = client.get(f"{BASE}/Users", **bearer("x" * 40))
    assert wrong.status_code == 401 and "не найден" in wrong.json()["detail"]
    read_only = scim_token(school, scopes=(SCOPE_READ,))
    forbidden = client.get(f"{BASE}/Users", **bearer(read_only))
    assert forbidden.status_code == 403 and "scim" in forbidden.json()["detail"]


def test_a_revoked_token_stops_working(client, school):
    secret = scim_token(school)
    ApiToken.objects.update(revoked_at="2026-01-01T00:00:00Z")
    assert Scim(client, secret).get("/Users").status_code == 401
