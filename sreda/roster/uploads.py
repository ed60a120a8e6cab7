"""Imports started from the page (a status row tracks the task) or the API (run at once): the upload is
checked and stored the same way.

Progress is written to a small file next to the upload as well as to the row: the import itself is
one transaction, and rows written inside it are invisible to the page until it commits.
"""
from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from sreda.core import active_role as ar
from sreda.core.active_role import ActiveRole
from sreda.core.files import store_upload
from sreda.core.permissions import Action, require
from sreda.core.text import decode
from sreda.exchange.models import LinkKind
from sreda.exchange.services import link_runs
from sreda.roster.models import ImportStatus, RosterImport
from sreda.roster.services import ImportResult, roster_import

ALLOWED_SUFFIXES = (".zip", ".csv", ".xlsx")
ZIP_MAGIC = b"PK\x03\x04"


def upload_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / "roster"


def check_upload(upload) -> str:
    """Refuse anything but a .zip, .csv or .xlsx of the right content and size; returns the suffix."""
    name = upload.name or ""
    suffix = Path(name).suffix.lower()
    if suffix not in ALLOWED_SUFFIXES:
        raise ValidationError(f"Файл «{name}» не подходит: загрузите архив .zip (OneRoster), таблицу .xlsx или .csv.")
    limit = settings.ROSTER_UPLOAD_MAX_BYTES
    if upload.size > limit:
        raise ValidationError(f"Файл больше допустимого размера {limit // (1024 * 1024)} МБ.")
    if upload.size == 0:
        raise ValidationError("Файл пустой.")
    upload.seek(0)
    head = upload.read(4)
    upload.seek(0)
    if suffix in (".zip", ".xlsx"):
        if head != ZIP_MAGIC:
            raise ValidationError(f"Файл «{name}» не является архивом {suffix}: содержимое не совпадает с расширением.")
        try:
            with zipfile.ZipFile(upload) as zf:
                names = set(zf.namelist())
        except zipfile.BadZipFile:
            raise ValidationError(f"Архив «{name}» повреждён.") from None
        finally:
            upload.seek(0)
        if suffix == ".xlsx" and "xl/workbook.xml" not in names:
            raise ValidationError(f"Файл «{name}» не является книгой Excel (.xlsx).")
        if suffix == ".zip" and not any(Path(n).name == "users.csv" for n in names):
            raise ValidationError(f"В архиве «{name}» нет файлов OneRoster (users.csv и другие).")
    else:
        data = upload.read()
        upload.seek(0)
        if b"\x00" in data:
            raise ValidationError(f"Файл «{name}» не текстовый CSV.")
        try:
            decode(data)
        except UnicodeDecodeError:
            raise ValidationError(f"Файл «{name}» не читается как текст UTF-8 или Windows-1251.") from None
    return suffix


def roster_upload_start(*, actor: ActiveRole, upload, skip_bad: bool) -> RosterImport:
    """Check and store an uploaded roster file and queue its import for the active role's organisation."""
    organisation = actor.organisation
    require(actor, Action.IMPORT_ROSTER, organisation)
    if organisation is None:
        raise ValidationError("Импорт из этой страницы выполняется для организации выбранной роли.")
    check_upload(upload)
    target = store_upload(upload, upload_dir(), "roster")
    row = RosterImport.objects.create(
        organisation=organisation, created_by=actor.user if getattr(actor.user, "pk", None) else None,
        acting_membership=actor.membership, file_path=str(target), original_name=upload.name[:255], skip_bad=skip_bad,
        message="Ожидает запуска",
    )
    from sreda.roster.tasks import run_roster_import

    # The row is committed already (no transaction here), so a worker on another machine finds it;
    # in huey's immediate mode (tests) the import runs right here, inside the request.
    run_roster_import(row.pk)
    return row


def progress_file(row: RosterImport) -> Path:
    return Path(row.file_path).parent / "progress.json"


