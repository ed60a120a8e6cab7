"""The application-service endpoint the homeserver pushes events to (R30); outside the CSRF-protected pages,
authenticated by the hs_token."""
from django.urls import path  # noqa: F401

urlpatterns: list = []
