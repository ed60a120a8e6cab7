"""Pages of the confirmation part of people; joined into the «people» namespace by people/urls.py."""
from django.urls import path

from sreda.people import views_confirmation as views

urlpatterns: list = [
    path("confirmation/", views.confirmation, name="confirmation"),
    path("confirmation/decide/", views.confirmation_decide, name="confirmation_decide"),
    path("confirmation/send-report/", views.confirmation_report_send, name="confirmation_report_send"),
    path("confirmation/reports/", views.confirmation_reports, name="confirmation_reports"),
    path("confirmation/reports.csv", views.confirmation_reports_csv, name="confirmation_reports_csv"),
    path("confirmation/reports/<int:pk>/", views.confirmation_report, name="confirmation_report"),
    path("confirmation/schools/<int:pk>/", views.confirmation_school, name="confirmation_school"),
]
