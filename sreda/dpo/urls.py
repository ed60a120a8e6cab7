"""Pages of «Организация ДПО» (R36–R38)."""
from django.urls import path

from sreda.dpo import views, views_centre, views_queue

app_name = "dpo"

urlpatterns = [
    path("", views.groups, name="groups"),
    path("groups/<int:pk>/apply/", views.apply, name="apply"),
    path("my/", views.my, name="my"),
    path("my/<int:pk>/cancel/", views.my_cancel, name="my_cancel"),
    path("applications/", views_queue.applications, name="applications"),
    path("applications/approve/", views_queue.bulk_approve, name="bulk_approve"),
    path("applications/<int:pk>/", views_queue.card, name="card"),
    path("applications/<int:pk>/comment/", views_queue.card_comment, name="comment"),
    path("applications/<int:pk>/documents/<int:document_id>/", views.document, name="document"),
    path("applications/<int:pk>/<str:act>/", views_queue.card_act, name="act"),
    path("centre/", views_queue.centre, name="centre"),
    path("centre/programs/", views_centre.programs, name="programs"),
    path("centre/programs/new/", views_centre.program_edit, name="program_new"),
    path("centre/programs/<int:pk>/", views_centre.program_edit, name="program"),
    path("centre/programs/<int:program_pk>/groups/new/", views_centre.group_edit, name="group_new"),
    path("centre/programs/<int:program_pk>/groups/<int:pk>/", views_centre.group_edit, name="group"),
    path("centre/programs/<int:program_pk>/groups/<int:pk>/delete/", views_centre.group_delete, name="group_delete"),
    path("centre/organisations/new/", views_centre.organisation_new, name="organisation_new"),
    path("centre/organisations/<int:pk>/", views_centre.organisation_edit, name="organisation_edit"),
]
