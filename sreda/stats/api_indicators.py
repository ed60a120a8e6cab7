"""API of the stats app: indicators."""
from ninja import Router

router = Router(tags=["Статистика"])
