"""Pages of acknowledgements (R23): «Ознакомление с документами» and «Документы школы»."""
from django.urls import path

from sreda.onboarding import views_acknowledgements as views

urlpatterns = [
    path("documents/", views.documents, name="documents"),
    path("documents/new/", views.document_new, name="document_new"),
    path("documents/<int:pk>/", views.document_detail, name="document"),
    path("documents/<int:pk>/ask/", views.document_ask, name="document_ask"),
    path("documents/<int:pk>/export/", views.document_export, name="document_export"),
    path("documents/<int:pk>/file/", views.document_file, name="document_file"),
    path("my-documents/", views.my_documents, name="my_documents"),
    path("my-documents/<int:pk>/acknowledge/", views.acknowledge, name="document_acknowledge"),
]
