"""Pages of the stats app (table); joined into the «stats» namespace by stats/urls.py."""
urlpatterns: list = []
