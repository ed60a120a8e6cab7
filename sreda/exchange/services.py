"""Recording runs in the exchange journal (issue #10, item 3): the one API every import and sync calls.

    with exchange_run(kind=RunKind.ROSTER, actor=actor, organisation=school, title=file_name) as run:
        result = do_the_import(...)
        run.finish(applied=result.applied, counts={...}, errors=result.errors, warnings=result.warnings)

The record is written when the block ends — also when it raises (status «не выполнен» with the exception's
text): a failed run is exactly what the district must see. A refusal for want of rights (PermissionDenied) is
not a run and is not recorded. `run_record` writes one finished run directly (a task that ended elsewhere).

Writing the record never breaks the run it records: it happens in its own savepoint, and a failure to write is
logged. Each write also moves the school's ExchangeState of that kind (the district page reads those).
"""
from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from sreda.exchange.models import DONE_STATUSES, ExchangeRun, ExchangeState, RunSource, RunStatus

log = logging.getLogger(__name__)
ENTRY_KEYS = ("file", "line", "column", "what", "hint", "status")


def source_of(actor) -> str:
    """Where a run was started, from the acting role: an API token, the CLI's operator, else a page."""
    if actor is None:
        return RunSource.CLI
    if str(getattr(actor, "key", "")).startswith("token:"):
        return RunSource.API
    if actor.is_platform_operator and getattr(actor.user, "pk", None) is None:
        return RunSource.CLI
    return RunSource.PAGE


def entry(item: dict) -> dict:
    """An error or a warning in the journal's shape: where (file, line, column or what), the reason, a hint."""
    out = {key: item[key] for key in ENTRY_KEYS if item.get(key) not in (None, "", 0)}
    out["reason"] = str(item.get("reason") or item.get("message") or item.get("detail") or "")
    return out


def derive_status(*, applied: bool, errors: int, warnings: int) -> str:
    if not applied:
        return RunStatus.FAILED
    if errors:
        return RunStatus.ERRORS
    return RunStatus.WARNINGS if warnings else RunStatus.SUCCESS


@dataclass
class Recording:
    """A run being recorded: `exchange_run` writes it when its block ends; `finish` or `fail` say how it went."""

    kind: str
    source: str
    organisations: list = field(default_factory=list)  # Organisation objects or ids; one run is written per school
    title: str = ""
    created_by: object = None
    started_at: datetime = field(default_factory=timezone.now)
    status: str | None = None
    message: str = ""
    counts: dict = field(default_factory=dict)
    errors: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    link: tuple[str, int] | None = None
    runs: list[ExchangeRun] = field(default_factory=list)  # the records written

    def finish(self, *, applied: bool = True, status: str | None = None, counts: dict | None = None,
               errors: Iterable[dict] = (), warnings: Iterable[dict] = (), message: str = "",
               link: tuple[str, int] | None = None) -> None:
        self.errors, self.warnings = [entry(e) for e in errors], [entry(w) for w in warnings]
        self.counts = dict(counts or {})
        self.status = status or derive_status(applied=applied, errors=len(self.errors), warnings=len(self.warnings))
        self.message = message or self.message
        self.link = link or self.link

    def fail(self, message: str, *, errors: Iterable[dict] = ()) -> None:
        self.finish(applied=False, errors=list(errors) or [{"what": "Запуск", "reason": message}], message=message,
                    counts=self.counts)

    def write(self) -> list[ExchangeRun]:
        if self.status is None:
            self.fail("Запуск не сообщил итога.")
        ids = list(dict.fromkeys(getattr(o, "pk", o) for o in self.organisations if o is not None))
        self.runs = []
        for organisation_id in _existing(ids):
            run = _safe_record(organisation_id=organisation_id, kind=self.kind, source=self.source, status=self.status,
                               started_at=self.started_at, counts=self.counts, errors=self.errors,
                               warnings=self.warnings, message=self.message, title=self.title, link=self.link,
                               created_by=self.created_by)
            if run is not None:
                self.runs.append(run)
        return self.runs


def _existing(ids: list[int]) -> list[int]:
    """The schools that exist now: an import rolled back takes the schools it created with it."""
    from sreda.orgs.models import Organisation

    if not ids:
        return []
    found = set(Organisation.objects.filter(pk__in=ids).values_list("pk", flat=True))
    return [oid for oid in ids if oid in found]


