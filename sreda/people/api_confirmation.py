"""API: confirming teachers and students, reports (R9)."""
from ninja import Router

router = Router(tags=["Подтверждение педагогов и обучающихся"])
