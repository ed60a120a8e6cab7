"""Pages of the stats app (import); joined into the «stats» namespace by stats/urls.py."""
from django.urls import path

from sreda.stats import views_import

urlpatterns: list = [
    path("import/", views_import.import_upload, name="import"),
    path("import/<int:pk>/", views_import.import_detail, name="import_detail"),
]
