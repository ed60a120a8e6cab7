"""Builders of exchange runs for tests: written through the recording service, so the schools' states follow."""
from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from sreda.exchange.models import ExchangeRun, RunKind, RunSource, RunStatus
from sreda.exchange.services import run_record


def make_run(organisation, *, kind: str = RunKind.ROSTER, status: str = RunStatus.SUCCESS, ago: timedelta | None = None,
             errors: list | None = None, warnings: list | None = None, counts: dict | None = None,
             title: str = "kontingent.zip", seconds: int = 12) -> ExchangeRun:
    """A run of the school that finished `ago` (default: a minute ago) after `seconds`."""
    finished = timezone.now() - (ago if ago is not None else timedelta(minutes=1))
    if errors is None and status in (RunStatus.ERRORS, RunStatus.FAILED):
        errors = [{"file": "users.csv", "line": 3, "column": "identifier", "reason": "СНИЛС не сходится"}]
    return run_record(organisation_id=organisation.pk, kind=kind, source=RunSource.CLI, status=status,
                      started_at=finished - timedelta(seconds=seconds), finished_at=finished,
                      counts=counts or {"rows": 10, "created": 4}, errors=errors or [], warnings=warnings or [],
                      title=title)
