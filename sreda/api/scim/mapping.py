"""Person / Membership / AccessGroup ↔ SCIM JSON (RFC 7643). The table is in docs/scim.md."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from sreda.access.models import AccessGroup
from sreda.api.scim import schemas as s
from sreda.core.identifiers import validate_phone
from sreda.people.models import Person, User
from sreda.people.roles import Role

# Which role the single-valued `role` shows when a person holds several in the organisation.
ROLE_PRIORITY = [Role.DIRECTOR, Role.ADMINISTRATOR, Role.TEACHER, Role.STAFF, Role.STUDENT, Role.PARENT]
# Roles a SCIM client may give; a director is confirmed by the regional operator (R6–R7), not by an IS.
WRITABLE_ROLES = {Role.ADMINISTRATOR, Role.TEACHER, Role.STAFF, Role.STUDENT, Role.PARENT}
DEFAULT_ROLE = Role.STAFF


class ScimError(Exception):
    """An error answered in SCIM's format (RFC 7644 §3.12)."""

    def __init__(self, status: int, detail: str, scim_type: str | None = None):
        super().__init__(detail)
        self.status, self.detail, self.scim_type = status, detail, scim_type


def iso(value) -> str:
    return value.isoformat().replace("+00:00", "Z")


def version_of(document: dict) -> str:
    """A weak ETag: the hash of the representation itself, so any visible change changes it."""
    body = {key: value for key, value in document.items() if key != "meta"}
    digest = hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()
    return f'W/"{digest[:20]}"'


def user_name_of(person: Person) -> str:
    account = getattr(person, "user", None)
    if account is not None:
        return account.username
    return person.external_id or f"sreda-{person.pk}"


def main_membership(person: Person):
    memberships = getattr(person, "scim_memberships", [])
    return min(memberships, key=lambda m: (ROLE_PRIORITY.index(m.role) if m.role in ROLE_PRIORITY else 99, m.pk),
               default=None)


def render_user(person: Person, base: str) -> dict:
    memberships = getattr(person, "scim_memberships", [])
    main = main_membership(person)
    doc: dict = {"schemas": [s.USER, s.ENTERPRISE, s.SREDA], "id": str(person.pk)}
    if person.external_id:
        doc["externalId"] = person.external_id
    doc["userName"] = user_name_of(person)
    name = {"familyName": person.surname, "givenName": person.name}
    if person.patronymic:
        name["middleName"] = person.patronymic
    doc["name"] = {key: value for key, value in name.items() if value}
    if not doc["name"]:
        del doc["name"]
    doc["displayName"] = person.full_name
    if person.email:
        doc["emails"] = [{"value": person.email}]
    if person.phone:
        doc["phoneNumbers"] = [{"value": person.phone}]
    doc["active"] = bool(memberships)
    enterprise = {"employeeNumber": str(person.pk)}
    if main is not None:
        enterprise["organization"] = main.organisation.inn
        student = next((m for m in memberships if m.role == Role.STUDENT and m.school_class_id), None)
        if student is not None:
            enterprise["department"] = student.school_class.title
    doc[s.ENTERPRISE] = enterprise
    doc[s.SREDA] = {"role": main.role, "roles": sorted({m.role for m in memberships})} if main else {}
    doc["meta"] = {
        "resourceType": "User", "created": iso(person.created_at), "lastModified": iso(person.updated_at),
        "location": f"{base}/Users/{person.pk}",
    }
    doc["meta"]["version"] = version_of(doc)
    return doc


def render_group(group: AccessGroup, base: str) -> dict:
    doc = {
        "schemas": [s.GROUP], "id": str(group.pk), "externalId": group.code, "displayName": group.name,
        "members": [
            {"value": str(m.person_id), "$ref": f"{base}/Users/{m.person_id}", "display": m.person.full_name,
             "type": "User"}
            for m in getattr(group, "scim_members", [])
        ],
        "meta": {"resourceType": "Group", "location": f"{base}/Groups/{group.pk}"},
    }
    doc["meta"]["version"] = version_of(doc)
    return doc


