"""The API root, `/api/v1/`: token authentication, Russian errors, the docs page, every domain's router.

OpenAPI 3 is at `/api/v1/openapi.json`, Swagger UI at `/api/v1/docs` (assets served locally).
"""
from importlib import import_module

from django.http import HttpRequest
from ninja import NinjaAPI
from ninja.renderers import JSONRenderer

from sreda.api.auth import TokenAuth
from sreda.api.docs import LocalSwagger, docs_asset_urls
from sreda.api.errors import install_error_handlers
from sreda.api.schemas import ERRORS, MeOut

DESCRIPTION = """\
API «Среды» для школьных ИС, районных систем и интеграций (R29).

**Авторизация.** Каждый запрос несёт заголовок `Authorization: Bearer <токен>`. Токен выпускают
администратор или руководитель ОО, методист района или оператор платформы
(`python -m sreda token create --org ИНН --scope read`). Токен показывается один раз; хранится только его хеш.

**Роль.** Токен действует от имени одной роли (R1): права и видимость те же, что у этой роли на сайте.
Объект вне области роли отвечает 404 — так же, как несуществующий.

**Списки** постраничные: `?limit=` (по умолчанию 50, не больше 500) и `?offset=`; ответ — `{"count", "items"}`.

**Ошибки** — `{"detail": "…"}` по-русски: 401 — нет токена или он отозван, 403 — роли или токену не хватает
прав, 404 — не найдено или недоступно, 422 — неверные параметры.
"""


class RussianJSONRenderer(JSONRenderer):
    """JSON is UTF-8 by definition (RFC 8259): «detail» stays readable in curl and logs, not \\u-escaped."""

    json_dumps_params = {"ensure_ascii": False}


class SredaAPI(NinjaAPI):
    def _get_urls(self):
        return docs_asset_urls() + super()._get_urls()


api = SredaAPI(
    title="Среда API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    auth=TokenAuth(),
    docs=LocalSwagger(),
    renderer=RussianJSONRenderer(),
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


_register_routers()
