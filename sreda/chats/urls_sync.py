"""Pages of the chats sync part; joined into the «chats» namespace by chats/urls.py."""
from django.urls import path  # noqa: F401

urlpatterns: list = []
