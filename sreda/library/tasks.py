"""Background work of the schedule (R14): file imports and «Выгрузка МояШкола» (huey). The bodies live in
`start_import`/`import_run` here and in publication.py; the tasks are thin wrappers."""
from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from huey.contrib.djhuey import db_task

from sreda.core import active_role as ar
from sreda.core.active_role import ActiveRole
from sreda.core.audit import audit
from sreda.core.files import store_upload
from sreda.core.permissions import Action, require
from sreda.exchange.models import LinkKind
from sreda.exchange.services import link_runs
from sreda.library.models import ScheduleImport, TaskStatus
from sreda.library.publication import publication_run
from sreda.library.schedule_files import schedule_import

ALLOWED_SUFFIXES = (".csv", ".xlsx", ".zip")
MAX_BYTES = 20 * 1024 * 1024


def upload_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / "library" / "schedule"


def check_upload(upload) -> None:
    """Refuse anything but a .csv, .xlsx or .zip that is not empty and not too large."""
    name = upload.name or ""
    if Path(name).suffix.lower() not in ALLOWED_SUFFIXES:
        raise ValidationError(f"Файл «{name}» не подходит: загрузите таблицу .csv или .xlsx, или архив .zip "
                              "с lessons.csv (OneRoster).")
    if upload.size == 0:
        raise ValidationError("Файл пустой.")
    if upload.size > MAX_BYTES:
        raise ValidationError(f"Файл больше допустимого размера {MAX_BYTES // (1024 * 1024)} МБ.")


def start_import(*, actor: ActiveRole, organisation, upload) -> ScheduleImport:
    """Store an uploaded schedule file and queue its import; the row shows the progress and the result."""
    require(actor, Action.MANAGE_SCHEDULE, organisation)
    check_upload(upload)
    target = store_upload(upload, upload_dir(), "schedule.csv")
    row = ScheduleImport.objects.create(
        organisation=organisation, created_by=actor.user if getattr(actor.user, "pk", None) else None,
        file_path=str(target), original_name=upload.name[:255], message="Ожидает запуска")
    audit(actor=actor, action="library.schedule_import_start", obj=row, organisation=organisation)
    run_schedule_import(row.pk, actor.key)
    row.refresh_from_db()
    return row


def import_run(*, import_id: int, actor: ActiveRole | None = None) -> ScheduleImport:
    """The task's body: import the stored file and record counts and errors on the row."""
    row = ScheduleImport.objects.select_related("organisation", "created_by").get(pk=import_id)
    if row.status in (TaskStatus.DONE, TaskStatus.FAILED):
        return row
    ScheduleImport.objects.filter(pk=row.pk).update(status=TaskStatus.RUNNING, message="Выполняется")
    row.status = TaskStatus.RUNNING

    def progress(percent: int, message: str) -> None:
        # Outside the writing transaction, so the page polling the row sees it move.
        ScheduleImport.objects.filter(pk=row.pk).update(progress=percent, message=message)

    try:
        actor = actor or ar.system_operator()
        result = schedule_import(actor=actor, organisation=row.organisation,
                                 data=Path(row.file_path).read_bytes(), file_name=row.original_name,
                                 progress=progress)
        link_runs(result.runs, link_kind=LinkKind.SCHEDULE_IMPORT, link_id=row.pk)  # the journal links to this page
        row.summary = result.as_dict()
        row.status = TaskStatus.FAILED if result.errors else TaskStatus.DONE
        row.message = ("Ничего не загружено: в файле есть ошибки" if result.errors else "Загрузка завершена")
    except Exception as exc:  # noqa: BLE001 — the page must say what happened whatever it was
        row.status = TaskStatus.FAILED
        row.message = f"Импорт прерван: {exc}"[:500]
    row.progress = 100
    row.finished_at = timezone.now()
    row.save(update_fields=["summary", "status", "message", "progress", "finished_at"])
    return row


def _actor_for(row: ScheduleImport, key: str) -> ActiveRole:
    """The role the file was uploaded in: a membership of the uploader, or the platform operator."""
    user = row.created_by
    if key.startswith("m:") and user is not None:
        membership = ar.membership_choices(user).filter(pk=int(key[2:])).first()
        if membership is None:
            raise PermissionError("роль, в которой загружен файл, больше не действует")
        return ar.for_membership(membership, user=user)
    if key == ar.PLATFORM_OPERATOR and (user is None or user.is_superuser):
        return ar.ActiveRole(user=user, key=ar.PLATFORM_OPERATOR)
    raise PermissionError("роль, в которой загружен файл, не может вести расписание")


@db_task()
def run_schedule_import(import_id: int, actor_key: str) -> None:
    row = ScheduleImport.objects.select_related("created_by").get(pk=import_id)
    try:
        actor = _actor_for(row, actor_key)
    except PermissionError as exc:
        ScheduleImport.objects.filter(pk=row.pk).update(status=TaskStatus.FAILED, progress=100,
                                                        message=f"Импорт прерван: {exc}",
                                                        finished_at=timezone.now())
        return
    import_run(import_id=import_id, actor=actor)


@db_task()
def run_publication(publication_id: int) -> None:
    publication_run(publication_id=publication_id)
