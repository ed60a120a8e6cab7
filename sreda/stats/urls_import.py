"""Pages of the stats app (import); joined into the «stats» namespace by stats/urls.py."""
urlpatterns: list = []
