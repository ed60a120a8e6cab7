"""Apply a parsed Roster to the database: an idempotent upsert by source id.

Callers run this inside one transaction and roll back when problems forbid applying.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction

from sreda.roster.engine.memberships import MembershipSync
from sreda.roster.engine.orgs import resolve_classes, resolve_orgs, resolve_sessions
from sreda.roster.engine.people import upsert_persons
from sreda.roster.parsers.base import Roster
from sreda.roster.signals import roster_applied


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    ended: int = 0
    unchanged: int = 0
    organisations: tuple = ()
    sync: MembershipSync | None = None  # what the run ended and started: the sync hold's preview (hold.py)
    created_ids: frozenset = frozenset()  # persons this run created


def apply_roster(roster: Roster, *, actor, progress: Callable[[int, str], None]) -> Counts:
    schools = resolve_orgs(roster, actor)
    if any(p.fatal for p in roster.problems):
        return Counts()
    progress(40, "Организации и учебные годы")
    years = resolve_sessions(roster, schools)
    classes = resolve_classes(roster, schools, years)
    progress(50, "Классы сохранены, сверяем людей")
    ids, created, changed = upsert_persons(roster)
    progress(70, "Люди сохранены, сверяем роли и классы")
    # The person running the import keeps their own roles even if the file omits them: ending them
    # would lock them out in the middle of their work. Another administrator can end them.
    sync = MembershipSync(roster, schools, classes, ids, keep_person_id=getattr(actor.person, "pk", None))
    sync.run()
    progress(95, "Роли, классы и предметы сохранены")
    in_file = {ids[k] for k in roster.persons if k in ids}
    updated = (changed | sync.changed) & in_file - created
    if created or updated or sync.ended:
        organisation_ids = sorted({school.pk for school in schools.values()})
        transaction.on_commit(lambda: roster_applied.send(sender=None, organisation_ids=organisation_ids))
    return Counts(
        created=len(created & in_file),
        updated=len(updated),
        ended=sync.ended,
        unchanged=len(in_file - created - updated),
        organisations=tuple(schools.values()),
        sync=sync,
        created_ids=frozenset(created),
    )
