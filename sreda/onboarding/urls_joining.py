"""Pages of joining (filled in by its part)."""
urlpatterns: list = []