@contextmanager
def exchange_run(*, kind: str, actor=None, source: str | None = None, organisation=None, title: str = "",
                 created_by=None) -> Iterator[Recording]:
    """Record the run of the block (see the module's docstring). Without `organisation` the block names the
    schools in `run.organisations`; failing that, the actor's school is used."""
    user = created_by or getattr(actor, "user", None)
    run = Recording(kind=kind, source=source or source_of(actor), title=(title or "")[:255],
                    organisations=[organisation] if organisation is not None else [],
                    created_by=user if getattr(user, "pk", None) else None)
    try:
        yield run
    except PermissionDenied:
        raise
    except Exception as exc:
        run.fail(f"Прервано: {exc}"[:500])
        _fallback_school(run, actor)
        run.write()
        raise
    _fallback_school(run, actor)
    run.write()


def _fallback_school(run: Recording, actor) -> None:
    if not run.organisations and getattr(actor, "organisation", None) is not None:
        run.organisations = [actor.organisation]


def _safe_record(**kw) -> ExchangeRun | None:
    try:
        return run_record(**kw)
    except Exception:  # noqa: BLE001 — the journal must never break the run it records
        log.exception("exchange run of organisation %s not recorded", kw.get("organisation_id"))
        return None


def run_record(*, organisation_id: int, kind: str, source: str, status: str, started_at: datetime,
               finished_at: datetime | None = None, counts: dict | None = None, errors: list | None = None,
               warnings: list | None = None, message: str = "", title: str = "",
               link: tuple[str, int] | None = None, created_by=None, replace_linked: bool = False) -> ExchangeRun:
    """Write one finished run of a school and move the school's state of that kind. With `replace_linked`, the
    run already recorded for the same linked object (a task retried) is updated instead of adding another."""
    errors, warnings = list(errors or []), list(warnings or [])
    finished_at = finished_at or timezone.now()
    values = {
        "source": source, "status": status, "started_at": min(started_at, finished_at), "finished_at": finished_at,
        "counts": dict(counts or {}), "errors": errors[:ExchangeRun.LISTED], "warnings": warnings[:ExchangeRun.LISTED],
        "error_count": len(errors), "warning_count": len(warnings), "message": (message or "")[:500],
        "title": (title or "")[:255], "link_kind": link[0] if link else "", "link_id": link[1] if link else None,
    }
    with transaction.atomic():
        run = None
        if replace_linked and link:
            run = (ExchangeRun.objects.select_for_update()
                   .filter(organisation_id=organisation_id, kind=kind, link_kind=link[0], link_id=link[1]).first())
        if run is None:
            run = ExchangeRun.objects.create(organisation_id=organisation_id, kind=kind, created_by=created_by, **values)
        else:
            values["started_at"] = min(run.started_at, values["started_at"])
            for name, value in values.items():
                setattr(run, name, value)
            run.save(update_fields=list(values))
        _advance_state(run)
    return run


def _advance_state(run: ExchangeRun) -> None:
    """The run becomes the school's latest of its kind unless a later one finished already; a successful run
    becomes the latest successful one the same way."""
    key = {"organisation_id": run.organisation_id, "kind": run.kind}
    state = ExchangeState.objects.select_for_update().filter(**key).first()
    if state is None:
        done = run.status in DONE_STATUSES
        try:
            with transaction.atomic():
                ExchangeState.objects.create(**key, last_run=run, last_status=run.status,
                                             last_finished_at=run.finished_at, last_success_run=run if done else None,
                                             last_success_at=run.finished_at if done else None)
            return
        except IntegrityError:  # another run of the school created it meanwhile
            state = ExchangeState.objects.select_for_update().get(**key)
    if state.last_run_id == run.pk or run.finished_at >= state.last_finished_at:
        state.last_run, state.last_status, state.last_finished_at = run, run.status, run.finished_at
    if run.status in DONE_STATUSES:
        if state.last_success_run_id == run.pk or state.last_success_at is None or run.finished_at >= state.last_success_at:
            state.last_success_run, state.last_success_at = run, run.finished_at
    elif state.last_success_run_id == run.pk:  # a retried task's run that had succeeded no longer did
        previous = (ExchangeRun.objects.filter(**key, status__in=DONE_STATUSES).exclude(pk=run.pk)
                    .order_by("-finished_at").first())
        state.last_success_run = previous
        state.last_success_at = previous.finished_at if previous else None
    state.save()


def link_runs(runs: Iterable[ExchangeRun], *, link_kind: str, link_id: int) -> int:
    """Point runs recorded without a link at the object that carried them (the page's import row)."""
    ids = [run.pk for run in runs if not run.link_kind]
    if not ids:
        return 0
    return ExchangeRun.objects.filter(pk__in=ids).update(link_kind=link_kind, link_id=link_id)
