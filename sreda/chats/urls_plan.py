"""Pages of the chats plan part; joined into the «chats» namespace by chats/urls.py."""
from django.urls import path  # noqa: F401

urlpatterns: list = []