def project(document: dict, attributes: list[str] | None, excluded: list[str] | None) -> dict:
    """RFC 7644 §3.4.2.5 `attributes` / `excludedAttributes`; id, schemas and meta are always returned."""
    always = {"id", "schemas", "meta"}

    def top(name: str) -> str:
        name = name.strip()
        for urn in (s.USER, s.GROUP):
            if name.lower().startswith(urn.lower() + ":"):
                name = name[len(urn) + 1:]
        return name.split(".")[0].lower()

    if attributes:
        wanted = {top(a) for a in attributes}
        return {k: v for k, v in document.items() if k in always or k.lower() in wanted}
    if excluded:
        dropped = {top(a) for a in excluded}
        return {k: v for k, v in document.items() if k in always or k.lower() not in dropped}
    return document


# --- input ------------------------------------------------------------------------------------------------


def lower_keys(data) -> dict:
    return {str(key).lower(): value for key, value in data.items()} if isinstance(data, dict) else {}


@dataclass
class UserIn:
    user_name: str
    surname: str
    name: str
    patronymic: str
    email: str
    phone: str
    external_id: str | None
    active: bool | None
    organization: str | None
    department: str | None
    role: str | None


def _text(value, label: str, max_length: int) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ScimError(400, f"{label}: ожидается строка.", "invalidValue")
    value = value.strip()
    if len(value) > max_length:
        raise ScimError(400, f"{label}: не длиннее {max_length} символов.", "invalidValue")
    return value


def _primary_value(items, label: str) -> str:
    if items in (None, []):
        return ""
    if isinstance(items, dict):
        items = [items]
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise ScimError(400, f"{label}: ожидается список объектов с полем value.", "invalidSyntax")
    chosen = next((item for item in items if lower_keys(item).get("primary") is True), items[0])
    return lower_keys(chosen).get("value") or ""


def parse_user(data: dict) -> UserIn:
    """A POST / PUT body (or a patched representation) checked and normalised; Russian details on errors."""
    if not isinstance(data, dict):
        raise ScimError(400, "Тело запроса должно быть объектом JSON пользователя.", "invalidSyntax")
    body = lower_keys(data)
    user_name = _text(body.get("username"), "userName", 150)
    if not user_name:
        raise ScimError(400, "Укажите userName — логин в Среде.", "invalidValue")
    try:
        User.username_validator(user_name)
    except ValidationError:
        raise ScimError(400, f"userName «{user_name}»: допустимы буквы, цифры и символы @ . + - _.", "invalidValue") from None
    name = lower_keys(body.get("name"))
    surname = _text(name.get("familyname"), "name.familyName", 100)
    given = _text(name.get("givenname"), "name.givenName", 100)
    if not surname or not given:
        raise ScimError(400, "Укажите фамилию и имя: name.familyName и name.givenName.", "invalidValue")
    email = _text(_primary_value(body.get("emails"), "emails"), "emails.value", 254)
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise ScimError(400, f"E-mail «{email}» записан неверно.", "invalidValue") from None
    phone = _text(_primary_value(body.get("phonenumbers"), "phoneNumbers"), "phoneNumbers.value", 30)
    if phone:
        try:
            phone = validate_phone(phone)
        except ValidationError as exc:
            raise ScimError(400, exc.messages[0], "invalidValue") from None
    external_id = _text(body.get("externalid"), "externalId", 100) or None
    active = body.get("active")
    if isinstance(active, str) and active.lower() in ("true", "false"):
        active = active.lower() == "true"  # Microsoft Entra sends "False" as a string
    if active is not None and not isinstance(active, bool):
        raise ScimError(400, "active: ожидается true или false.", "invalidValue")
    enterprise = lower_keys(body.get(s.ENTERPRISE.lower()))
    sreda = lower_keys(body.get(s.SREDA.lower()))
    role = _text(sreda.get("role"), "role", 32) or None
    if role is not None and role not in WRITABLE_ROLES:
        if role == Role.DIRECTOR:
            raise ScimError(400, "Роль руководителя ОО через SCIM не выдаётся: её подтверждает оператор региона (R6–R7).",
                            "invalidValue")
        raise ScimError(400, f"Роль «{role}» неизвестна; допустимы: {', '.join(sorted(WRITABLE_ROLES))}.", "invalidValue")
    return UserIn(
        user_name=user_name, surname=surname, name=given, patronymic=_text(name.get("middlename"), "name.middleName", 100),
        email=email, phone=phone, external_id=external_id, active=active,
        organization=_text(enterprise.get("organization"), "organization", 12) or None,
        department=_text(enterprise.get("department"), "department", 20) or None,
        role=role,
    )
