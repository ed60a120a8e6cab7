from django.contrib import admin
from django.urls import include, path

from sreda.api.ninja_api import api

admin.site.site_header = "Среда — администрирование"
admin.site.site_title = "Среда"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("scim/v2/", include("sreda.api.scim.urls")),
    path("tokens/", include("sreda.api.urls_tokens")),
    path("orgs/", include("sreda.orgs.urls")),
    path("people/", include("sreda.people.urls")),
    path("roster/", include("sreda.roster.urls")),
    path("onboarding/", include("sreda.onboarding.urls")),
    path("access/", include("sreda.access.urls")),
    path("stats/", include("sreda.stats.urls")),
    path("library/", include("sreda.library.urls")),
    path("chats/", include("sreda.chats.urls")),
    path("dpo/", include("sreda.dpo.urls")),
    path("exchange/", include("sreda.exchange.urls")),
    path("_matrix/app/v1/", include("sreda.chats.urls_appservice")),  # the homeserver pushes here (R30)
    path("", include("sreda.core.urls")),
]

handler404 = "sreda.api.errors.api_not_found"  # problem details under /api/, the site's page elsewhere
