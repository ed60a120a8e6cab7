"""API of «Организация ДПО» (R36–R38)."""
from ninja import Router

router = Router(tags=["dpo"])
