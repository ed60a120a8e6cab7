"""API of the chats linking part (mounted at /api/v1/ by api/ninja_api.py)."""
from ninja import Router

router = Router(tags=["Чаты"])
