"""Builders for the SCIM tests: a school with a SCIM token, requests in application/scim+json."""
from __future__ import annotations

import json

from sreda.api.models import SCOPE_SCIM
from sreda.api.tests.factories import bearer, issue
from sreda.people.roles import Role

BASE = "/scim/v2"
CT = "application/scim+json"
USER = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
SREDA = "urn:sreda:params:scim:schemas:extension:2.0:User"
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


def scim_token(school, *, role: str = Role.ADMINISTRATOR, scopes=(SCOPE_SCIM,)) -> str:
    return issue(role=role, organisation=school.organisation, municipality=school.municipality, region=school.region,
                 scopes=scopes)


class Scim:
    """The Django test client speaking SCIM with one token."""

    def __init__(self, client, secret: str):
        self.client, self.headers = client, bearer(secret)

    def get(self, path: str, headers: dict | None = None, **params):
        return self.client.get(BASE + path, params, **self.headers, **(headers or {}))

    def _send(self, method: str, path: str, body, **headers):
        return getattr(self.client, method)(BASE + path, json.dumps(body), content_type=CT, **self.headers, **headers)

    def post(self, path: str, body, **headers):
        return self._send("post", path, body, **headers)

    def put(self, path: str, body, **headers):
        return self._send("put", path, body, **headers)

    def patch(self, path: str, operations: list, **headers):
        return self._send("patch", path, {"schemas": [PATCH], "Operations": operations}, **headers)

    def delete(self, path: str, **headers):
        return self.client.delete(BASE + path, **self.headers, **headers)


def user_body(user_name: str, *, surname: str = "Кузнецова", name: str = "Ольга", external_id: str | None = None,
              email: str | None = None, role: str | None = None, department: str | None = None, **extra) -> dict:
    body = {"schemas": [USER], "userName": user_name, "name": {"familyName": surname, "givenName": name}}
    if external_id:
        body["externalId"] = external_id
    if email:
        body["emails"] = [{"value": email, "primary": True}]
    if role or department:
        body["schemas"] += [ENTERPRISE, SREDA]
        if role:
            body[SREDA] = {"role": role}
        if department:
            body[ENTERPRISE] = {"department": department}
    body.update(extra)
    return body
