"""Roster import (Foundation items 6 and 7): the one public entry point for the CLI, the page and the demo."""
from __future__ import annotations

import csv
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction

from sreda.core.active_role import ActiveRole
from sreda.core.audit import audit
from sreda.core.permissions import Action, require
from sreda.exchange.models import RunKind
from sreda.exchange.recorders import roster_recorded
from sreda.exchange.services import exchange_run
from sreda.orgs.models import Organisation
from sreda.roster import hold as hold_mod
from sreda.roster.engine import Counts, apply_roster
from sreda.roster.parsers.base import Problem, Roster
from sreda.roster.parsers.oneroster import parse_oneroster
from sreda.roster.parsers.template import parse_template

TEMPLATE_SUFFIXES = {".csv", ".xlsx"}


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    ended: int = 0
    unchanged: int = 0
    skipped: list[dict] = field(default_factory=list)  # {"file", "line", "reason"}
    errors: list[dict] = field(default_factory=list)  # {"file", "line", "column", "reason"}
    applied: bool = False
    rows: int = 0
    held: object = None  # the HeldImport when the sync hold stopped the import («удержан»)
    hold_changed: bool = False  # approving found a different difference than the preview: held again
    warnings: list[dict] = field(default_factory=list)  # optional values dropped: {"file", "line", "column", "reason"}
    organisation_ids: list[int] = field(default_factory=list)  # the schools the file touched
    runs: list = field(default_factory=list)  # its records in the exchange journal (sreda.exchange)

    def as_dict(self) -> dict:
        data = {
            "created": self.created, "updated": self.updated, "ended": self.ended, "unchanged": self.unchanged,
            "skipped": self.skipped, "errors": self.errors,
        }
        if self.warnings:
            data["warnings"] = self.warnings
        if self.held is not None:
            data["held"] = held_summary(self.held)
        return data

    @property
    def status(self) -> str:
        return "удержан" if self.held is not None else ("применён" if self.applied else "не загружен")


def held_summary(held) -> dict:
    schools = held.preview.get("schools", [])
    return {"id": held.pk, "status": "удержан", "fingerprint": held.fingerprint,
            "ended": sum(s["ended_count"] for s in schools), "moved": sum(s["moved_count"] for s in schools),
            "created": sum(s["created_count"] for s in schools),
            "schools": [{k: s[k] for k in ("organisation_id", "name", "active", "ended_count", "moved_count",
                                          "created_count")} for s in schools]}


class _Rollback(Exception):
    pass


class _Held(Exception):
    def __init__(self, diff):
        self.diff = diff


def roster_format(path: Path) -> str:
    """«oneroster» for a folder or a .zip of OneRoster CSV files, «template» for one .csv/.xlsx."""
    path = Path(path)
    if path.is_dir() or path.suffix.lower() == ".zip":
        return "oneroster"
    if path.suffix.lower() in TEMPLATE_SUFFIXES:
        return "template"
    raise ValueError(f"{path.name}: ожидается папка или .zip OneRoster, либо шаблон .csv или .xlsx")


def _by_place(p: Problem):
    return (p.file, p.line, p.column)


def roster_import(*, actor: ActiveRole, path: Path, organisation: Organisation | None = None,
                  skip_bad: bool = False, progress: Callable[[int, str], None] | None = None,
                  approve_mass_change: bool = False, approving=None, original_name: str | None = None,
                  source: str | None = None) -> ImportResult:
    """Import a roster file set as one transaction; bad rows stop it unless `skip_bad`.

    The sync hold (hold.py): when the import would end or move more of a school's active memberships than
    its thresholds allow, it is rolled back and held with a preview unless `approve_mass_change`. Approving
    a held import passes it as `approving`: it applies only if the difference is still the previewed one.

    Every call is a run in the exchange journal (issue #10), failed ones too; `source` says where it was
    started (page, cli, api), else the acting role tells.
    """
    with exchange_run(kind=RunKind.ROSTER, actor=actor, source=source, organisation=organisation,
                      title=original_name or Path(path).name) as run:
        result = _roster_import(actor=actor, path=path, organisation=organisation, skip_bad=skip_bad,
                                progress=progress, approve_mass_change=approve_mass_change, approving=approving,
                                original_name=original_name)
        roster_recorded(run, result, approving=approving)
    result.runs = run.runs
    return result


