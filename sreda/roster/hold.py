"""The sync hold (issue #10, item 1): an import that would end or move too many of a school's memberships
is not applied but held with a preview of the difference until an administrator approves or rejects it.

The difference is computed inside the import's transaction, after applying, from what MembershipSync
ended and started; the import is then rolled back, so a held import changes nothing and sends no
`roster_applied` (its on-commit callback dies with the rollback): the chat sync never sees it.
"""
from __future__ import annotations

import hashlib
import shutil
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from sreda.core.active_role import ActiveRole
from sreda.core.audit import audit
from sreda.core.permissions import Action, can, require
from sreda.people.models import Membership, Person
from sreda.people.roles import Role
from sreda.roster.engine import Counts
from sreda.roster.engine.people import chunks
from sreda.roster.models import HeldImport, HoldStatus, RosterHoldSettings

DEFAULT_PERCENT = 10
DEFAULT_PEOPLE = 50
# The percent rule counts only from this many changed memberships: 10% of a school of 8 is less than a person,
# and one pupil leaving a small school is not a broken export.
PERCENT_FLOOR = 5
PREVIEW_LIMIT = 500  # people listed per kind in the stored preview; the counts are always complete


@dataclass
class SchoolDiff:
    organisation_id: int
    name: str
    active: int = 0
    ended: list[tuple] = field(default_factory=list)  # (person_id, role, class_id)
    moved: list[tuple] = field(default_factory=list)  # (person_id, role, from_class_id, to_class_id)
    created: list[tuple] = field(default_factory=list)  # (person_id, role, class_id)

    @property
    def changed(self) -> int:
        return len(self.ended) + len(self.moved)

    @property
    def people(self) -> int:
        return len({row[0] for row in self.ended} | {row[0] for row in self.moved})

    def exceeds(self, percent: int, people: int) -> bool:
        if self.people > people:
            return True
        return self.changed > PERCENT_FLOOR and self.changed * 100 > percent * self.active


@dataclass
class Difference:
    schools: dict[int, SchoolDiff]
    fingerprint: str
    over: list[int]  # organisation ids whose changes exceed their thresholds
    persons: dict[int, tuple] = field(default_factory=dict)  # id → (ФИО, external id)
    classes: dict[int, str] = field(default_factory=dict)  # id → «5А»

    def preview(self) -> dict:
        return {"schools": [self._school(d) for d in self.schools.values() if d.changed or d.created],
                "over": self.over, "limit": PREVIEW_LIMIT}

    def _school(self, d: SchoolDiff) -> dict:
        def who(pid, role):
            return {"name": self.persons.get(pid, ("?", ""))[0], "role": Role(role).label}

        return {
            "organisation_id": d.organisation_id, "name": d.name, "active": d.active, "people": d.people,
            "ended_count": len(d.ended), "moved_count": len(d.moved), "created_count": len(d.created),
            "ended": [{**who(p, r), "class": self.classes.get(c, "")} for p, r, c in _sorted(d.ended, self)[:PREVIEW_LIMIT]],
            "moved": [{**who(p, r), "from": self.classes.get(a, ""), "to": self.classes.get(b, "")}
                      for p, r, a, b in _sorted(d.moved, self)[:PREVIEW_LIMIT]],
            "created": [{**who(p, r), "class": self.classes.get(c, "")} for p, r, c in _sorted(d.created, self)[:PREVIEW_LIMIT]],
        }


def _sorted(rows, diff: Difference):
    return sorted(rows, key=lambda row: (diff.persons.get(row[0], ("", ""))[0], row[1]))


def thresholds(organisation_ids) -> dict[int, tuple[int, int]]:
    found = {s.organisation_id: (s.percent, s.people)
             for s in RosterHoldSettings.objects.filter(organisation_id__in=list(organisation_ids))}
    return {oid: found.get(oid, (DEFAULT_PERCENT, DEFAULT_PEOPLE)) for oid in organisation_ids}


