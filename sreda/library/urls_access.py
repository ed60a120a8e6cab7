"""Pages of the library's access part (R15); joined into the «library» namespace by library/urls.py."""
from django.urls import path

from sreda.library import views_access

urlpatterns: list = [
    path("", views_access.library_home, name="home"),
    path("access/", views_access.access_report_page, name="access_report"),
    path("access.xlsx", views_access.access_report_xlsx, name="access_report_xlsx"),
]
