"""Pages of the library's assignments part (R18) and of its indicators (R19); joined into the «library»
namespace by library/urls.py."""
from django.urls import path

from sreda.library import views_assignments as assign
from sreda.library import views_indicators as indicators

urlpatterns: list = [
    path("assign/<int:item_pk>/", assign.assign, name="assign"),
    path("assignments/", assign.assignment_list, name="assignments"),
    path("assignments/<int:pk>/", assign.assignment_detail, name="assignment"),
    path("my-assignments/", assign.my_assignments, name="my_assignments"),
    path("my-assignments/<int:pk>/", assign.open_assignment, name="open_assignment"),
    path("indicators/", indicators.indicators_page, name="indicators"),
    path("indicators.xlsx", indicators.indicators_xlsx, name="indicators_xlsx"),
]