def _roster_import(*, actor: ActiveRole, path: Path, organisation: Organisation | None, skip_bad: bool,
                   progress: Callable[[int, str], None] | None, approve_mass_change: bool, approving,
                   original_name: str | None) -> ImportResult:
    progress = progress or (lambda percent, message: None)
    path = Path(path)
    require(actor, Action.IMPORT_ROSTER, organisation)
    fmt = roster_format(path)
    if fmt == "template" and organisation is None:
        return _refused(actor, path, "для шаблона укажите организацию (ИНН), в которую загружается список")
    progress(5, "Читаем файл")
    try:
        roster = parse_oneroster(path) if fmt == "oneroster" else parse_template(path, organisation=organisation)
    except (zipfile.BadZipFile, csv.Error, UnicodeDecodeError, OSError, KeyError, ValueError) as exc:
        return _refused(actor, path, f"файл не читается: {exc}", organisation=organisation)
    progress(30, f"Прочитано строк: {roster.rows}")
    result = ImportResult(rows=roster.rows, warnings=[p.as_error() for p in sorted(roster.warnings, key=_by_place)])
    try:
        with transaction.atomic():
            counts = apply_roster(roster, actor=actor, progress=progress) if not _fatal(roster) else Counts()
            result.organisation_ids = [school.pk for school in counts.organisations]
            bad = [p for p in roster.problems if not p.dependent]
            if _fatal(roster) or (bad and not skip_bad):
                result.errors = [p.as_error() for p in sorted(bad, key=_by_place)]
                raise _Rollback
            result.created, result.updated = counts.created, counts.updated
            result.ended, result.unchanged = counts.ended, counts.unchanged
            result.skipped = [p.as_skipped() for p in sorted(roster.problems, key=_by_place)]
            progress(96, "Проверяем, не слишком ли много ролей завершается")
            diff = hold_mod.difference(counts)
            if approving is not None:
                if diff.fingerprint != approving.fingerprint:
                    result.hold_changed = True
                    raise _Held(diff)
            elif diff.over and not approve_mass_change:
                raise _Held(diff)
            hold_mod.supersede(diff.schools, keep=approving)
            result.applied = True
            _audit(actor, path, fmt, result, organisation or _single(counts.organisations))
    except _Rollback:
        _audit(actor, path, fmt, result, organisation)
    except _Held as held:
        result.held = hold_mod.hold(actor=actor, path=path, diff=held.diff, target=organisation, skip_bad=skip_bad,
                                    original_name=original_name, replaces=approving)
        _audit(actor, path, fmt, result, result.held.organisation)
        progress(100, "Импорт удержан: он завершил бы или перевёл слишком много ролей")
        return result
    progress(100, "Готово" if result.applied else "Ничего не загружено: исправьте ошибки")
    return result


def _fatal(roster: Roster) -> bool:
    return any(p.fatal for p in roster.problems)


def _single(orgs: tuple):
    return orgs[0] if len(orgs) == 1 else None


def _refused(actor, path: Path, reason: str, organisation=None) -> ImportResult:
    result = ImportResult(errors=[{"file": path.name, "line": 0, "column": "", "reason": reason}])
    _audit(actor, path, "", result, organisation)
    return result


def _audit(actor, path: Path, fmt: str, result: ImportResult, organisation) -> None:
    details = {k: v for k, v in result.as_dict().items() if k not in ("skipped", "errors")}
    details.update(file=path.name, format=fmt, applied=result.applied, held=result.held is not None, rows=result.rows,
                   skipped=len(result.skipped), errors=len(result.errors))
    audit(actor=actor, action="roster.import", organisation=organisation, details=details)
