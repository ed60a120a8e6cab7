"""Pages of the chats sync part; joined into the «chats» namespace by chats/urls.py."""
from django.urls import path

from sreda.chats import views_sync

urlpatterns: list = [
    path("settings/", views_sync.settings_page, name="settings"),
    path("tasks/", views_sync.tasks_page, name="tasks"),
    path("tasks/<int:pk>/", views_sync.task_page, name="task"),
    path("sync/", views_sync.sync_now, name="sync_now"),
    path("backfill/", views_sync.backfill_now, name="backfill_now"),
]
