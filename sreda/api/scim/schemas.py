"""SCIM discovery documents (RFC 7643 §5–7, RFC 7644 §4): what Sreda serves and nothing more.

The schemas list only the attributes Sreda stores, so a client (or scim2-tester, which fills every
published attribute) never sends something that would be silently dropped.
"""
from __future__ import annotations

USER = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
SREDA = "urn:sreda:params:scim:schemas:extension:2.0:User"
LIST = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
SEARCH = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"
SPC = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
RESOURCE_TYPE = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Schema"

MAX_RESULTS = 200  # one page of a list at most; also the filter's maxResults


def attr(name: str, type_: str = "string", *, description: str = "", required: bool = False, multi: bool = False,
         mutability: str = "readWrite", returned: str = "default", uniqueness: str = "none",
         case_exact: bool = False, sub: list[dict] | None = None, canonical: list[str] | None = None,
         reference_types: list[str] | None = None) -> dict:
    doc = {
        "name": name, "type": type_, "multiValued": multi, "description": description, "required": required,
        "mutability": mutability, "returned": returned,
    }
    if type_ in ("string", "reference", "binary"):
        doc["caseExact"] = case_exact
        doc["uniqueness"] = uniqueness
    if sub is not None:
        doc["subAttributes"] = sub
    if canonical is not None:
        doc["canonicalValues"] = canonical
    if reference_types is not None:
        doc["referenceTypes"] = reference_types
    return doc


USER_ATTRIBUTES = [
    attr("userName", required=True, uniqueness="server",
         description="Логин в Среде: уникален, без учёта регистра. Создаётся учётная запись без пароля."),
    attr("name", "complex", required=True, description="ФИО.", sub=[
        attr("familyName", required=True, description="Фамилия."),
        attr("givenName", required=True, description="Имя."),
        attr("middleName", description="Отчество (необязательно)."),
    ]),
    attr("displayName", mutability="readOnly", description="ФИО одной строкой: фамилия, имя, отчество."),
    attr("emails", "complex", multi=True,
         description="E-mail; Среда хранит один адрес: основной (primary) или первый из переданных.", sub=[
             attr("value", description="Адрес."),
         ]),
    attr("phoneNumbers", "complex", multi=True,
         description="Телефон; Среда хранит один номер (основной или первый) и приводит его к виду +7XXXXXXXXXX.", sub=[
             attr("value", description="Номер."),
         ]),
    attr("active", "boolean",
         description="Есть ли у человека действующая роль в организации токена. false — роли завершаются (история сохраняется)."),
]

GROUP_ATTRIBUTES = [
    attr("displayName", required=True, mutability="readOnly",
         description="Название группы доступа (R13); группы общие для всех школ и через SCIM не переименовываются."),
    attr("members", "complex", multi=True, description="Сотрудники школы токена в группе.", sub=[
        attr("value", mutability="immutable", description="id пользователя (сотрудника)."),
        attr("$ref", "reference", mutability="immutable", reference_types=["User"], description="URI пользователя."),
        attr("display", mutability="readOnly", description="ФИО."),
        attr("type", mutability="immutable", canonical=["User"], description="Всегда User."),
    ]),
]

ENTERPRISE_ATTRIBUTES = [
    attr("employeeNumber", mutability="readOnly", description="Номер человека в Среде."),
    attr("organization", description="ИНН организации роли. Для токена школы — её ИНН; токену района обязателен при создании."),
    attr("department", description="Класс обучающегося, например «5А» (текущий учебный год)."),
]

SREDA_ATTRIBUTES = [
    attr("role", canonical=["administrator", "teacher", "staff", "student", "parent", "director"],
         description="Роль в организации: administrator, teacher, staff, student (нужен класс), parent. "
                     "director только для чтения (подтверждает оператор региона, R6–R7). По умолчанию staff."),
    attr("roles", multi=True, mutability="readOnly", description="Все действующие роли в организации токена."),
]

SCHEMAS = {
    USER: ("User", "Пользователь: человек Среды и его роли в организации токена", USER_ATTRIBUTES),
    GROUP: ("Group", "Группа доступа системы (R13) с сотрудниками школы токена", GROUP_ATTRIBUTES),
    ENTERPRISE: ("EnterpriseUser", "Расширение Enterprise User", ENTERPRISE_ATTRIBUTES),
    SREDA: ("SredaUser", "Роль в Среде", SREDA_ATTRIBUTES),
}


def schema_document(urn: str, base: str) -> dict:
    name, description, attributes = SCHEMAS[urn]
    return {
        "schemas": [SCHEMA], "id": urn, "name": name, "description": description, "attributes": attributes,
        "meta": {"resourceType": "Schema", "location": f"{base}/Schemas/{urn}"},
    }


def resource_types(base: str) -> list[dict]:
    return [
        {
            "schemas": [RESOURCE_TYPE], "id": "User", "name": "User", "endpoint": "/Users",
            "description": "Человек и его роли в организации токена", "schema": USER,
            "schemaExtensions": [{"schema": ENTERPRISE, "required": False}, {"schema": SREDA, "required": False}],
            "meta": {"resourceType": "ResourceType", "location": f"{base}/ResourceTypes/User"},
        },
        {
            "schemas": [RESOURCE_TYPE], "id": "Group", "name": "Group", "endpoint": "/Groups",
            "description": "Группа доступа (R13)", "schema": GROUP, "schemaExtensions": [],
            "meta": {"resourceType": "ResourceType", "location": f"{base}/ResourceTypes/Group"},
        },
    ]


def service_provider_config(base: str) -> dict:
    return {
        "schemas": [SPC],
        "documentationUri": "https://sreda.example/docs/scim",
        "patch": {"supported": True},
        "bulk": {"supported": True, "maxOperations": 1000, "maxPayloadSize": 2_000_000},
        "filter": {"supported": True, "maxResults": MAX_RESULTS},
        "changePassword": {"supported": False},
        "sort": {"supported": False},
        "etag": {"supported": True},
        "authenticationSchemes": [{
            "type": "oauthbearertoken", "name": "Bearer-токен Среды",
            "description": "Заголовок «Authorization: Bearer <токен>» с токеном области «scim».",
            "primary": True,
        }],
        "meta": {"resourceType": "ServiceProviderConfig", "location": f"{base}/ServiceProviderConfig"},
    }