def live_progress(row: RosterImport) -> tuple[int, str]:
    """The percent and message to show: the progress file while running, the row otherwise."""
    if row.status == ImportStatus.RUNNING:
        try:
            data = json.loads(progress_file(row).read_text(encoding="utf-8"))
            return int(data["percent"]), str(data["message"])
        except (OSError, ValueError, KeyError):
            pass
    return row.progress, row.message


def roster_upload_run(*, import_id: int) -> RosterImport:
    """The task's body: run the import as the uploader's role and record the outcome on the row."""
    row = RosterImport.objects.select_related("organisation__municipality__region", "created_by").get(pk=import_id)
    if row.finished:
        return row
    RosterImport.objects.filter(pk=row.pk).update(status=ImportStatus.RUNNING, message="Выполняется")
    row.status = ImportStatus.RUNNING
    path = progress_file(row)

    def progress(percent: int, message: str) -> None:
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"percent": percent, "message": message}, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)

    try:
        actor = _uploader_role(row)
        result = roster_import(actor=actor, path=Path(row.file_path), organisation=row.organisation,
                               skip_bad=row.skip_bad, progress=progress, original_name=row.original_name)
        link_runs(result.runs, link_kind=LinkKind.ROSTER_IMPORT, link_id=row.pk)  # the journal links to this page
        _outcome(row, result)
    except Exception as exc:  # noqa: BLE001 — the page must say what happened whatever it was
        row.status = ImportStatus.FAILED
        row.message = f"Импорт прерван: {exc}"[:500]
    _finish(row)
    path.unlink(missing_ok=True)
    return row


def roster_upload_apply(*, actor: ActiveRole, organisation, upload, skip_bad: bool,
                        approve_mass_change: bool = False) -> tuple[RosterImport, ImportResult]:
    """The API's import (issue #10): the upload checked and stored as the page does, imported at once in the
    caller's role — under the sync hold unless `approve_mass_change` — and recorded in the school's imports."""
    require(actor, Action.IMPORT_ROSTER, organisation)
    check_upload(upload)
    target = store_upload(upload, upload_dir(), "roster")
    row = RosterImport.objects.create(
        organisation=organisation, created_by=actor.user if getattr(actor.user, "pk", None) else None,
        acting_membership=actor.membership if getattr(actor.membership, "pk", None) else None,
        file_path=str(target), original_name=upload.name[:255], skip_bad=skip_bad, status=ImportStatus.RUNNING,
        message="Выполняется",
    )
    try:
        result = roster_import(actor=actor, path=target, organisation=organisation, skip_bad=skip_bad,
                               approve_mass_change=approve_mass_change, original_name=upload.name)
    except Exception:
        row.status, row.message = ImportStatus.FAILED, "Импорт прерван"
        _finish(row)
        raise
    link_runs(result.runs, link_kind=LinkKind.ROSTER_IMPORT, link_id=row.pk)  # the journal links to this import
    _outcome(row, result)
    _finish(row)
    return row, result


def _outcome(row: RosterImport, result: ImportResult) -> None:
    row.summary = result.as_dict()
    row.status = ImportStatus.DONE if result.applied else ImportStatus.FAILED
    row.message = "Загрузка завершена" if result.applied else "Ничего не загружено: в файле есть ошибки"
    if result.held is not None:
        row.status = ImportStatus.DONE
        row.message = "Импорт удержан: он завершил бы или перевёл слишком много ролей. Ничего не изменено"


def _finish(row: RosterImport) -> None:
    row.progress = 100
    row.finished_at = timezone.now()
    row.save(update_fields=["summary", "status", "message", "progress", "finished_at"])


def _uploader_role(row: RosterImport) -> ActiveRole:
    membership = row.acting_membership
    if membership is None or not membership.is_active:
        raise PermissionError("роль, в которой загружен файл, больше не действует")
    return ar.for_membership(membership, user=row.created_by)
