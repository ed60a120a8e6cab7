from django.urls import path

from sreda.roster import views, views_hold

app_name = "roster"

urlpatterns = [
    path("import/", views.upload, name="upload"),
    path("import/template.xlsx", views.template_xlsx, name="template"),
    path("import/<int:pk>/", views.detail, name="detail"),
    path("import/held/", views_hold.held_list, name="held_list"),
    path("import/held/settings/", views_hold.held_settings, name="held_settings"),
    path("import/held/<int:pk>/", views_hold.held_detail, name="held_detail"),
    path("import/held/<int:pk>/preview.xlsx", views_hold.held_xlsx, name="held_xlsx"),
    path("import/held/<int:pk>/approve/", views_hold.held_decide, {"decision": "approve"}, name="held_approve"),
    path("import/held/<int:pk>/reject/", views_hold.held_decide, {"decision": "reject"}, name="held_reject"),
]
