"""Pages of the chats linking part; joined into the «chats» namespace by chats/urls.py."""
from django.urls import path  # noqa: F401

urlpatterns: list = []
