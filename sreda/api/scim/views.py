"""SCIM 2.0 endpoints (RFC 7644) at /scim/v2/: thin views over the SCIM selectors and services.

Bearer token of scope «scim» (R29); answers in application/scim+json; errors in SCIM's Error schema
with a Russian detail.
"""
from __future__ import annotations

import json
from functools import wraps

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt

from sreda.api.auth import (
    NO_TOKEN,
    ROLE_ENDED,
    UNKNOWN_TOKEN,
    find_token,
    token_active_role,
    touch,
)
from sreda.api.models import SCOPE_SCIM, SCOPES
from sreda.api.scim import bulk, bulk_hold, mapping, patch, selectors, services
from sreda.api.scim import schemas as s
from sreda.api.scim.filters import FilterError
from sreda.api.scim.mapping import ScimError
from sreda.api.scim.selectors import NotFound
from sreda.exchange.recorders import records_scim_bulk

CONTENT_TYPE = "application/scim+json; charset=utf-8"
MAX_BODY = 1_000_000


def scim_response(data: dict | None, status: int = 200, headers: dict | None = None) -> HttpResponse:
    if data is None:
        response = HttpResponse(status=status)
    else:
        response = HttpResponse(json.dumps(data, ensure_ascii=False), status=status, content_type=CONTENT_TYPE)
    for key, value in (headers or {}).items():
        response[key] = value
    return response


def error_response(status: int, detail: str, scim_type: str | None = None) -> HttpResponse:
    body = {"schemas": [s.ERROR], "status": str(status), "detail": detail}
    if scim_type:
        body["scimType"] = scim_type
    headers = {"WWW-Authenticate": 'Bearer realm="sreda-scim"'} if status == 401 else None
    return scim_response(body, status, headers)


def base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri(reverse("scim:root")).rstrip("/")


def _authenticate(request: HttpRequest):
    header = request.headers.get("Authorization", "")
    kind, _, secret = header.partition(" ")
    if kind.lower() != "bearer" or not secret.strip():
        raise ScimError(401, NO_TOKEN)
    token = find_token(secret.strip())
    if token is None:
        raise ScimError(401, UNKNOWN_TOKEN)
    if token.membership_id and not token.membership.is_active:
        raise ScimError(401, ROLE_ENDED)
    if SCOPE_SCIM not in token.scopes:
        raise ScimError(403, f"Токену не выдана область «{SCOPE_SCIM}» ({SCOPES[SCOPE_SCIM]}).")
    touch(token)
    return selectors.scope_of(token, token_active_role(token))


def scim_view(methods: tuple[str, ...], *, authenticated: bool = True):
    """Method check (405 in SCIM's format), token, and every error turned into a SCIM Error."""

    def decorate(view):
        @csrf_exempt
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs):
            try:
                if request.method not in methods:
                    raise ScimError(405, f"Метод {request.method} здесь не поддерживается; допустимы: {', '.join(methods)}.")
                scope = _authenticate(request) if authenticated else None
                return view(request, scope, *args, **kwargs)
            except ScimError as exc:
                return error_response(exc.status, exc.detail, exc.scim_type)
            except NotFound as exc:
                return error_response(404, str(exc))
            except FilterError as exc:
                return error_response(400, str(exc), "invalidFilter")
            except PermissionDenied as exc:
                return error_response(403, str(exc) or "Недостаточно прав.")

        return wrapper

    return decorate


def _body(request: HttpRequest, limit: int = MAX_BODY):
    if len(request.body) > limit:
        raise ScimError(413, f"Тело запроса больше {limit // 1_000_000} МБ.", "tooMany")
    try:
        return json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        raise ScimError(400, "Тело запроса — не JSON.", "invalidSyntax") from None


def _check_if_match(request: HttpRequest, document: dict) -> None:
    wanted = request.headers.get("If-Match")
    if wanted and wanted.strip() != "*":
        versions = {v.strip() for v in wanted.split(",")}
        current = document["meta"]["version"]
        if current not in versions and current.removeprefix("W/") not in versions:
            raise ScimError(412, "Ресурс изменился после того, как вы его прочитали (If-Match не совпал). "
                                 "Прочитайте его заново.")


