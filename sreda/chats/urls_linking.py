"""Pages of the chats linking part; joined into the «chats» namespace by chats/urls.py."""
from django.urls import path

from sreda.chats import views_linking as views

urlpatterns: list = [
    path("link/", views.link, name="link"),
    path("link/code/", views.link_start, name="link_start"),
    path("link/confirm/", views.link_confirm, name="link_confirm"),
    path("link/remove/", views.link_remove, name="link_remove"),
]
