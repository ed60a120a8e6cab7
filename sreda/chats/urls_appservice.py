"""The application-service endpoint the homeserver pushes events to (R30); outside the CSRF-protected pages,
authenticated by the hs_token."""
from django.urls import path

from sreda.chats import appservice

urlpatterns: list = [
    path("transactions/<str:txn_id>", appservice.transactions, name="matrix_transactions"),
    path("users/<str:user_id>", appservice.query_user, name="matrix_query_user"),
    path("rooms/<str:alias>", appservice.query_room, name="matrix_query_room"),
    path("ping", appservice.ping, name="matrix_ping"),
]
