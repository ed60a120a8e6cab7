"""SCIM Bulk (RFC 7644 §3.7): many operations in one request, as a school IS sends its whole staff.

Consecutive «POST /Users» operations are created together (one transaction per run of them, a few
multi-row INSERTs whatever their number); every other operation goes through the same services as its
single request. Operations are not atomic together (the RFC does not ask it): each answers its own status,
inside its own savepoint. The request as a whole runs in one transaction under the sync hold (bulk_hold.py).
"""
from __future__ import annotations

import json
import re
from collections.abc import Callable

from django.contrib.auth.hashers import make_password
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone

from sreda.api.scim import mapping, patch, selectors, services
from sreda.api.scim import schemas as s
from sreda.api.scim.filters import FilterError
from sreda.api.scim.mapping import DEFAULT_ROLE, ScimError, UserIn
from sreda.api.scim.selectors import NotFound, Scope
from sreda.core.models import AuditEntry
from sreda.orgs.models import SchoolClass
from sreda.people.models import (
    Confirmation,
    Membership,
    MembershipOrigin,
    Person,
    User,
    person_sort_key,
)
from sreda.people.roles import Role
from sreda.roster.engine.bulk import db_date, db_datetime, insert_rows
from sreda.roster.engine.memberships import org_today
from sreda.roster.signals import roster_applied

BULK_REQUEST = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"
BULK_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:BulkResponse"
MAX_OPERATIONS = 1000
MAX_PAYLOAD = 2_000_000
_BULK_REF = re.compile(r"bulkId:([A-Za-z0-9_.-]+)")

PERSON_FIELDS = ["external_id", "surname", "name", "patronymic", "snils", "email", "phone", "birth_date", "sex",
                 "sort_key", "account_confirmed", "created_at", "updated_at"]
USER_FIELDS = ["password", "is_superuser", "username", "first_name", "last_name", "email", "is_staff", "is_active",
               "date_joined", "person"]
MEMBERSHIP_FIELDS = ["person", "organisation", "role", "school_class", "origin", "start_date", "confirmation"]


def _error(exc: Exception) -> ScimError:
    if isinstance(exc, ScimError):
        return exc
    if isinstance(exc, NotFound):
        return ScimError(404, str(exc))
    if isinstance(exc, FilterError):
        return ScimError(400, str(exc), "invalidFilter")
    if isinstance(exc, PermissionDenied):
        return ScimError(403, str(exc) or "Недостаточно прав.")
    raise exc


