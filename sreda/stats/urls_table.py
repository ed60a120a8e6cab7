"""Pages of the stats app (table); joined into the «stats» namespace by stats/urls.py."""
from django.urls import path

from sreda.stats import views_table

urlpatterns: list = [
    path("table/", views_table.statistics_table_page, name="table"),
    path("table.csv", views_table.statistics_table_csv, name="table_csv"),
    path("table.xlsx", views_table.statistics_table_xlsx, name="table_xlsx"),
]
