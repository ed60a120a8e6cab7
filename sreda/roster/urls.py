from django.urls import path

from sreda.roster import views

app_name = "roster"

urlpatterns = [
    path("import/", views.upload, name="upload"),
    path("import/template.xlsx", views.template_xlsx, name="template"),
    path("import/<int:pk>/", views.detail, name="detail"),
]
