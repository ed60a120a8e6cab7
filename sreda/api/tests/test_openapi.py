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


# --- examples (issue 9: «OpenAPI 3 complete with schemas and examples») ------------------------------------

def _spec() -> dict:
    from sreda.api.ninja_api import api

    return api.get_openapi_schema()


def _resolve(spec: dict, schema: dict) -> dict:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _own_examples(node: dict) -> list:
    return ([node["example"]] if "example" in node else []) + list(node.get("examples") or [])


def _has_example(spec: dict, media: dict) -> bool:
    """A reader of the docs sees an example: on the media, on its schema (an array's items count), or on the
    schema's properties."""
    schema = _resolve(spec, media.get("schema", {}))
    if schema.get("type") == "array":
        schema = _resolve(spec, schema.get("items", {}))
    return bool(_own_examples(media) or _own_examples(schema)
                or any(_own_examples(p) for p in schema.get("properties", {}).values()))


def _bodies_and_answers(spec: dict):
    """(where, content type, media) of every request body and every 2xx answer of the API."""
    for path, methods in spec["paths"].items():
        for method, operation in methods.items():
            for content_type, media in operation.get("requestBody", {}).get("content", {}).items():
                yield f"{method.upper()} {path} body", content_type, media
            for code, response in operation["responses"].items():
                if str(code).startswith("2"):
                    for content_type, media in (response.get("content") or {}).items():
                        yield f"{method.upper()} {path} {code}", content_type, media


def test_every_request_body_and_2xx_json_answer_has_an_example():
    """Bodies in JSON or forms and JSON answers carry an example; a file part of a form names its content
    types (`encoding`), which is what an example of a file can say."""
    spec = _spec()
    missing = []
    for where, content_type, media in _bodies_and_answers(spec):
        if content_type == "application/json" and not _has_example(spec, media):
            missing.append(where)
        if content_type == "multipart/form-data":
            schema = _resolve(spec, media["schema"])
            files = {name for name, p in schema.get("properties", {}).items() if p.get("format") == "binary"}
            fields = set(schema.get("properties", {})) - files
            unnamed = {name for name in files if not media.get("encoding", {}).get(name, {}).get("contentType")}
            if unnamed or (fields and not _has_example(spec, media)):
                missing.append(where)
    assert missing == []


def test_every_example_fits_its_schema():
    """An example that the server would refuse (a wrong type, a missing required field) misleads more than
    none: each one on a media, a schema or a property is validated against the spec's own schema (JSON Schema
    2020-12, by `jsonschema_rs`, which schemathesis brings)."""
    import jsonschema_rs

    spec = _spec()
    wrong, checked = [], 0
    components = spec["components"]

    def check(where: str, schema: dict, examples: list) -> None:
        nonlocal checked
        validator = jsonschema_rs.Draft202012Validator({**schema, "components": components})
        for value in examples:
            checked += 1
            errors = [e.message for e in validator.iter_errors(value)]
            if errors:
                wrong.append((where, errors[:3]))

    for name, schema in components["schemas"].items():
        check(name, schema, _own_examples(schema))
        for field, prop in schema.get("properties", {}).items():
            check(f"{name}.{field}", prop, _own_examples(prop))
    for where, content_type, media in _bodies_and_answers(spec):
        if _own_examples(media):
            check(where, media.get("schema", {}), _own_examples(media))
    assert wrong == [] and checked > 300
