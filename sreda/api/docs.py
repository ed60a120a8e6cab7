"""The API docs page (Swagger UI) with the assets django-ninja ships, served from here: no CDN.

Ninja renders its own bundled template only when "ninja" is an installed app and falls back to a CDN
otherwise; this page does not depend on that setting.
"""
from __future__ import annotations

import mimetypes
from pathlib import Path

import ninja
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET
from ninja.openapi.docs import Swagger

ASSET_DIR = Path(ninja.__file__).resolve().parent / "static" / "ninja"
ASSETS = frozenset({"swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-init.js", "favicon.svg", "favicon.png"})
ASSET_URL_NAME = "docs-asset"


class LocalSwagger(Swagger):
    def render_page(self, request: HttpRequest, api, **kwargs) -> HttpResponse:
        settings = {**self.settings, "url": self.get_openapi_url(api, kwargs)}
        assets = reverse(f"{api.urls_namespace}:{ASSET_URL_NAME}", kwargs={"name": "x"})[:-1]
        return render(request, "api/docs.html", {"api": api, "swagger_settings": settings, "assets": assets})


@require_GET
@cache_control(max_age=86400, public=True)
def docs_asset(request: HttpRequest, name: str) -> FileResponse:
    if name not in ASSETS:
        raise Http404("Нет такого файла.")
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return FileResponse((ASSET_DIR / name).open("rb"), content_type=content_type)


def docs_asset_urls() -> list:
    return [path("docs/assets/<str:name>", docs_asset, name=ASSET_URL_NAME)]
