"""How the run of each app becomes a record of the journal: the roster import, SCIM Bulk, the chats' exchange
tasks (sync and backfill), the schedule import and «Выгрузка МояШкола». The apps call these in a line or two;
everything they need to know about the journal is here."""
from __future__ import annotations

import json
import logging
from functools import wraps

from django.core.exceptions import PermissionDenied
from django.utils import timezone

from sreda.exchange.models import LinkKind, RunKind, RunSource, RunStatus
from sreda.exchange.services import Recording, entry, run_record, source_of

log = logging.getLogger(__name__)


# --- the roster import -------------------------------------------------------------------------------------

def roster_recorded(run: Recording, result, *, approving=None) -> None:
    """A roster ImportResult as a run: rejected and skipped rows are errors, dropped optional values warnings;
    a held import is «удержан» with its preview linked. A OneRoster set without a named school is recorded
    for every school it touched."""
    counts = {"rows": result.rows, "created": result.created, "updated": result.updated, "ended": result.ended,
              "unchanged": result.unchanged, "skipped": len(result.skipped)}
    if not run.organisations:
        run.organisations = list(result.organisation_ids)
    if len(run.organisations) > 1:
        counts["schools"] = len(run.organisations)
    if result.held is not None:
        held = result.held
        if not run.organisations:
            run.organisations = list(held.organisation_ids or [held.organisation_id])
        run.finish(status=RunStatus.HELD, counts=counts, errors=result.skipped, warnings=result.warnings,
                   message="Импорт удержан: он завершил бы или перевёл слишком много ролей; ничего не изменено.",
                   link=(LinkKind.HELD_IMPORT, held.pk))
        return
    link = (LinkKind.HELD_IMPORT, approving.pk) if approving is not None else None
    if result.applied:
        skipped = len(result.skipped)
        run.finish(applied=True, counts=counts, errors=result.skipped, warnings=result.warnings, link=link,
                   message=f"Загружено; пропущено строк: {skipped}." if skipped else "Загружено.")
    else:
        run.finish(applied=False, counts=counts, errors=result.errors, warnings=result.warnings, link=link,
                   message=f"Ничего не загружено: ошибок {len(result.errors)}.")


# --- the schedule (library) ----------------------------------------------------------------------------------

def schedule_recorded(run: Recording, result) -> None:
    """A schedule file import (all rows or none): errors mean nothing was written."""
    counts = {"created": result.created, "updated": result.updated, "unchanged": result.unchanged}
    if result.errors:
        run.finish(applied=False, counts=counts, errors=result.errors,
                   message=f"Ничего не загружено: ошибок {len(result.errors)}.")
    else:
        run.finish(applied=True, counts=counts, message="Загружено.")


def schedule_write_recorded(*, actor, organisation, started_at, result=None, errors=()) -> None:
    """Lessons sent through the API (`POST …/schedule`): all or nothing, like a file."""
    counts = result.as_dict() if result is not None else {"created": 0, "updated": 0, "unchanged": 0}
    counts.pop("errors", None)
    problems = [{"what": f"урок № {e['index'] + 1} в запросе", "column": e["field"], "reason": e["reason"]}
                for e in errors]
    _quietly(run_record, organisation_id=organisation.pk, kind=RunKind.SCHEDULE_IMPORT, source=source_of(actor),
             status=RunStatus.FAILED if problems else RunStatus.SUCCESS, started_at=started_at, counts=counts,
             errors=problems, title="Уроки через API",
             message=f"Ничего не загружено: ошибок {len(problems)}." if problems else "Загружено.",
             created_by=_user(actor))


def publication_recorded(row) -> None:
    """A finished «Выгрузка МояШкола»: lessons left out (outside the periods, not the school's teacher) make it
    «с предупреждениями» — its contact is set only then."""
    if row.status not in ("done", "failed"):
        return
    failed = row.status == "failed"
    problem = [{"what": "Выгрузка МояШкола", "reason": row.message, "hint": row.contact}]
    status = RunStatus.FAILED if failed else (RunStatus.WARNINGS if row.contact else RunStatus.SUCCESS)
    _quietly(run_record, organisation_id=row.organisation_id, kind=RunKind.SCHEDULE_PUBLICATION,
             source=RunSource.MANUAL, status=status, started_at=row.created_at, finished_at=row.finished_at,
             counts={"lessons": row.lessons}, errors=problem if failed else [],
             warnings=problem if status == RunStatus.WARNINGS else [], message=row.message,
             title=f"Выгрузка № {row.pk}", link=(LinkKind.SCHEDULE_PUBLICATION, row.pk),
             created_by=row.created_by if row.created_by_id else None, replace_linked=True)


# --- the chats' exchange tasks -------------------------------------------------------------------------------

TASK_SOURCES = {"schedule": RunSource.SCHEDULE, "roster": RunSource.ROSTER, "link": RunSource.LINK,
                "manual": RunSource.MANUAL}
NOT_WORK = {"unchanged"}