def _resource(document: dict, request: HttpRequest, status: int = 200, params: dict | None = None) -> HttpResponse:
    params = params if params is not None else request.GET
    headers = {"ETag": document["meta"]["version"]}
    if status == 201:
        headers["Location"] = document["meta"]["location"]
    if status == 200 and request.method == "GET" and request.headers.get("If-None-Match") == document["meta"]["version"]:
        return scim_response(None, 304, headers)
    return scim_response(mapping.project(document, _names(params.get("attributes")),
                                         _names(params.get("excludedAttributes"))), status, headers)


def _names(value) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, list):
        return [str(v) for v in value]
    return [part for part in str(value).split(",") if part.strip()]


def _int(value, default: int, label: str) -> int:
    if value in (None, ""):
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ScimError(400, f"{label}: ожидается целое число.", "invalidValue") from None


def _list(request: HttpRequest, qs, render, params) -> HttpResponse:
    start = max(1, _int(params.get("startIndex"), 1, "startIndex"))
    count = min(s.MAX_RESULTS, max(0, _int(params.get("count"), s.MAX_RESULTS, "count")))
    if params.get("sortBy"):
        raise ScimError(400, "Сортировка (sortBy) не поддерживается: список упорядочен по id.", "invalidValue")
    total = qs.count()
    rows = list(qs[start - 1:start - 1 + count]) if count else []
    attributes, excluded = _names(params.get("attributes")), _names(params.get("excludedAttributes"))
    base = base_url(request)
    return scim_response({
        "schemas": [s.LIST], "totalResults": total, "startIndex": start, "itemsPerPage": len(rows),
        "Resources": [mapping.project(render(row, base), attributes, excluded) for row in rows],
    })


# --- discovery ---------------------------------------------------------------------------------------------


@scim_view(("GET",))
def service_provider_config(request, scope):
    return scim_response(s.service_provider_config(base_url(request)))


@scim_view(("GET",))
def resource_types(request, scope):
    items = s.resource_types(base_url(request))
    return scim_response({"schemas": [s.LIST], "totalResults": len(items), "startIndex": 1,
                          "itemsPerPage": len(items), "Resources": items})


@scim_view(("GET",))
def resource_type(request, scope, name):
    for item in s.resource_types(base_url(request)):
        if item["id"] == name:
            return scim_response(item)
    raise NotFound(f"Тип ресурса «{name}» не найден: есть User и Group.")


@scim_view(("GET",))
def schema_list(request, scope):
    base = base_url(request)
    items = [s.schema_document(urn, base) for urn in s.SCHEMAS]
    return scim_response({"schemas": [s.LIST], "totalResults": len(items), "startIndex": 1,
                          "itemsPerPage": len(items), "Resources": items})


@scim_view(("GET",))
def schema_detail(request, scope, urn):
    if urn not in s.SCHEMAS:
        raise NotFound(f"Схема «{urn}» не найдена.")
    return scim_response(s.schema_document(urn, base_url(request)))


@scim_view(("POST",))
def root_search(request, scope):
    raise ScimError(501, "Поиск сразу по всем типам ресурсов не поддерживается: используйте /Users/.search или /Groups/.search.")


@scim_view(("GET", "POST", "PUT", "PATCH", "DELETE"), authenticated=False)
def not_found(request, scope, rest=""):
    raise NotFound(f"Адрес /{rest} в SCIM не существует. Ресурсы: /Users, /Groups; описание: /ServiceProviderConfig, "
                   f"/ResourceTypes, /Schemas.")


# --- users -------------------------------------------------------------------------------------------------


def _render_user(person, base):
    return mapping.render_user(person, base)


def _users_list(request, scope, params) -> HttpResponse:
    qs = selectors.users(scope)
    if params.get("filter"):
        qs = selectors.filter_users(scope, qs, str(params["filter"]))
    return _list(request, qs, _render_user, params)


def _reload(scope, person):
    """The person as just saved, with their roles in the scope read again (one query)."""
    person.scim_memberships = list(selectors.scope_memberships(scope).filter(person=person))
    return person


@scim_view(("GET", "POST"))
def users(request, scope):
    if request.method == "GET":
        return _users_list(request, scope, request.GET)
    data = mapping.parse_user(_body(request))
    person = services.user_create(scope=scope, data=data)
    return _resource(mapping.render_user(_reload(scope, person), base_url(request)), request, 201)