def difference(counts: Counts) -> Difference:
    """What the import just did, per school: ended, moved (same person and role, other class) and created.

    Call inside the import's transaction after apply_roster; reads only the memberships it touched.
    """
    sync = counts.sync
    schools = {o.pk: SchoolDiff(o.pk, getattr(o, "short_name", "") or o.name) for o in counts.organisations}
    if sync is None:
        return Difference(schools, hashlib.sha256(b"").hexdigest(), [])
    for oid, n in sync.active_before.items():
        if oid in schools:
            schools[oid].active = n
    ended = []
    for batch in chunks(sync.ended_ids):
        ended += Membership.objects.filter(pk__in=batch).values_list("person_id", "organisation_id", "role", "school_class_id")
    starts: dict[tuple, list] = {}
    for pid, oid, role, cid in sync.new_keys:
        starts.setdefault((pid, oid, role), []).append(cid)
    for pid, oid, role, cid in ended:
        to = starts.get((pid, oid, role))
        target = next((c for c in (to or []) if c != cid), None) if to else None
        if to and target is not None:
            to.remove(target)
            schools[oid].moved.append((pid, role, cid, target))
        else:
            schools[oid].ended.append((pid, role, cid))
    for (pid, oid, role), cids in starts.items():
        schools[oid].created += [(pid, role, cid) for cid in cids]
    person_ids = {row[0] for d in schools.values() for rows in (d.ended, d.moved, d.created) for row in rows}
    persons: dict[int, tuple] = {}
    for batch in chunks(sorted(person_ids)):
        for pk, surname, name, patronymic, ext in Person.objects.filter(pk__in=batch).values_list(
                "id", "surname", "name", "patronymic", "external_id"):
            persons[pk] = (" ".join(x for x in (surname, name, patronymic) if x), ext or "")
    class_ids = {c for d in schools.values() for rows in (d.ended, d.created) for _, _, c in rows if c}
    class_ids |= {c for d in schools.values() for _, _, a, b in d.moved for c in (a, b) if c}
    from sreda.orgs.models import SchoolClass

    classes: dict[int, str] = {}
    keys: dict[int, str] = {}
    for batch in chunks(sorted(class_ids)):
        for pk, grade, letter, ext in SchoolClass.objects.filter(pk__in=batch).values_list("id", "grade", "letter", "external_id"):
            classes[pk] = f"{grade}{letter}"
            keys[pk] = ext or f"{grade}{letter}"
    limits = thresholds(schools)
    over = [oid for oid, d in schools.items() if d.exceeds(*limits[oid])]
    return Difference(schools, _fingerprint(schools, persons, keys), over, persons, classes)


def _fingerprint(schools: dict[int, SchoolDiff], persons: dict, classes: dict) -> str:
    """A digest of the full difference in terms that survive a rollback: people and classes by their
    registry ids (a person or class the import creates gets a new primary key each run)."""
    def p(pid):
        _name, ext = persons.get(pid, ("", ""))
        return ext or f"#{pid}"

    def c(cid):
        return classes.get(cid, "") if cid else ""

    lines = []
    for oid, d in schools.items():
        lines += [f"{oid}|e|{p(a)}|{r}|{c(k)}" for a, r, k in d.ended]
        lines += [f"{oid}|m|{p(a)}|{r}|{c(k)}|{c(t)}" for a, r, k, t in d.moved]
        lines += [f"{oid}|c|{p(a)}|{r}|{c(k)}" for a, r, k in d.created]
    digest = hashlib.sha256()
    for line in sorted(lines):
        digest.update(line.encode())
        digest.update(b"\n")
    return digest.hexdigest()


def held_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / "roster" / "held"


def _keep_file(path: Path) -> Path:
    """Copy the file (or OneRoster folder) the held import came from: it is re-read on approval."""
    target_dir = held_dir() / uuid.uuid4().hex
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / path.name
    if path.is_dir():
        shutil.copytree(path, target)
    else:
        shutil.copy2(path, target)
    return target


def supersede(organisation_ids, *, keep: HeldImport | None = None) -> int:
    """A newer import of a school supersedes its older held ones."""
    qs = HeldImport.objects.filter(organisation_id__in=list(organisation_ids), status=HoldStatus.HELD)
    if keep is not None:
        qs = qs.exclude(pk=keep.pk)
    return qs.update(status=HoldStatus.SUPERSEDED, decided_at=timezone.now())


