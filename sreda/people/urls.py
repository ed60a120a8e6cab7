from django.urls import path

from sreda.people import urls_confirmation, urls_employees, urls_verification, views

app_name = "people"

urlpatterns = [
    path("<int:pk>/", views.person_detail, name="detail"),
    *urls_verification.urlpatterns,
    *urls_confirmation.urlpatterns,
    *urls_employees.urlpatterns,
]
