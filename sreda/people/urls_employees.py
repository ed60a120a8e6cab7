"""Pages of the employees part of people; joined into the «people» namespace by people/urls.py."""
from django.urls import path

from sreda.people import views_employees

urlpatterns: list = [
    path("employees/", views_employees.employee_list, name="employees"),
    path("employees/<int:pk>/edit/", views_employees.employee_edit, name="employee_edit"),
]