def hold(*, actor: ActiveRole, path: Path, diff: Difference, target, skip_bad: bool, original_name: str | None,
         replaces: HeldImport | None = None) -> HeldImport:
    """Store a held import with its preview and tell the schools' administrators (audit + «Требует внимания»)."""
    kept = Path(replaces.file_path) if replaces is not None else _keep_file(Path(path))
    over = diff.over or [next(iter(diff.schools))]
    with transaction.atomic():
        supersede(diff.schools)
        row = HeldImport.objects.create(
            organisation_id=over[0], organisation_ids=over, target=target,
            created_by=actor.user if getattr(actor.user, "pk", None) else None, acting_role=(actor.label or "")[:200],
            file_path=str(kept), original_name=(original_name or Path(path).name)[:255], skip_bad=skip_bad,
            fingerprint=diff.fingerprint, preview=diff.preview(),
        )
        for oid in over:
            d = diff.schools[oid]
            audit(actor=actor, action="roster.held", obj=row, organisation=d_org(oid),
                  details={"ended": len(d.ended), "moved": len(d.moved), "created": len(d.created), "active": d.active,
                           "file": row.original_name})
    return row


def d_org(oid: int):
    from sreda.orgs.models import Organisation

    return Organisation.objects.get(pk=oid)


# --- decisions -------------------------------------------------------------------------------------------

def _check(actor: ActiveRole, held: HeldImport) -> None:
    require(actor, Action.IMPORT_ROSTER, held.organisation)
    if held.status != HoldStatus.HELD:
        raise ValidationError(f"Решение по этому импорту уже принято: {held.get_status_display()}.")


def held_approve(*, actor: ActiveRole, held: HeldImport):
    """Apply the held file exactly as previewed; if the difference changed meanwhile, hold it again."""
    from sreda.roster.services import roster_import

    _check(actor, held)
    result = roster_import(actor=actor, path=Path(held.file_path), organisation=held.target, skip_bad=held.skip_bad,
                           approving=held, original_name=held.original_name)
    if result.applied:
        HeldImport.objects.filter(pk=held.pk).update(
            status=HoldStatus.APPROVED, decided_by=_user(actor), decided_at=timezone.now())
        audit(actor=actor, action="roster.hold_approved", obj=held, organisation=held.organisation,
              details={"file": held.original_name})
    return result


def held_reject(*, actor: ActiveRole, held: HeldImport) -> HeldImport:
    """Discard a held import: nothing changes."""
    _check(actor, held)
    with transaction.atomic():
        held.status = HoldStatus.REJECTED
        held.decided_by = _user(actor)
        held.decided_at = timezone.now()
        held.save(update_fields=["status", "decided_by", "decided_at"])
        audit(actor=actor, action="roster.hold_rejected", obj=held, organisation=held.organisation,
              details={"file": held.original_name})
    return held


def hold_settings_update(*, actor: ActiveRole, organisation, percent, people) -> RosterHoldSettings:
    require(actor, Action.IMPORT_ROSTER, organisation)
    try:
        percent, people = int(percent), int(people)
    except (TypeError, ValueError):
        raise ValidationError("Пороги — целые числа: процент от 0 до 100 и число людей от 0.") from None
    if not 0 <= percent <= 100 or people < 0:
        raise ValidationError("Процент — от 0 до 100, число людей — не меньше 0.")
    with transaction.atomic():
        row, _ = RosterHoldSettings.objects.update_or_create(
            organisation=organisation, defaults={"percent": percent, "people": people})
        audit(actor=actor, action="roster.hold_settings", obj=row, organisation=organisation,
              details={"percent": percent, "people": people})
    return row


def hold_settings(organisation) -> RosterHoldSettings:
    return (RosterHoldSettings.objects.filter(organisation=organisation).first()
            or RosterHoldSettings(organisation=organisation, percent=DEFAULT_PERCENT, people=DEFAULT_PEOPLE))


def _user(actor):
    return actor.user if getattr(actor.user, "pk", None) else None


# --- «Требует внимания» -----------------------------------------------------------------------------------

def attention(active: ActiveRole | None) -> list:
    """One item when the active role's school has held imports waiting for a decision (one query)."""
    from sreda.core.attention import Attention

    if active is None or active.organisation is None or not can(active, Action.IMPORT_ROSTER, active.organisation):
        return []
    n = HeldImport.objects.filter(organisation_id__in=[active.organisation.pk], status=HoldStatus.HELD).count()
    if not n:
        return []
    return [Attention(text=f"Импорт контингента удержан: он завершил бы или перевёл слишком много ролей "
                           f"(ожидают решения: {n}). Проверьте и примените или отклоните.",
                      url=reverse("roster:held_list"), urgent=True)]
