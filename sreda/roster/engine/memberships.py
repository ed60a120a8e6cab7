"""Memberships, teacher subjects, class teachers and guardianships: desired state vs. the database.

Only roster-origin memberships are ever ended; nothing is deleted. A student whose class changed gets
the old membership ended and a new one started.
"""
from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from django.db.models import Q
from django.utils import timezone

from sreda.core.text import fold
from sreda.orgs.models import Organisation, SchoolClass, Subject
from sreda.people.models import Confirmation, Guardianship, Membership, MembershipOrigin
from sreda.people.roles import Role
from sreda.roster.engine.bulk import db_date, db_datetime, insert_rows, select_in
from sreda.roster.engine.people import chunks
from sreda.roster.parsers.base import Roster

ROSTER_ROLES = (Role.TEACHER, Role.STAFF, Role.ADMINISTRATOR, Role.STUDENT, Role.PARENT)
Through = Membership.subjects.through


def org_today(org: Organisation) -> date:
    """«Today» in the organisation's region's time zone: the date a membership ends."""
    return timezone.now().astimezone(ZoneInfo(org.municipality.region.timezone)).date()


class MembershipSync:
    def __init__(self, roster: Roster, schools: dict[str, Organisation], classes: dict[str, int], ids: dict[str, int],
                 keep_person_id: int | None = None):
        self.roster = roster
        self.schools = schools
        self.classes = classes
        self.ids = ids
        self.frozen_ids = {ids[k] for k in roster.frozen if k in ids}
        self.keep_person_id = keep_person_id
        self.changed: set[int] = set()
        self.ended = 0
        # For the sync hold (hold.py): what this run ends and starts, and what was active before it.
        self.active_before: dict[int, int] = {}
        self.ended_ids: list[int] = []
        self.new_keys: list[tuple] = []
        self.today = {o.pk: org_today(o) for o in schools.values()}

    def run(self) -> None:
        self.memberships()
        self.subjects()
        self.class_teachers()
        self.guardianships()

    def desired(self) -> dict[tuple, None]:
        """(person, organisation, role, class) the roster wants, in file order."""
        with_class = {(m.person_key, m.org_key, m.role) for m in self.roster.members if m.class_key}
        wanted: dict[tuple, None] = {}
        for m in self.roster.members:
            pid = self.ids.get(m.person_key)
            if pid is None or pid in self.frozen_ids:
                continue
            if m.class_key is None and (m.person_key, m.org_key, m.role) in with_class:
                continue
            class_id = self.classes.get(m.class_key) if m.class_key else None
            wanted[(pid, self.schools[m.org_key].pk, m.role, class_id)] = None
        return wanted

    def memberships(self) -> None:
        wanted = self.desired()
        floor = min(self.today.values(), default=timezone.localdate())
        existing = Membership.objects.filter(
            Q(end_date__isnull=True) | Q(end_date__gt=floor),
            organisation_id__in=list(self.today), role__in=ROSTER_ROLES,
        ).values_list("id", "person_id", "organisation_id", "role", "school_class_id", "origin", "end_date")
        self.membership_ids: dict[tuple, int] = {}
        self.origin: dict[int, str] = {}
        to_end: dict[int, list[int]] = {}
        for mid, pid, org_id, role, class_id, origin, end in existing:
            if end is not None and end <= self.today[org_id]:
                continue
            self.active_before[org_id] = self.active_before.get(org_id, 0) + 1
            key = (pid, org_id, role, class_id)
            if key in wanted:
                self.membership_ids.setdefault(key, mid)
                self.origin[mid] = origin
            elif origin == MembershipOrigin.ROSTER and pid not in self.frozen_ids and pid != self.keep_person_id:
                to_end.setdefault(org_id, []).append(mid)
                self.changed.add(pid)
        for org_id, mids in to_end.items():
            self.ended_ids += mids
            for batch in chunks(mids):
                self.ended += Membership.objects.filter(pk__in=batch).update(end_date=self.today[org_id])
        new = [key for key in wanted if key not in self.membership_ids]
        self.new_keys = new
        starts = {org_id: db_date(day) for org_id, day in self.today.items()}
        # A role from the registry starts unconfirmed: the director confirms it (R6–R9).
        pending = str(Confirmation.PENDING)
        rows = [(pid, org_id, role, class_id, str(MembershipOrigin.ROSTER), starts[org_id], pending)
                for pid, org_id, role, class_id in new]
        new_ids = insert_rows(
            Membership, ["person", "organisation", "role", "school_class", "origin", "start_date", "confirmation"],
            rows, returning=True,
        )
        for key, mid in zip(new, new_ids):
            self.membership_ids[key] = mid
            self.origin[mid] = MembershipOrigin.ROSTER
            self.changed.add(key[0])

    def subjects(self) -> None:
        """Teacher subjects from the roster: replaced on roster memberships, only added to others."""
        names: dict[tuple[int, int], set[str]] = {}
        for key in self.membership_ids:
            if key[2] == Role.TEACHER and key[3] is None:
                names[(key[0], key[1])] = set()
        for s in self.roster.subjects:
            pid = self.ids.get(s.person_key)
            if pid is not None and (pid, self.schools[s.org_key].pk) in names:
                names[(pid, self.schools[s.org_key].pk)].update(s.names)
        if not names:
            return
        catalogue = {fold(s.name): s.pk for s in Subject.objects.only("id", "name")}
        missing = {fold(n): n for ns in names.values() for n in ns if fold(n) not in catalogue}
        if missing:
            Subject.objects.bulk_create([Subject(name=n, supported=False) for n in missing.values()], ignore_conflicts=True)
            catalogue.update({fold(s.name): s.pk for s in Subject.objects.filter(name__in=list(missing.values()))})
        mids = {self.membership_ids[(pid, org_id, Role.TEACHER, None)]: (pid, org_id) for pid, org_id in names}
        current: dict[int, dict[int, int]] = {}
        for batch in chunks(list(mids)):
            for row_id, mid, sid in Through.objects.filter(membership_id__in=batch).values_list("id", "membership_id", "subject_id"):
                current.setdefault(mid, {})[sid] = row_id
        add, remove = [], []
        for mid, (pid, org_id) in mids.items():
            want = {catalogue[fold(n)] for n in names[(pid, org_id)]}
            have = current.get(mid, {})
            extra = [row for sid, row in have.items() if sid not in want] if self.origin[mid] == MembershipOrigin.ROSTER else []
            new = [sid for sid in want if sid not in have]
            if extra or new:
                self.changed.add(pid)
            remove += extra
            add += [Through(membership_id=mid, subject_id=sid) for sid in new]
        for batch in chunks(remove):
            Through.objects.filter(pk__in=batch).delete()
        Through.objects.bulk_create(add, batch_size=1000)

    def class_teachers(self) -> None:
        """The class teacher named by the roster; cleared only when the roster says that person leads no longer."""
        lead = {self.classes[x.class_key]: self.ids[x.person_key] for x in self.roster.leads
                if x.class_key in self.classes and x.person_key in self.ids}
        in_file = {self.ids[k] for k in self.roster.persons if k in self.ids}
        class_ids = [self.classes[k] for k in self.roster.classes if k in self.classes]
        changed = []
        for batch in chunks(class_ids):
            for cid, teacher in SchoolClass.objects.filter(pk__in=batch).values_list("id", "class_teacher_id"):
                want = lead.get(cid)
                if want is None and (teacher not in in_file or teacher in self.frozen_ids):
                    continue
                if want != teacher:
                    changed.append(SchoolClass(pk=cid, class_teacher_id=want))
                    self.changed.update(p for p in (want, teacher) if p is not None)
        SchoolClass.objects.bulk_update(changed, ["class_teacher"], batch_size=500)

    def guardianships(self) -> None:
        """Guardianships are only added: the roster cannot tell its own links from ones made in Sreda."""
        pairs = {(self.ids[g.parent_key], self.ids[g.child_key]) for g in self.roster.guards
                 if g.parent_key in self.ids and g.child_key in self.ids}
        if not pairs:
            return
        have = set(select_in(Guardianship, ["parent", "child"], "parent", sorted({p for p, _ in pairs})))
        new = [pair for pair in pairs if pair not in have]
        now = db_datetime(timezone.now())
        insert_rows(Guardianship, ["parent", "child", "created_at"], [(p, c, now) for p, c in new])
        for p, c in new:
            self.changed.update((p, c))
