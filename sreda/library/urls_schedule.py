"""Pages of the library's schedule part (R14); joined into the «library» namespace by library/urls.py."""
from django.urls import path

from sreda.library import views_schedule as views

urlpatterns = [
    path("schedule/", views.schedule, name="schedule"),
    path("schedule/export.xlsx", views.schedule_export, name="schedule_export"),
    path("schedule/lessons/<int:pk>/delete/", views.lesson_delete, name="lesson_delete"),
    path("schedule/periods/", views.periods, name="periods"),
    path("schedule/import/", views.schedule_import, name="schedule_import"),
    path("schedule/import/<int:pk>/", views.schedule_import_detail, name="schedule_import_detail"),
    path("schedule/publish/", views.schedule_publish, name="schedule_publish"),
    path("schedule/publications/<int:pk>/", views.publication, name="publication"),
]
