"""API of the stats app: import."""
from ninja import Router

router = Router(tags=["Статистика"])
