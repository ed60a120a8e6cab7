"""Pages of the library's catalogue part (R16–R17); joined into the «library» namespace by library/urls.py."""
from django.urls import path

from sreda.library import views_catalogue as views
from sreda.library import views_manage as manage

urlpatterns: list = [
    path("catalogue/", views.catalogue, name="catalogue"),
    path("catalogue/<int:pk>/", views.item, name="item"),
    path("catalogue/<int:pk>/file/", views.item_file, name="item_file"),
    path("catalogue/<int:pk>/favourite/", views.favourite, name="favourite"),
    path("favourites/", views.favourites, name="favourites"),
    path("orders/", views.orders, name="orders"),
    path("orders/<int:pk>/cancel/", views.order_cancel, name="order_cancel"),
    path("manage/catalogue/", manage.catalogue_manage, name="catalogue_manage"),
    path("manage/catalogue.xlsx", manage.catalogue_export, name="catalogue_export"),
    path("manage/catalogue/new/", manage.item_edit, name="catalogue_item_create"),
    path("manage/catalogue/<int:pk>/", manage.item_edit, name="catalogue_item_edit"),
    path("manage/catalogue/course/new/", manage.course_create, name="catalogue_course_create"),
    path("manage/catalogue/import/", manage.import_file, name="catalogue_import"),
    path("manage/subjects/", manage.subjects, name="catalogue_subjects"),
    path("manage/orders/", manage.orders_manage, name="orders_manage"),
    path("manage/orders/<int:pk>/decide/", manage.order_decide, name="order_decide"),
]
