"""The API describes itself: OpenAPI 3 at /api/v1/openapi.json, Swagger UI at /api/v1/docs from local files."""
import re

import pytest

pytestmark = pytest.mark.django_db

PATHS = [
    "/api/v1/me", "/api/v1/regions", "/api/v1/municipalities", "/api/v1/organisations",
    "/api/v1/organisations/{organisation_id}", "/api/v1/organisations/{organisation_id}/classes",
    "/api/v1/classes/{class_id}", "/api/v1/organisations/{organisation_id}/people", "/api/v1/people/{person_id}",
    "/api/v1/memberships",
]


def test_openapi_lists_every_path_with_bearer_auth_and_russian_descriptions(client):
    response = client.get("/api/v1/openapi.json")

    spec = response.json()
    assert response.status_code == 200
    assert spec["openapi"].startswith("3.")
    assert set(PATHS) <= set(spec["paths"])
    assert spec["components"]["securitySchemes"]["TokenAuth"] == {"type": "http", "scheme": "bearer"}
    parameters = {p["name"]: p for p in spec["paths"]["/api/v1/organisations"]["get"]["parameters"]}
    assert "ИНН" in parameters["q"]["description"]
    assert parameters["limit"]["schema"]["maximum"] == 500 and parameters["limit"]["schema"]["default"] == 50
    assert "404" in spec["paths"]["/api/v1/organisations/{organisation_id}"]["get"]["responses"]


def test_docs_load_nothing_from_other_sites(client):
    page = client.get("/api/v1/docs").content.decode()

    sources = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert sources and all(s.startswith("/api/v1/docs/assets/") for s in sources)
    for source in sources:
        asset = client.get(source)
        assert asset.status_code == 200 and b"".join(asset.streaming_content)
    assert "/api/v1/openapi.json" in page


def test_only_the_bundled_assets_are_served(client):
    assert client.get("/api/v1/docs/assets/..%2F..%2Fsettings.py").status_code == 404
    assert client.get("/api/v1/docs/assets/redoc.standalone.js.map").status_code == 404
