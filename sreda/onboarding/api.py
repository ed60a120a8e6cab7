"""API: invitations of employees (R10–R11)."""
from ninja import Router

router = Router(tags=["Приглашения"])