@scim_view(("POST",))
def users_search(request, scope):
    return _users_list(request, scope, _search_params(_body(request)))


def _search_params(body) -> dict:
    if not isinstance(body, dict):
        raise ScimError(400, "Тело .search — объект SearchRequest.", "invalidSyntax")
    return {key: body.get(key) for key in ("filter", "startIndex", "count", "attributes", "excludedAttributes", "sortBy")
            if body.get(key) is not None}


@scim_view(("GET", "PUT", "PATCH", "DELETE"))
def user_detail(request, scope, user_id):
    person = selectors.user(scope, user_id)
    base = base_url(request)
    current = mapping.render_user(person, base)
    if request.method == "GET":
        return _resource(current, request)
    _check_if_match(request, current)
    if request.method == "DELETE":
        services.user_delete(scope=scope, person=person)
        return scim_response(None, 204)
    if request.method == "PUT":
        data = mapping.parse_user(_body(request))
    else:
        data = mapping.parse_user(patch.apply(current, patch.operations(_body(request))))
    person = services.user_replace(scope=scope, person=person, data=data)
    return _resource(mapping.render_user(_reload(scope, person), base), request)


# --- groups ------------------------------------------------------------------------------------------------

GROUPS_FIXED = ("Группы доступа общие для всех школ и задаются владельцем системы (R13): через SCIM их нельзя "
                "создать или удалить — только изменить состав сотрудников своей школы (PATCH/PUT members).")


def _groups_list(request, scope, params) -> HttpResponse:
    qs = selectors.groups(scope)
    if params.get("filter"):
        qs = selectors.filter_groups(qs, str(params["filter"]))
    return _list(request, qs, mapping.render_group, params)


@scim_view(("GET", "POST"))
def groups(request, scope):
    if request.method == "POST":
        raise ScimError(403, GROUPS_FIXED)
    return _groups_list(request, scope, request.GET)


@scim_view(("POST",))
def groups_search(request, scope):
    return _groups_list(request, scope, _search_params(_body(request)))


@scim_view(("GET", "PUT", "PATCH", "DELETE"))
def group_detail(request, scope, group_id):
    """PUT answers the group; PATCH answers 204 without a body (RFC 7644 §3.5.2 allows it): a group may
    hold thousands of a school's employees, and adding a few must not read them all back."""
    base = base_url(request)
    if request.method == "GET":
        return _resource(mapping.render_group(selectors.group(scope, group_id), base), request)
    if request.method == "DELETE":
        selectors.group_bare(scope, group_id)
        raise ScimError(403, GROUPS_FIXED)
    if request.headers.get("If-Match"):
        _check_if_match(request, mapping.render_group(selectors.group(scope, group_id), base))
    group = selectors.group_bare(scope, group_id)
    if request.method == "PUT":
        body = mapping.lower_keys(_body(request))
        name = body.get("displayname")
        if name is not None and name != group.name:
            raise ScimError(400, "Название группы через SCIM не меняется (R13).", "mutability")
        services.group_members_replace(scope=scope, group=group, members=body.get("members") or [])
        return _resource(mapping.render_group(selectors.group(scope, group_id), base), request)
    ops = patch.operations(_body(request))
    add, remove = patch.group_member_changes(ops, selectors.group_member_ids(scope, group))
    if add or remove:
        services.group_members_change(scope=scope, group=group, add=add, remove=remove)
    return scim_response(None, 204)


# --- bulk --------------------------------------------------------------------------------------------------


@scim_view(("POST",))
@records_scim_bulk  # issue #10: each /Bulk request of a school is a run in the exchange journal
def bulk_request(request, scope):
    """POST /Bulk (RFC 7644 §3.7): up to 1,000 operations; runs of «POST /Users» are created together. A request
    that would end or move more of the school's roles than its thresholds is held, not applied: 409 (issue #10)."""
    base = base_url(request)
    body = _body(request, bulk.MAX_PAYLOAD)
    try:
        response, _ = bulk_hold.bulk_guarded(scope=scope, body=body, base=base)
    except bulk_hold.BulkHeld as exc:
        page = request.build_absolute_uri(reverse("roster:held_detail", args=[exc.held.pk]))
        return error_response(409, bulk_hold.held_message(exc.held, page_url=page))
    return scim_response(response)
