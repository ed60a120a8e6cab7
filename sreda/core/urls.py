from django.contrib.auth import views as auth_views
from django.urls import path

from sreda.core import views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("", views.home, name="home"),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("consent/", views.consent, name="consent"),
    path("role/", views.choose_role, name="choose_role"),
]
