"""The sync hold (issue #10, item 1): an import that would end or move too many of a school's memberships
is not applied but held with a preview of the difference until an administrator approves or rejects it.

The difference is computed inside the import's transaction, after applying, from what MembershipSync
ended and started (for a SCIM Bulk request: from the school's active roles before and after it, see
sreda/api/scim/bulk_hold.py); the import is then rolled back, so a held import changes nothing and sends no
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
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from sreda.core.active_role import ActiveRole
from sreda.core.audit import audit
from sreda.core.permissions import Action, can, require
from sreda.people.models import Membership, Person, User
from sreda.people.roles import Role
from sreda.roster.engine import Counts
from sreda.roster.engine.memberships import ROSTER_ROLES, org_today
from sreda.roster.engine.people import chunks
from sreda.roster.models import HeldImport, HeldKind, HoldStatus, RosterHoldSettings

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
    return build_difference(schools, ended, sync.new_keys)


def active_memberships(organisation) -> dict[int, tuple]:
    """id → (person, organisation, role, class) of the school's active roles of the kinds a roster carries:
    the «before» of a change made by other means than a file (SCIM Bulk), counted as MembershipSync counts."""
    today = org_today(organisation)
    rows = (Membership.objects.filter(Q(end_date__isnull=True) | Q(end_date__gt=today), organisation=organisation,
                                      role__in=ROSTER_ROLES)
            .order_by().values_list("id", "person_id", "organisation_id", "role", "school_class_id"))
    return {row[0]: row[1:] for row in rows}


def difference_since(organisation, before: dict[int, tuple]) -> Difference:
    """What happened to the school's active roles since `before` (active_memberships), inside one transaction."""
    after = active_memberships(organisation)
    ended = [row for mid, row in before.items() if mid not in after]
    started = [row for mid, row in after.items() if mid not in before]
    schools = {organisation.pk: SchoolDiff(organisation.pk, organisation.short_name or organisation.name,
                                           active=len(before))}
    return build_difference(schools, ended, started)


def build_difference(schools: dict[int, SchoolDiff], ended: list[tuple], started: list[tuple]) -> Difference:
    """Pair ended and started roles (person, organisation, role, class) into moves, name the people and classes,
    and apply each school's thresholds."""
    starts: dict[tuple, list] = {}
    for pid, oid, role, cid in started:
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
    _login_keys(persons)
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


def _login_keys(persons: dict[int, tuple]) -> None:
    """A person without a registry id (one SCIM creates without externalId) is known by their login: their
    primary key is new on every run, their login is not."""
    bare = [pk for pk, (_, ext) in persons.items() if not ext]
    for batch in chunks(bare):
        for pk, username in User.objects.filter(person_id__in=batch).values_list("person_id", "username"):
            persons[pk] = (persons[pk][0], f"login:{username.lower()}")


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


def supersede(organisation_ids, *, keep: HeldImport | None = None, kind: str = HeldKind.FILE) -> int:
    """A newer import of a school supersedes its older held ones of the same source (a SCIM Bulk is a part of
    the school, not the whole: it leaves a held file alone, and a file leaves a held Bulk alone)."""
    qs = HeldImport.objects.filter(organisation_id__in=list(organisation_ids), status=HoldStatus.HELD, kind=kind)
    if keep is not None:
        qs = qs.exclude(pk=keep.pk)
    return qs.update(status=HoldStatus.SUPERSEDED, decided_at=timezone.now())


def hold(*, actor: ActiveRole, diff: Difference, target, path: Path | None = None, skip_bad: bool = False,
         original_name: str | None = None, payload: dict | None = None, replaces: HeldImport | None = None) -> HeldImport:
    """Store a held import with its preview and tell the schools' administrators (audit + «Требует внимания»).

    A file (`path`) is copied aside to be re-read on approval; a SCIM Bulk request keeps its body (`payload`)."""
    kind = HeldKind.SCIM if payload is not None else HeldKind.FILE
    if kind == HeldKind.FILE:
        kept = str(Path(replaces.file_path) if replaces is not None else _keep_file(Path(path)))
        name = (original_name or Path(path).name)[:255]
    else:
        kept, name = "", ""
    over = diff.over or [next(iter(diff.schools))]
    preview = diff.preview()
    with transaction.atomic():
        supersede(diff.schools, kind=kind)
        row = HeldImport.objects.create(
            organisation_id=over[0], organisation_ids=over, target=target, kind=kind, payload=payload,
            created_by=actor.user if getattr(actor.user, "pk", None) else None, acting_role=(actor.label or "")[:200],
            file_path=kept, original_name=name, skip_bad=skip_bad, fingerprint=diff.fingerprint, preview=preview,
            ended_count=sum(s["ended_count"] for s in preview["schools"]),
            moved_count=sum(s["moved_count"] for s in preview["schools"]),
            created_count=sum(s["created_count"] for s in preview["schools"]),
        )
        for oid in over:
            d = diff.schools[oid]
            audit(actor=actor, action="roster.held", obj=row, organisation=d_org(oid),
                  details={"ended": len(d.ended), "moved": len(d.moved), "created": len(d.created), "active": d.active,
                           "kind": kind, "file": row.original_name})
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
    """Apply the held file or SCIM Bulk exactly as previewed; if the difference changed meanwhile, hold it again."""
    from sreda.roster.services import roster_import

    _check(actor, held)
    if held.kind == HeldKind.SCIM:
        # The SCIM services live with the SCIM endpoint; they are the same ones a Bulk request runs.
        from sreda.api.scim.bulk_hold import bulk_approve

        result = bulk_approve(actor=actor, held=held)
    else:
        result = roster_import(actor=actor, path=Path(held.file_path), organisation=held.target,
                               skip_bad=held.skip_bad, approving=held, original_name=held.original_name)
    if result.applied:
        HeldImport.objects.filter(pk=held.pk).update(
            status=HoldStatus.APPROVED, decided_by=_user(actor), decided_at=timezone.now())
        held.refresh_from_db(fields=["status", "decided_by", "decided_at"])
        audit(actor=actor, action="roster.hold_approved", obj=held, organisation=held.organisation,
              details={"kind": held.kind, "file": held.original_name})
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
              details={"kind": held.kind, "file": held.original_name})
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
