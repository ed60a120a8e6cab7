"""Pages of acknowledgements (filled in by its part)."""
urlpatterns: list = []
