"""Pages of the stats app (dashboard); joined into the «stats» namespace by stats/urls.py."""
urlpatterns: list = []
