"""Pages of the library's assignments part; joined into the «library» namespace by library/urls.py."""
from django.urls import path  # noqa: F401

urlpatterns: list = []
