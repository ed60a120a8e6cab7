"""API: systems and access groups (R13)."""
from ninja import Router

router = Router(tags=["Группы доступа"])
