"""Pages of joining a school (R20, R22)."""
from django.urls import path

from sreda.onboarding import views_joining as v

urlpatterns = [
    path("join/", v.join, name="join"),
    path("join/school/<int:org_id>/", v.join_new, name="join_new"),
    path("join/<int:pk>/cancel/", v.join_cancel, name="join_cancel"),
    path("join/requests/", v.join_requests, name="join_requests"),
    path("join/requests/export/", v.join_requests_export, name="join_requests_export"),
    path("join/requests/approve-matching/", v.join_requests_approve_matching, name="join_requests_approve_matching"),
    path("join/requests/<int:pk>/", v.join_request, name="join_request"),
    path("join/requests/<int:pk>/approve/", v.join_request_approve, name="join_request_approve"),
    path("join/requests/<int:pk>/reject/", v.join_request_reject, name="join_request_reject"),
]
