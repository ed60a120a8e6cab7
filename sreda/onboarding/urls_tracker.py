"""Pages of the onboarding tracker (R23): «Подключение классов»."""
from django.urls import path

from sreda.onboarding import views_tracker

urlpatterns = [
    path("tracker/", views_tracker.tracker_page, name="tracker"),
    path("tracker/deadline/", views_tracker.deadline, name="tracker_deadline"),
    path("tracker/export/", views_tracker.export_class, name="tracker_export"),
    path("tracker/summary.xlsx", views_tracker.export_summary, name="tracker_summary_export"),
]
