from django.urls import path

from sreda.access import views

app_name = "access"

urlpatterns = [
    path("", views.group_list, name="groups"),
    path("groups/<int:pk>/", views.group_detail, name="group"),
    path("groups/<int:pk>/members/", views.group_members, name="group_members"),
    path("groups/<int:pk>/add/", views.group_add, name="group_add"),
]