def users_create_many(*, scope: Scope, items: list[UserIn]) -> list[Person | ScimError]:
    """Create new people with their role in the token's school at once. Items whose externalId Sreda already
    knows go one by one through `services.user_create` (attach or 409), as does everything after an error
    of the whole run."""
    organisation = services.write_organisation(scope)
    results: list[Person | ScimError | None] = [None] * len(items)
    names = [item.user_name.lower() for item in items]
    externals = [item.external_id for item in items if item.external_id]
    with transaction.atomic():
        taken_names = set(User.objects.annotate(lowered=Lower("username")).filter(lowered__in=names)
                          .values_list("lowered", flat=True))
        known = set(Person.objects.filter(external_id__in=externals).values_list("external_id", flat=True))
        classes: dict[str, SchoolClass | ScimError] = {}
        seen_names: set[str] = set()
        seen_external: set[str] = set()
        fresh: list[tuple[int, UserIn, SchoolClass | None]] = []
        later: list[int] = []
        for index, item in enumerate(items):
            name = item.user_name.lower()
            if item.external_id in known:
                later.append(index)
                continue
            if name in taken_names or name in seen_names:
                results[index] = ScimError(409, f"Логин (userName) «{item.user_name}» уже занят.", "uniqueness")
                continue
            if item.external_id and item.external_id in seen_external:
                results[index] = ScimError(409, f"externalId «{item.external_id}» повторяется в запросе.", "uniqueness")
                continue
            role = item.role or DEFAULT_ROLE
            school_class = None
            if role == Role.STUDENT:
                if not item.department:
                    results[index] = ScimError(400, "Для обучающегося укажите класс: department, например «5А».",
                                               "invalidValue")
                    continue
                if item.department not in classes:
                    try:
                        classes[item.department] = services.school_class_by_title(organisation, item.department)
                    except ScimError as exc:
                        classes[item.department] = exc
                school_class = classes[item.department]
                if isinstance(school_class, ScimError):
                    results[index] = school_class
                    continue
            seen_names.add(name)
            if item.external_id:
                seen_external.add(item.external_id)
            fresh.append((index, item, school_class))
        now = timezone.now()
        now_db, today = db_datetime(now), db_date(org_today(organisation))
        person_ids = insert_rows(Person, PERSON_FIELDS, [
            (item.external_id, item.surname, item.name, item.patronymic, None, item.email, item.phone, None, "",
             person_sort_key(item.surname, item.name, item.patronymic), False, now_db, now_db)
            for _, item, _ in fresh
        ], returning=True)
        unusable = make_password(None)  # «!» + random: no password; each account signs in through ЕСИА or a reset
        insert_rows(User, USER_FIELDS, [
            (unusable, False, item.user_name, "", "", "", False, True, now_db, pid)
            for (_, item, _), pid in zip(fresh, person_ids)
        ])
        membership_ids = insert_rows(Membership, MEMBERSHIP_FIELDS, [
            (pid, organisation.pk, item.role or DEFAULT_ROLE, school_class.pk if school_class else None,
             str(MembershipOrigin.ROSTER), today, str(Confirmation.PENDING))
            for (_, item, school_class), pid in zip(fresh, person_ids)
        ], returning=True)
        # A token acts as nobody's account; an administrator approving a held Bulk (bulk_hold.py) is someone.
        acting_user = scope.actor.user if getattr(scope.actor.user, "pk", None) else None
        AuditEntry.objects.bulk_create([
            AuditEntry(actor=acting_user, actor_role=scope.actor.label, action="scim.user_create", object_type="people.person",
                       object_id=str(pid), object_repr=f"{item.surname} {item.name} {item.patronymic}".strip()[:300],
                       organisation=organisation, details={"bulk": True, "external_id": item.external_id,
                                                           "changes": [f"role={item.role or DEFAULT_ROLE}"]})
            for (_, item, _), pid in zip(fresh, person_ids)
        ], batch_size=500)
        if fresh:
            transaction.on_commit(lambda: roster_applied.send(sender=None, organisation_ids=[organisation.pk]))
    for (index, item, school_class), pid, mid in zip(fresh, person_ids, membership_ids):
        person = Person(pk=pid, external_id=item.external_id, surname=item.surname, name=item.name,
                        patronymic=item.patronymic, email=item.email, phone=item.phone, created_at=now, updated_at=now)
        person.user = User(username=item.user_name, person=person)
        person.scim_memberships = [Membership(pk=mid, person=person, organisation=organisation,
                                              role=item.role or DEFAULT_ROLE, school_class=school_class)]
        results[index] = person
    for index in later:
        try:
            results[index] = services.user_create(scope=scope, data=items[index])
        except Exception as exc:  # noqa: BLE001 — each operation answers its own error
            results[index] = _error(exc)
    return results


