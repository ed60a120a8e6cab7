"""The API root, `/api/v1/`: token authentication, Russian errors, the docs page, every domain's router.

OpenAPI 3 is at `/api/v1/openapi.json`, Swagger UI at `/api/v1/docs` (assets served locally).
"""
from http import HTTPStatus
from importlib import import_module

from django.http import HttpRequest
from ninja import NinjaAPI
from ninja.renderers import JSONRenderer

from sreda.api.auth import TokenAuth
from sreda.api.docs import LocalSwagger, docs_asset_urls
from sreda.api.errors import install_error_handlers
from sreda.api.schemas import ERRORS, MeOut
from sreda.api.throttling import TokenRateThrottle

DESCRIPTION = """\
API «Среды» для школьных ИС, районных систем и интеграций (R29).

**Авторизация.** Каждый запрос несёт заголовок `Authorization: Bearer <токен>`. Токен выпускают
администратор или руководитель ОО, методист района или оператор платформы
(`python -m sreda token create --org ИНН --scope read`). Токен показывается один раз; хранится только его хеш.

**Роль.** Токен действует от имени одной роли (R1): права и видимость те же, что у этой роли на сайте.
Объект вне области роли отвечает 404 — так же, как несуществующий.

**Списки** постраничные: `?limit=` (по умолчанию 50, не больше 500) и `?offset=`; ответ — `{"count", "items"}`.

**Ошибки** — `application/problem+json` (RFC 9457): `{"type", "title", "status", "detail"}`, где `detail` —
по-русски: 401 — нет токена или он отозван, 403 — роли или токену не хватает прав, 404 — не найдено или
недоступно, 422 — неверные параметры, 429 — превышен лимит запросов токена (заголовок `Retry-After` — через
сколько секунд повторить).

**Лимит** — по умолчанию 600 запросов в минуту на токен (`SREDA_API_RATE_LIMIT`, `SREDA_API_RATE_WINDOW`).
"""


class RussianJSONRenderer(JSONRenderer):
    """JSON is UTF-8 by definition (RFC 8259): «detail» stays readable in curl and logs, not \\u-escaped."""

    json_dumps_params = {"ensure_ascii": False}


PROBLEM_JSON = "application/problem+json"


class SredaAPI(NinjaAPI):
    def _get_urls(self):
        return docs_asset_urls() + super()._get_urls()

    def create_response(self, request, data, *, status=None, temporal_response=None):
        """Every error is RFC 9457 problem details: `type`, `title`, `status` and the Russian `detail`."""
        code = temporal_response.status_code if temporal_response else status
        if code and code >= 400 and isinstance(data, dict) and "detail" in data:
            # A body validated against ErrorOut arrives with its defaults (title "", status 0): the real ones win.
            data = {**data, "type": data.get("type") or "about:blank", "title": data.get("title") or problem_title(code),
                    "status": code}
            response = super().create_response(request, data, status=status, temporal_response=temporal_response)
            response["Content-Type"] = f"{PROBLEM_JSON}; charset=utf-8"
            return response
        return super().create_response(request, data, status=status, temporal_response=temporal_response)

    def get_openapi_schema(self, *args, **kwargs):
        """The spec says what the server does: errors as problem+json; 401 and 429 possible on every call."""
        schema = super().get_openapi_schema(*args, **kwargs)
        for methods in schema.get("paths", {}).values():
            for operation in methods.values():
                responses = operation.get("responses", {})
                for code in (401, 429):
                    if "security" in operation and code not in responses and str(code) not in responses:
                        # only calls with a token can be refused for it
                        responses[code] = ({"description": problem_title(code), "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}})
                for code, response in responses.items():
                    content = response.get("content", {})
                    if not (str(code).isdigit() and int(code) >= 400 and "application/json" in content):
                        continue
                    if _is_problem(content["application/json"], schema):
                        response["content"] = {PROBLEM_JSON: content["application/json"]}
                    else:  # a report (an import's rejected rows); a body that does not parse is still a problem
                        content[PROBLEM_JSON] = {"schema": {"$ref": "#/components/schemas/ErrorOut"}}
        return schema


def _is_problem(media: dict | None, schema: dict) -> bool:
    """An error body with `detail` is sent as problem details (see create_response); a report such as an
    import's list of rejected rows stays plain JSON."""
    if not media:
        return False
    ref = media.get("schema", {}).get("$ref", "")
    component = schema.get("components", {}).get("schemas", {}).get(ref.rsplit("/", 1)[-1], {}) if ref else media.get("schema", {})
    return "detail" in component.get("properties", {})


def problem_title(status: int) -> str:
    return PROBLEM_TITLES.get(status) or HTTPStatus(status).phrase


PROBLEM_TITLES = {400: "Неверный запрос", 401: "Нужен токен", 403: "Недостаточно прав", 404: "Не найдено",
                  405: "Метод не поддерживается", 409: "Конфликт", 413: "Слишком большой запрос",
                  422: "Неверные параметры", 429: "Слишком много запросов", 500: "Ошибка сервера"}


api = SredaAPI(
    title="Среда API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    auth=TokenAuth(),
    docs=LocalSwagger(),
    renderer=RussianJSONRenderer(),
    throttle=TokenRateThrottle(),
)
install_error_handlers(api)


@api.get("/me", response={200: MeOut, **ERRORS}, tags=["Токен"], summary="Роль и токен запроса")
def me(request: HttpRequest):
    """Кем считается вызывающая система: токен (без секрета), его области и роль, от имени которой он действует."""
    token = request.auth
    active = request.active_role
    membership = active.membership
    person = active.person or (membership.person if membership and membership.person_id else None)
    return {
        "token": token,
        "role": {
            "role": active.role,
            "role_label": active.role_label,
            "label": active.label,
            "organisation": membership.organisation if membership.organisation_id else None,
            "municipality": membership.municipality if membership.municipality_id else None,
            "region": membership.region if membership.region_id else None,
            "person": person,
        },
    }


def _register_routers() -> None:
    from sreda.access.api import router as access_router
    from sreda.onboarding.api import router as onboarding_router
    from sreda.orgs.api import router as orgs_router
    from sreda.people.api import router as people_router
    from sreda.people.api_confirmation import router as confirmation_router
    from sreda.people.api_employees import router as employees_router
    from sreda.people.api_verification import router as verification_router

    api.add_router("/", orgs_router)
    api.add_router("/", people_router)
    api.add_router("/", verification_router)
    api.add_router("/", confirmation_router)
    api.add_router("/", employees_router)
    api.add_router("/", onboarding_router)
    api.add_router("/", access_router)
    for name in ("events", "import", "indicators", "dashboard"):
        api.add_router("/", import_module(f"sreda.stats.api_{name}").router)
    for name in ("access", "schedule", "catalogue", "assignments"):
        api.add_router("/", import_module(f"sreda.library.api_{name}").router)
    for name in ("plan", "sync", "linking"):
        api.add_router("/", import_module(f"sreda.chats.api_{name}").router)
    for name in ("joining", "parents", "tracker", "acknowledgements"):
        api.add_router("/", import_module(f"sreda.onboarding.api_{name}").router)
    api.add_router("/", import_module("sreda.dpo.api").router)
    api.add_router("/", import_module("sreda.exchange.api").router)  # issue #10: exchange health
    api.add_router("/", import_module("sreda.roster.api").router)
    api.add_router("/", import_module("sreda.orgs.api_transition").router)


_register_routers()