def task_recorded(task) -> None:
    """A chat sync or backfill task that ended as a run, one per task: a retry updates the same record. DONE is
    «успешно»; RETRYING «не выполнен» (the server is down; a retry is scheduled); FAILED «с ошибками» when part
    of the work was done, else «не выполнен». A dry run («Только план») exchanges nothing and a task refused
    before it started (another sync of the school was running) did not run: neither is recorded."""
    if task.dry_run or task.started_at is None or task.status not in ("done", "failed", "retrying"):
        return
    counts = dict(task.counts or {})
    if task.attempt > 1:
        counts["attempt"] = task.attempt
    did_work = any(value for key, value in (task.counts or {}).items() if key not in NOT_WORK)
    if task.status == "done":
        status, message = RunStatus.SUCCESS, "Завершено."
    elif task.status == "retrying":
        when = timezone.localtime(task.next_retry_at).strftime("%d.%m.%Y %H:%M") if task.next_retry_at else "позже"
        status, message = RunStatus.FAILED, f"Сервер мессенджера недоступен: повтор {when}."
    else:
        status = RunStatus.ERRORS if did_work else RunStatus.FAILED
        message = "Завершено с ошибками." if did_work else "Не выполнено."
    kind = RunKind.CHAT_SYNC if task.kind == "sync" else RunKind.BACKFILL
    _quietly(run_record, organisation_id=task.organisation_id, kind=kind,
             source=TASK_SOURCES.get(task.trigger, RunSource.MANUAL), status=status,
             started_at=task.started_at, finished_at=task.finished_at, counts=counts,
             errors=[entry(e) for e in task.errors or []], message=message, title=f"Задача № {task.pk}",
             link=(LinkKind.CHAT_TASK, task.pk), created_by=task.created_by if task.created_by_id else None,
             replace_linked=True)


# --- SCIM Bulk -------------------------------------------------------------------------------------------------

def records_scim_bulk(view):
    """Decorates the SCIM /Bulk view (inside `scim_view`): each request of a school's token is a run — its
    operations counted by outcome, each refused operation an error; a refused request «не выполнен», a held
    one (409) «удержан». District and region tokens write to no single school and are not recorded."""

    @wraps(view)
    def wrapper(request, scope, *args, **kwargs):
        started = timezone.now()
        try:
            response = view(request, scope, *args, **kwargs)
        except PermissionDenied:
            raise  # a refusal for want of rights is not a run
        except Exception as exc:
            detail = str(getattr(exc, "detail", "") or exc)
            _scim_run(scope, started, status=RunStatus.FAILED, errors=[{"what": "Запрос /Bulk", "reason": detail}],
                      message=f"Запрос отклонён: {detail}")
            raise
        _scim_response(scope, started, response)
        return response

    return wrapper


def _scim_response(scope, started, response) -> None:
    try:
        body = json.loads(response.content or b"{}")
    except ValueError:
        body = {}
    if response.status_code == 409:
        _scim_run(scope, started, status=RunStatus.HELD, message=str(body.get("detail") or "Запрос удержан.")[:500])
        return
    if response.status_code >= 400:
        detail = str(body.get("detail") or f"HTTP {response.status_code}")
        _scim_run(scope, started, status=RunStatus.FAILED, errors=[{"what": "Запрос /Bulk", "reason": detail}],
                  message=f"Запрос отклонён: {detail}")
        return
    counts = {"operations": 0, "created": 0, "updated": 0, "deleted": 0, "failed": 0}
    errors = []
    for op in body.get("Operations") or []:
        counts["operations"] += 1
        code = int(op.get("status") or 0)
        if code >= 400:
            counts["failed"] += 1
            detail = (op.get("response") or {}).get("detail", "")
            where = " ".join(x for x in (op.get("method", ""), op.get("location", ""),
                                         f"bulkId {op['bulkId']}" if op.get("bulkId") else "") if x)
            errors.append({"what": where or "операция", "reason": detail, "status": code})
        else:
            key = {201: "created", 204: "deleted"}.get(code, "updated")
            counts[key] += 1
    status = RunStatus.ERRORS if errors else RunStatus.SUCCESS
    message = f"Операций: {counts['operations']}, отклонено: {counts['failed']}."
    _scim_run(scope, started, status=status, counts=counts, errors=errors, message=message)


def _scim_run(scope, started, *, status, counts=None, errors=(), message="") -> None:
    organisation = getattr(scope, "organisation", None)
    if organisation is None:
        return
    _quietly(run_record, organisation_id=organisation.pk, kind=RunKind.SCIM, source=RunSource.SCIM, status=status,
             started_at=started, counts=counts or {}, errors=list(errors), message=message, title="SCIM Bulk",
             created_by=_user(getattr(scope, "actor", None)))


# --- helpers -----------------------------------------------------------------------------------------------------

def _user(actor):
    user = getattr(actor, "user", None)
    return user if getattr(user, "pk", None) else None


def _quietly(call, **kw) -> None:
    """Record, never failing the run that is being recorded (the reason is logged)."""
    try:
        call(**kw)
    except Exception:  # noqa: BLE001
        log.exception("exchange run not recorded: %s", kw.get("kind"))
