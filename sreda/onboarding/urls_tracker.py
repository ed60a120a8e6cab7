"""Pages of tracker (filled in by its part)."""
urlpatterns: list = []
