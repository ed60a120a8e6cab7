"""Pages of the chats plan part; joined into the «chats» namespace by chats/urls.py."""
from django.urls import path

from sreda.chats import views_plan

urlpatterns: list = [
    path("", views_plan.plan_page, name="plan"),
    path("plan.xlsx", views_plan.plan_xlsx, name="plan_xlsx"),
    path("read-only/", views_plan.plan_read_only, name="plan_read_only"),
    path("subject/", views_plan.subject_list, name="subject_list"),
    path("subject/new/", views_plan.subject_new, name="subject_new"),
    path("subject/<int:pk>/close/", views_plan.subject_close, name="subject_close"),
]
