from django.urls import path

from sreda.exchange import views

app_name = "exchange"

urlpatterns = [
    path("", views.runs_page, name="runs"),
    path("export.xlsx", views.runs_xlsx, name="runs_xlsx"),
    path("runs/<int:pk>/", views.run_page, name="run"),
    path("district/", views.health_page, name="health"),
    path("district/export.xlsx", views.health_xlsx, name="health_xlsx"),
]
