"""Pages of the verification part of people; joined into the «people» namespace by people/urls.py."""
from django.urls import path

from sreda.people import views_verification as views

urlpatterns: list = [
    path("verification/", views.director_verification, name="verification"),
    path("verification/queue/", views.verification_queue, name="verification_queue"),
    path("verification/<int:pk>/", views.verification_detail, name="verification_detail"),
    path("verification/<int:pk>/approve/", views.verification_approve, name="verification_approve"),
    path("verification/<int:pk>/reject/", views.verification_reject, name="verification_reject"),
    path("verification/<int:pk>/withdraw/", views.verification_withdraw, name="verification_withdraw"),
    path("verification/<int:pk>/document/", views.verification_document, name="verification_document"),
]
