"""API of the stats app: dashboard."""
from ninja import Router

router = Router(tags=["Статистика"])
