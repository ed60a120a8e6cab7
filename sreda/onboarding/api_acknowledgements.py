"""API of acknowledgements (filled in by its part)."""
from ninja import Router

router = Router(tags=["acknowledgements"])
