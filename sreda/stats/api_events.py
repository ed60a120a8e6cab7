"""API of the stats app: events."""
from ninja import Router

router = Router(tags=["Статистика"])
