"""API: director verification (R6–R8)."""
from ninja import Router

router = Router(tags=["Подтверждение руководителя"])
