"""Persons of a Roster matched to the database in bulk: one query per chunk, never one per row."""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date

from django.utils import timezone

from sreda.people.models import Person, person_sort_key
from sreda.roster.engine.bulk import db_date, db_datetime, insert_rows, select_in
from sreda.roster.parsers.base import PersonIn, Roster

CHUNK = 2000
PERSON_FIELDS = ("surname", "name", "patronymic", "snils", "email", "phone", "birth_date", "sex")
NEW_PERSON_FIELDS = ["external_id", "surname", "name", "patronymic", "snils", "email", "phone", "birth_date", "sex",
                     "sort_key", "account_confirmed", "created_at", "updated_at"]
OPTIONAL_FIELDS = ("snils", "email", "phone", "birth_date", "sex")  # empty in the file = keep what Sreda has


def chunks(items: Iterable, size: int = CHUNK) -> Iterator[list]:
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _load(key: str, values: list) -> list[tuple]:
    rows = select_in(Person, ["id", "external_id", *PERSON_FIELDS], key, values)
    # Raw rows carry the database's form of dates (text on SQLite): compare like with like.
    at = 2 + PERSON_FIELDS.index("birth_date")
    return [row[:at] + (_as_date(row[at]),) + row[at + 1:] for row in rows]


def _as_date(value):
    return date.fromisoformat(value) if isinstance(value, str) else value


def upsert_persons(roster: Roster) -> tuple[dict[str, int], set[int], set[int]]:
    """key → person id for every person of the roster; returns (ids, created ids, changed ids).

    Matched by external id, else by СНИЛС. A СНИЛС that belongs to someone else makes the row bad.
    """
    keys = list(roster.persons) + [k for k in roster.frozen if k not in roster.persons]
    by_ext = {row[1]: row for row in _load("external_id", keys)}
    snils_wanted = [p.snils for p in roster.persons.values() if p.snils]
    by_snils = {row[2 + PERSON_FIELDS.index("snils")]: row for row in _load("snils", snils_wanted)}
    ids: dict[str, int] = {k: row[0] for k, row in by_ext.items() if k in roster.frozen and k not in roster.persons}
    assigned: dict[int, PersonIn] = {}
    to_update: list[Person] = []
    to_create: list[PersonIn] = []
    set_external: set[int] = set()
    now = timezone.now()
    for key, p in list(roster.persons.items()):
        row = by_ext.get(key)
        if row is None and p.snils and p.snils in by_snils:
            row = by_snils[p.snils]
            if row[1] is None:
                set_external.add(row[0])
        holder = by_snils.get(p.snils) if p.snils else None
        if holder is not None and (row is None or holder[0] != row[0]):
            roster.drop_person(key, p.src, f"СНИЛС {p.snils} уже записан в Среде у другого человека", roster.snils_column)
            if key in by_ext:
                ids[key] = by_ext[key][0]  # still known: its memberships stay as they are
            continue
        if row is not None and row[0] in assigned:
            other = assigned[row[0]].src
            roster.drop_person(key, p.src, f"это тот же человек (по СНИЛС), что и в строке {other.line}", roster.snils_column)
            continue
        if row is None:
            to_create.append(p)
            continue
        assigned[row[0]] = p
        ids[key] = row[0]
        current = dict(zip(PERSON_FIELDS, row[2:]))
        wanted = {f: getattr(p, f) for f in PERSON_FIELDS if f not in OPTIONAL_FIELDS or getattr(p, f) not in (None, "")}
        if any(current[f] != v for f, v in wanted.items()) or row[0] in set_external:
            current.update(wanted)
            obj = Person(id=row[0], **current)
            obj.external_id = key if row[0] in set_external else row[1]
            obj.sort_key = person_sort_key(obj.surname, obj.name, obj.patronymic)
            obj.updated_at = now
            to_update.append(obj)
    for batch in chunks(to_update, 1000):
        Person.objects.bulk_update(batch, [*PERSON_FIELDS, "external_id", "sort_key", "updated_at"])
    now_db = db_datetime(now)
    rows = [
        (p.key, p.surname, p.name, p.patronymic, p.snils or None, p.email or "", p.phone or "", db_date(p.birth_date),
         p.sex or "", person_sort_key(p.surname, p.name, p.patronymic), False, now_db, now_db)
        for p in to_create
    ]
    new_ids = insert_rows(Person, NEW_PERSON_FIELDS, rows, returning=True)
    for p, pid in zip(to_create, new_ids):
        ids[p.key] = pid
    created = set(new_ids)
    changed = {obj.pk for obj in to_update}
    return ids, created, changed
