"""Pages of the stats app (dashboard); joined into the «stats» namespace by stats/urls.py."""
from django.urls import path

from sreda.stats import views_dashboard as views

urlpatterns: list = [
    path("", views.dashboard, name="dashboard"),
    path("m/<int:pk>/", views.municipality, name="municipality"),
    path("o/<int:pk>/", views.school, name="school"),
    path("links/", views.links, name="public_links"),
    path("links/<int:pk>/revoke/", views.link_revoke, name="public_link_revoke"),
    path("public/<str:token>/", views.public, name="public"),
]
