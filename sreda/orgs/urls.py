from django.urls import path

from sreda.orgs import views, views_transition

app_name = "orgs"

urlpatterns = [
    path("", views.organisation_search, name="search"),
    path("new/", views.organisation_edit, name="create"),
    path("<int:pk>/", views.organisation_detail, name="detail"),
    path("<int:pk>/edit/", views.organisation_edit, name="edit"),
    path("<int:pk>/classes/", views.class_list, name="classes"),
    path("<int:pk>/people/", views.people_list, name="people"),
    path("classes/<int:pk>/", views.class_detail, name="class_detail"),
    path("year/", views_transition.year_transition, name="year_transition"),
    path("year/district/", views_transition.year_transition_district, name="year_transition_district"),
    path("regions/", views.regions, name="regions"),
    path("regions/new/", views.region_edit, name="region_create"),
    path("regions/<int:pk>/edit/", views.region_edit, name="region_edit"),
    path("municipalities/new/", views.municipality_edit, name="municipality_create"),
    path("municipalities/<int:pk>/edit/", views.municipality_edit, name="municipality_edit"),
]
