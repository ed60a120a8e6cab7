"""Pages of parents (filled in by its part)."""
urlpatterns: list = []