def run(*, scope: Scope, body, base: str, single: Callable[[str, str, object], tuple[int, dict | None]]) -> dict:
    """Execute a BulkRequest; `single(method, path, data)` runs any other operation and returns its status
    and resource document."""
    if not isinstance(body, dict) or BULK_REQUEST not in (body.get("schemas") or []):
        raise ScimError(400, f"Тело /Bulk должно быть BulkRequest со схемой {BULK_REQUEST}.", "invalidSyntax")
    operations = body.get("Operations")
    if not isinstance(operations, list) or not operations:
        raise ScimError(400, "В BulkRequest нет операций (Operations).", "invalidSyntax")
    if len(operations) > MAX_OPERATIONS:
        raise ScimError(413, f"В одном BulkRequest не больше {MAX_OPERATIONS} операций.", "tooMany")
    fail_on = body.get("failOnErrors")
    fail_on = fail_on if isinstance(fail_on, int) and fail_on > 0 else None
    created: dict[str, str] = {}  # bulkId → id
    answers: list[dict | None] = [None] * len(operations)
    errors = 0

    def resolve(value):
        text = json.dumps(value, ensure_ascii=False)
        for ref in set(_BULK_REF.findall(text)):
            if ref not in created:
                raise ScimError(409, f"bulkId «{ref}» не создан ни одной предыдущей операцией.", "invalidValue")
            text = text.replace(f"bulkId:{ref}", created[ref])
        return json.loads(text)

    def answer(index: int, op: dict, status: int, document: dict | None = None, error: ScimError | None = None):
        nonlocal errors
        item = {"method": str(op.get("method", "")).upper(), "status": str(status)}
        if op.get("bulkId"):
            item["bulkId"] = op["bulkId"]
        if document is not None:
            item["location"] = document["meta"]["location"]
            item["version"] = document["meta"]["version"]
            if op.get("bulkId"):
                created[str(op["bulkId"])] = document["id"]
        if error is not None:
            errors += 1
            item["response"] = {"schemas": [s.ERROR], "status": str(error.status), "detail": error.detail,
                                **({"scimType": error.scim_type} if error.scim_type else {})}
        answers[index] = item

    index = 0
    while index < len(operations) and (fail_on is None or errors < fail_on):
        op = operations[index]
        if not isinstance(op, dict):
            answer(index, {}, 400, error=ScimError(400, "Операция Bulk — объект с method, path, data.", "invalidSyntax"))
            index += 1
            continue
        # A run of «POST /Users» that refer to no earlier bulkId is created at once.
        run_end = index
        while (run_end < len(operations) and isinstance(operations[run_end], dict)
               and str(operations[run_end].get("method", "")).upper() == "POST"
               and str(operations[run_end].get("path", "")).rstrip("/") == "/Users"
               and "bulkId:" not in json.dumps(operations[run_end].get("data"), ensure_ascii=False)):
            run_end += 1
        if run_end > index and fail_on is None:
            items, positions = [], []
            for position in range(index, run_end):
                try:
                    items.append(mapping.parse_user(operations[position].get("data")))
                    positions.append(position)
                except ScimError as exc:
                    answer(position, operations[position], exc.status, error=exc)
            try:
                results = users_create_many(scope=scope, items=items) if items else []
            except Exception as exc:  # noqa: BLE001
                results = [_error(exc)] * len(items)
            for position, result in zip(positions, results):
                if isinstance(result, ScimError):
                    answer(position, operations[position], result.status, error=result)
                else:
                    answer(position, operations[position], 201, mapping.render_user(result, base))
            index = run_end
            continue
        try:
            with transaction.atomic():  # its own savepoint: a failed operation leaves nothing inside the whole
                status, document = single(str(op.get("method", "")).upper(), resolve(op.get("path", "")),
                                          resolve(op.get("data")))
            answer(index, op, status, document)
        except Exception as exc:  # noqa: BLE001
            error = _error(exc)
            answer(index, op, error.status, error=error)
        index += 1
    return {"schemas": [BULK_RESPONSE], "Operations": [a for a in answers if a is not None]}


def single_operation(scope: Scope, base: str) -> Callable[[str, str, object], tuple[int, dict | None]]:
    """One Bulk operation on /Users or /Groups through the same services as its own request."""

    def execute(method: str, path: str, data) -> tuple[int, dict | None]:
        parts = [p for p in str(path).split("/") if p]
        if not parts or parts[0] not in ("Users", "Groups") or len(parts) > 2:
            raise ScimError(400, f"Путь «{path}» в Bulk не поддерживается: /Users, /Users/{{id}}, /Groups/{{id}}.",
                            "invalidPath")
        if parts[0] == "Users":
            if len(parts) == 1:
                if method != "POST":
                    raise ScimError(405, f"{method} /Users в Bulk не поддерживается.")
                person = services.user_create(scope=scope, data=mapping.parse_user(data))
                return 201, mapping.render_user(selectors.user(scope, str(person.pk)), base)
            person = selectors.user(scope, parts[1])
            if method == "DELETE":
                services.user_delete(scope=scope, person=person)
                return 204, None
            current = mapping.render_user(person, base)
            if method == "PUT":
                wanted = mapping.parse_user(data)
            elif method == "PATCH":
                wanted = mapping.parse_user(patch.apply(current, patch.operations(data)))
            else:
                raise ScimError(405, f"{method} /Users/{{id}} в Bulk не поддерживается.")
            person = services.user_replace(scope=scope, person=person, data=wanted)
            return 200, mapping.render_user(selectors.user(scope, str(person.pk)), base)
        if len(parts) == 1 or method not in ("PATCH", "PUT"):
            raise ScimError(403, "Группы доступа через SCIM не создаются и не удаляются (R13): только PATCH/PUT состава.")
        group = selectors.group_bare(scope, parts[1])
        if method == "PUT":
            services.group_members_replace(scope=scope, group=group,
                                           members=mapping.lower_keys(data).get("members") or [])
            return 200, mapping.render_group(selectors.group(scope, parts[1]), base)
        add, remove = patch.group_member_changes(patch.operations(data), selectors.group_member_ids(scope, group))
        if add or remove:
            services.group_members_change(scope=scope, group=group, add=add, remove=remove)
        return 204, None

    return execute
