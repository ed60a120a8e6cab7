"""R20: does a join request match the school's roster? Field by field: фамилия, имя, отчество, дата рождения.

The roster of a request is narrow on purpose, so that approval can never attach anyone elsewhere:
- a student's (or a child's, R22) request: the current students of *the request's class*;
- a parent's (representative's) request: the current parents of the request's class;
- a teacher's request: the current teachers and staff of *the request's school*.

Names are compared folded (case and «ё» ignored, spaces collapsed). A roster person counts as a candidate
when at least two of the four fields agree, the surname or the birth date among them; the candidate with most agreeing fields is shown. Two or more
candidates agreeing on every field make the match «ambiguous»: the administrator decides by hand.

`match_requests` costs one query per 500 classes (students), per 500 classes (parents) and per 500 schools
(teachers) of the requests, whatever their number: the queue page asks for its 25 rows, the bulk approval
and the benchmark for thousands.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.db import connection
from django.utils import timezone

from sreda.core.text import fold
from sreda.onboarding.models import JoinRequest, JoinRole
from sreda.people.models import Guardianship, Membership, Person, User
from sreda.people.roles import TEACHING_ROLES, Role

FIELDS: tuple[tuple[str, str], ...] = (
    ("surname", "Фамилия"), ("name", "Имя"), ("patronymic", "Отчество"), ("birth_date", "Дата рождения"),
)
MIN_AGREEING = 2
CHUNK = 500


class MatchKind:
    EXACT = "exact"
    PARTIAL = "partial"
    AMBIGUOUS = "ambiguous"
    NONE = "none"

    LABELS = {
        EXACT: "Совпадает с контингентом",
        PARTIAL: "Есть расхождения",
        AMBIGUOUS: "Несколько совпадений",
        NONE: "Нет в контингенте",
    }


@dataclass(frozen=True)
class FieldCheck:
    field: str
    label: str
    typed: str
    roster: str
    ok: bool


@dataclass(frozen=True)
class RosterEntry:
    person_id: int
    surname: str
    name: str
    patronymic: str
    birth_date: date | None
    user_id: int | None

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.surname, self.name, self.patronymic) if p)


@dataclass(frozen=True)
class Match:
    kind: str
    entry: RosterEntry | None = None
    checks: tuple[FieldCheck, ...] = ()
    candidates: int = 0
    # The roster entry already belongs to another account: approval would take it from them.
    taken: bool = False

    @property
    def label(self) -> str:
        if self.taken:
            return "Запись контингента уже связана с другой учётной записью"
        return MatchKind.LABELS[self.kind]

    @property
    def is_exact(self) -> bool:
        """What «Одобрить все точные совпадения» approves."""
        return self.kind == MatchKind.EXACT and not self.taken


NO_MATCH = Match(MatchKind.NONE)


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.strftime("%d.%m.%Y")
    return str(value)


def _same(field: str, typed, roster) -> bool:
    if field == "birth_date":
        return typed is not None and typed == roster
    return fold(typed) == fold(roster)


def compare(request: JoinRequest, entry: RosterEntry) -> tuple[FieldCheck, ...]:
    return tuple(
        FieldCheck(field, label, _text(getattr(request, field)), _text(getattr(entry, field)),
                   _same(field, getattr(request, field), getattr(entry, field)))
        for field, label in FIELDS
    )


def _roster_key(request: JoinRequest) -> tuple:
    if request.role == JoinRole.TEACHER:
        return ("org", request.organisation_id)
    return ("class", request.school_class_id, request.role)


def _load_roster(groups: dict[tuple, list[JoinRequest]]) -> dict[tuple, list[RosterEntry]]:
    """The roster entries that can be candidates for the requests, grouped by roster key: students of a
    class narrowed in SQL to those whose folded surname or birth date agrees with a request of that class
    (a candidate needs one of them); parents of a class and teachers of a school in full (few rows)."""
    roster: dict[tuple, list[RosterEntry]] = defaultdict(list)
    columns = ("person_id", "person__surname", "person__name", "person__patronymic", "person__birth_date",
               "person__user__id")
    class_groups: dict[tuple, list[JoinRequest]] = {}
    parent_classes, orgs = [], []
    for key, requests in groups.items():
        if key[0] == "org":
            orgs.append(key[1])
        elif key[2] == Role.PARENT:
            parent_classes.append(key[1])
        else:
            class_groups[key] = requests
    parent_classes.sort()
    for start in range(0, len(parent_classes), CHUNK):
        # A class's parents: the legal representatives of its current students (roster parents are often
        # imported without a class of their own).
        students = (Membership.objects.active()
                    .filter(school_class_id__in=parent_classes[start:start + CHUNK], role=Role.STUDENT))
        rows = (Guardianship.objects.filter(child_id__in=students.values("person_id"))
                .values_list("child_id", "parent_id", "parent__surname", "parent__name", "parent__patronymic",
                             "parent__birth_date", "parent__user__id"))
        child_class = dict(students.values_list("person_id", "school_class_id"))
        seen: set[tuple[int, int]] = set()
        for child_id, *values in rows:
            class_id = child_class.get(child_id)
            if class_id is not None and (class_id, values[0]) not in seen:
                seen.add((class_id, values[0]))
                roster[("class", class_id, Role.PARENT)].append(RosterEntry(*values))
    if class_groups:
        _load_classes(class_groups, roster)
    for start in range(0, len(orgs), CHUNK):
        rows = (Membership.objects.active()
                .filter(organisation_id__in=orgs[start:start + CHUNK], role__in=TEACHING_ROLES)
                .values_list("organisation_id", *columns))
        seen: set[tuple[int, int]] = set()
        for org_id, *values in rows.iterator(chunk_size=5000):
            if (org_id, values[0]) not in seen:  # a teacher who is also «Сотрудник» is one entry
                seen.add((org_id, values[0]))
                roster[("org", org_id)].append(RosterEntry(*values))
    return roster


def _quick_fold(value: str) -> str:
    """fold() for the common one-word surname, without splitting and joining."""
    quick = value.lower().replace("ё", "е")
    return quick if quick.isalpha() else fold(value)


def _load_classes(class_groups: dict[tuple, list[JoinRequest]], roster: dict) -> None:
    """Students (or other class roles) of the requests' classes, one plain-SQL query per CHUNK classes; only
    rows whose folded surname or birth date agrees with a request of their class are kept (a candidate needs
    one of them), so the matching looks at a handful of entries per request."""
    wanted: dict[tuple[int, str], tuple[set, set]] = {}
    for (_, class_id, role), requests in class_groups.items():
        births = {r.birth_date for r in requests if r.birth_date is not None}
        wanted[(class_id, role)] = ({fold(r.surname) for r in requests},
                                    births | {b.isoformat() for b in births})
    today = connection.ops.adapt_datefield_value(timezone.localdate())
    membership, person, user = (connection.ops.quote_name(m._meta.db_table) for m in (Membership, Person, User))
    # SQLite keeps dates as text: read them as text (no converter per row), parse only the rows kept.
    birth = "CAST(p.birth_date AS TEXT)" if connection.vendor == "sqlite" else "p.birth_date"
    class_ids = sorted({class_id for class_id, _ in wanted})
    roles = sorted({role for _, role in wanted})
    for start in range(0, len(class_ids), CHUNK):
        chunk = class_ids[start:start + CHUNK]
        sql = (f"SELECT m.school_class_id, m.role, p.id, p.surname, p.name, p.patronymic, {birth}, u.id "
               f"FROM {membership} m JOIN {person} p ON p.id = m.person_id "
               f"LEFT JOIN {user} u ON u.person_id = p.id "
               f"WHERE m.school_class_id IN ({', '.join(['%s'] * len(chunk))}) "
               f"AND m.role IN ({', '.join(['%s'] * len(roles))}) "
               f"AND m.start_date <= %s AND (m.end_date IS NULL OR m.end_date > %s)")
        seen = set()
        with connection.cursor() as cursor:
            cursor.execute(sql, [*chunk, *roles, today, today])
            for class_id, role, person_id, surname, name, patronymic, born, user_id in cursor.fetchall():
                keys = wanted.get((class_id, role))
                if keys is None or (born not in keys[1] and _quick_fold(surname) not in keys[0]):
                    continue
                if (class_id, role, person_id) in seen:
                    continue
                seen.add((class_id, role, person_id))
                if isinstance(born, str):
                    born = date.fromisoformat(born)
                roster[("class", class_id, role)].append(
                    RosterEntry(person_id, surname, name, patronymic or "", born, user_id))


def _index(entries: list[RosterEntry]) -> dict[str, list[RosterEntry]]:
    """Entries by each of their folded fields, so a request looks at a handful of entries, not the class."""
    index: dict[str, list[RosterEntry]] = defaultdict(list)
    for entry in entries:
        index["s:" + fold(entry.surname)].append(entry)
        index["n:" + fold(entry.name) + "|" + fold(entry.patronymic)].append(entry)
        if entry.birth_date is not None:
            index["b:" + entry.birth_date.isoformat()].append(entry)
    return index


def _is_candidate(checks: tuple[FieldCheck, ...]) -> bool:
    """Two fields agree, one of them the surname or the birth date: namesakes by first name and
    patronymic alone are not candidates."""
    return sum(c.ok for c in checks) >= MIN_AGREEING and (checks[0].ok or checks[3].ok)


def _match_one(request: JoinRequest, index: dict[str, list[RosterEntry]], requester_id: int | None) -> Match:
    pool: dict[int, RosterEntry] = {}
    keys = ["s:" + fold(request.surname), "n:" + fold(request.name) + "|" + fold(request.patronymic)]
    if request.birth_date is not None:
        keys.append("b:" + request.birth_date.isoformat())
    for key in keys:
        for entry in index.get(key, ()):
            pool[entry.person_id] = entry
    scored = []
    for entry in pool.values():
        checks = compare(request, entry)
        agreeing = sum(c.ok for c in checks)
        if _is_candidate(checks):
            scored.append((agreeing, entry, checks))
    if not scored:
        return NO_MATCH
    scored.sort(key=lambda item: (-item[0], item[1].person_id))
    best_score, entry, checks = scored[0]
    exact = [item for item in scored if item[0] == len(FIELDS)]
    if len(exact) == 2 and any(item[1].person_id == request.subject_id for item in exact):
        # The requester can be among the class's parents already — the parent's half of a pair is approved after
        # the child's (R22), which makes them a guardian of a class student: they are not a second roster entry,
        # the school's own entry is the match.
        scored = [item for item in scored if item[1].person_id != request.subject_id]
        best_score, entry, checks = scored[0]
        exact = scored[:1]
    if len(exact) > 1:
        kind = MatchKind.AMBIGUOUS
    elif best_score == len(FIELDS):
        kind = MatchKind.EXACT
    else:
        kind = MatchKind.PARTIAL
    # The subject's own account, or none, may take the entry; another account may not.
    taken = entry.user_id is not None and entry.user_id != requester_id and entry.person_id != request.subject_id
    return Match(kind, entry, checks, candidates=len(scored), taken=taken)


def subject_user_id(request: JoinRequest) -> int | None:
    """Whose account the roster entry will belong to: the child's for a CHILD request, the requester's
    otherwise."""
    if request.kind == "child":
        return getattr(request, "_subject_user_id", None)
    return request.requester_id


def match_requests(requests: Iterable[JoinRequest]) -> dict[int, Match]:
    """The best roster match of each request, by request id."""
    requests = list(requests)
    groups: dict[tuple, list[JoinRequest]] = defaultdict(list)
    for r in requests:
        if r.role == JoinRole.TEACHER or r.school_class_id:
            groups[_roster_key(r)].append(r)
    roster = _load_roster(groups)
    indexes = {key: _index(entries) for key, entries in roster.items()}
    child_ids = [r.subject_id for r in requests if r.kind == "child" and not hasattr(r, "_subject_user_id")]
    if child_ids:
        owners = dict(User.objects.filter(person_id__in=child_ids).values_list("person_id", "pk"))
        for r in requests:
            if r.kind == "child" and not hasattr(r, "_subject_user_id"):
                r._subject_user_id = owners.get(r.subject_id)
    result = {}
    for request in requests:
        index = indexes.get(_roster_key(request))
        result[request.pk] = _match_one(request, index, subject_user_id(request)) if index else NO_MATCH
    return result


def candidates_for(request: JoinRequest) -> list[tuple[RosterEntry, tuple[FieldCheck, ...]]]:
    """Every roster entry of the request's class (or school, for a teacher) that agrees on at least two
    fields, best first: the administrator may pick one of them by hand."""
    if request.role != JoinRole.TEACHER and not request.school_class_id:
        return []
    roster = _load_roster({_roster_key(request): [request]}).get(_roster_key(request), [])
    scored = []
    for entry in roster:
        checks = compare(request, entry)
        if _is_candidate(checks):
            scored.append((entry, checks))
    scored.sort(key=lambda item: (-sum(c.ok for c in item[1]), item[0].full_name, item[0].person_id))
    return scored


def roster_role(request: JoinRequest) -> tuple[str, ...]:
    return TEACHING_ROLES if request.role == JoinRole.TEACHER else (request.role,)


__all__ = [
    "FIELDS",
    "NO_MATCH",
    "FieldCheck",
    "Match",
    "MatchKind",
    "Role",
    "RosterEntry",
    "candidates_for",
    "compare",
    "match_requests",
    "roster_role",
]
