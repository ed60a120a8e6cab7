"""Pages of the verification part of people; joined into the «people» namespace by people/urls.py."""
urlpatterns: list = []
