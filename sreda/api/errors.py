"""Every API error is `{"detail": "<по-русски>"}` with the right status; validation errors add `errors`."""
from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import Throttled
from ninja.errors import ValidationError as NinjaValidationError

from sreda.api.auth import NO_TOKEN

NOT_FOUND = "Объект не найден или недоступен в текущей роли."
FORBIDDEN = "Недостаточно прав для этого действия в роли токена."

_PLACES = {"query": "параметр", "path": "путь", "body": "тело запроса", "header": "заголовок"}


def _field(error: dict) -> str:
    loc = [str(part) for part in error.get("loc", ())]
    if loc and loc[0] in _PLACES:
        place, rest = _PLACES[loc[0]], [p for p in loc[1:] if p not in ("filters", "pagination")]
        return f"{place} «{'.'.join(rest)}»" if rest else place
    return ".".join(loc) or "запрос"


def install_error_handlers(api: NinjaAPI) -> None:
    @api.exception_handler(AuthenticationError)
    def unauthenticated(request, exc: AuthenticationError):
        message = exc.message if exc.message != "Unauthorized" else NO_TOKEN
        response = api.create_response(request, {"detail": message}, status=401)
        response["WWW-Authenticate"] = 'Bearer realm="sreda"'
        return response

    @api.exception_handler(PermissionDenied)
    def forbidden(request, exc: PermissionDenied):
        return api.create_response(request, {"detail": str(exc) or FORBIDDEN}, status=403)

    @api.exception_handler(Http404)
    def not_found(request, exc: Http404):
        # Selectors raise one message for missing and forbidden objects; keep it, never Django's default.
        message = str(exc) if exc.args and str(exc) else NOT_FOUND
        return api.create_response(request, {"detail": message}, status=404)

    @api.exception_handler(DjangoValidationError)
    def invalid(request, exc: DjangoValidationError):
        return api.create_response(request, {"detail": " ".join(exc.messages)}, status=422)

    @api.exception_handler(NinjaValidationError)
    def invalid_input(request, exc: NinjaValidationError):
        fields = ", ".join(dict.fromkeys(_field(e) for e in exc.errors))
        return api.create_response(
            request, {"detail": f"Неверные параметры запроса: {fields}.", "errors": exc.errors}, status=422
        )

    @api.exception_handler(OverflowError)
    def too_large(request, exc: OverflowError):
        # An id or a number far beyond any row (SQLite stores at most 2^63 − 1): a bad parameter, never a 500.
        return api.create_response(request, {"detail": "Слишком большое число в параметре запроса."}, status=422)

    @api.exception_handler(Throttled)
    def throttled(request, exc: Throttled):
        wait = max(1, int(exc.wait or 1))
        response = api.create_response(
            request, {"detail": f"Слишком много запросов с этим токеном: повторите через {wait} с."}, status=429)
        response["Retry-After"] = str(wait)
        return response

    @api.exception_handler(HttpError)
    def http_error(request, exc: HttpError):
        return api.create_response(request, {"detail": exc.message}, status=exc.status_code)


def api_not_found(request, exception=None):
    """Django's 404 for a path no route matches (/api/v1/classes/abc): under /api/ the same problem details as
    every other API error; elsewhere the site's page."""
    from http import HTTPStatus

    from django.http import JsonResponse
    from django.views.defaults import page_not_found

    if request.path.startswith("/api/"):
        body = {"type": "about:blank", "title": "Не найдено", "status": HTTPStatus.NOT_FOUND,
                "detail": "Нет такого адреса API: проверьте путь и его параметры (/api/v1/docs)."}
        return JsonResponse(body, status=404, content_type="application/problem+json; charset=utf-8",
                            json_dumps_params={"ensure_ascii": False})
    return page_not_found(request, exception)
