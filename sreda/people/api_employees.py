"""API: employees of a school (R12)."""
from ninja import Router

router = Router(tags=["Сотрудники"])
