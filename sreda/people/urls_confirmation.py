"""Pages of the confirmation part of people; joined into the «people» namespace by people/urls.py."""
urlpatterns: list = []
