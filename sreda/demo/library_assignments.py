"""The demo's assigned lessons (R18) and library indicators (R19): in each demo school with a published
schedule some teachers use the library — they are in «Педагоги. Доступ к УБ ЦОК» with a confirmed teacher
role, entered the library (LibraryVisit) and assigned a catalogue lesson of their subject and grade to one of
their classes in the last two weeks of this month — and some students of those classes opened them. Each
school gets its own adoption level, so «Показатели библиотеки» shows schools above and below the targets.

Only teachers whom R15 admits assign (checked with `library_access_for`). The demo teacher's school is left
as the access demo set it (only the demo teacher is in the group there, so refusals stay visible).
Idempotent: a second run finds its audit mark and adds nothing."""
from __future__ import annotations

import random
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from sreda.access.models import AccessGroup
from sreda.access.selectors import UB_TSOK_GROUP_CODE
from sreda.access.services import group_members_add
from sreda.core.active_role import ActiveRole, for_membership
from sreda.core.audit import audit
from sreda.core.models import AuditEntry
from sreda.core.text import plural
from sreda.library.access import library_access_for
from sreda.library.models import Assignment, AssignmentKind, AssignmentView, CatalogueItem, LibraryVisit, ScheduleLesson
from sreda.orgs.models import Organisation, SchoolClass
from sreda.people.confirmation import region_zone
from sreda.people.models import Confirmation, Membership, Person, User
from sreda.people.roles import Role

MARK = "demo.library_assignments"
DEMO_TEACHER = "teacher"
TEACHER_LEVELS = (0.3, 0.95)  # share of a school's teachers who use the library: some schools reach 60 %, some not
STUDENT_LEVELS = (0.15, 0.7)  # share of the students of those classes who open a lesson


@transaction.atomic
def ensure(actor: ActiveRole) -> str | None:
    if AuditEntry.objects.filter(action=MARK).exists():
        return None
    group = AccessGroup.objects.filter(code=UB_TSOK_GROUP_CODE).select_related("system").first()
    if group is None or not CatalogueItem.objects.exists():
        return None
    demo_teacher = User.objects.filter(username=DEMO_TEACHER).values_list("person_id", flat=True).first()
    schools = list(Organisation.objects.filter(pk__in=ScheduleLesson.objects.values("organisation_id"))
                   .select_related("municipality__region").order_by("pk"))
    totals = {"schools": 0, "assignments": 0, "views": 0, "visits": 0}
    for school in schools:
        counts = _school(actor, school, group, demo_teacher)
        if counts["assignments"]:
            totals["schools"] += 1
        for key in ("assignments", "views", "visits"):
            totals[key] += counts[key]
    if not totals["assignments"]:
        return None
    audit(actor=actor, action=MARK, details=totals)
    lessons, schools = totals["assignments"], totals["schools"]
    views, visits = totals["views"], totals["visits"]
    return (f"Назначения: {lessons} {plural(lessons, 'урок', 'урока', 'уроков')} в {schools} "
            f"{plural(schools, 'школе', 'школах', 'школах')}, {views} {plural(views, 'открытие', 'открытия', 'открытий')} "
            f"обучающимися, {visits} {plural(visits, 'вход', 'входа', 'входов')} учителей в библиотеку.")


def _school(actor: ActiveRole, school: Organisation, group: AccessGroup, demo_teacher: int | None) -> dict:
    rng = random.Random(f"demo-library-{school.pk}")
    zone = ZoneInfo(region_zone(school))
    today = timezone.localdate(timezone=zone)
    first = max(today.replace(day=1), today - timedelta(days=14))
    teachers = list(Membership.objects.active(today).filter(organisation=school, role=Role.TEACHER)
                    .select_related("person", "organisation__municipality__region").order_by("pk"))
    mine = any(m.person_id == demo_teacher for m in teachers)
    level = rng.uniform(*TEACHER_LEVELS)
    if mine:
        chosen = [m for m in teachers if m.person_id == demo_teacher]
    else:
        chosen = rng.sample(teachers, round(level * len(teachers)))
    if not mine:
        _admit(actor, school, group, chosen)
    counts = {"assignments": 0, "views": 0, "visits": 0}
    homerooms: dict[int, set[int]] = {}
    for class_id, teacher_id in SchoolClass.objects.filter(organisation=school, class_teacher__isnull=False) \
            .values_list("pk", "class_teacher_id"):
        homerooms.setdefault(teacher_id, set()).add(class_id)
    made: list[Assignment] = []
    for membership in chosen:
        if not library_access_for(membership.person, for_membership(membership), on=today).allowed:
            continue  # R15: only teachers with access assign
        taught = list(ScheduleLesson.objects.filter(teacher=membership.person, organisation=school)
                      .values_list("school_class_id", "school_class__grade", "subject_id").distinct()
                      .order_by("school_class_id", "subject_id"))
        if not taught:
            continue
        homeroom = [t for t in taught if t[0] in homerooms.get(membership.person_id, ())]
        # The demo teacher assigns to their own class, so the demo student (of that class) has a lesson to open.
        class_id, grade, subject_id = rng.choice(homeroom if membership.person_id == demo_teacher and homeroom
                                                 else taught)
        item = (CatalogueItem.objects.filter(subject_id=subject_id, grade=grade).order_by("position", "pk").first()
                or CatalogueItem.objects.filter(subject_id=subject_id).order_by("pk").first())
        if item is None:
            continue
        day = first + timedelta(days=rng.randrange((today - first).days + 1))
        LibraryVisit.objects.get_or_create(person=membership.person, organisation=school, day=day)
        counts["visits"] += 1
        moment = datetime.combine(day, time(rng.randint(8, 16), rng.randrange(60)), tzinfo=zone)
        made.append(Assignment.objects.create(
            item=item, organisation=school, school_class_id=class_id, teacher=membership.person,
            kind=rng.choice(AssignmentKind.values), day=day, created_at=min(moment, timezone.now())))
    counts["assignments"] = len(made)
    student_level = rng.uniform(*STUDENT_LEVELS)
    views = []
    for assignment in made:
        students = (Membership.objects.active(today).filter(school_class_id=assignment.school_class_id, role=Role.STUDENT)
                    .values_list("person_id", flat=True).order_by("person_id"))
        for student_id in students:
            if rng.random() < student_level:
                opened = assignment.created_at + timedelta(hours=rng.randint(1, 30))
                views.append(AssignmentView(assignment=assignment, student_id=student_id, organisation=school,
                                            opened_at=min(opened, timezone.now())))
    AssignmentView.objects.bulk_create(views)
    counts["views"] = len(views)
    if made:
        audit(actor=actor, action="demo.library_assignments_school", organisation=school, details=counts)
    return counts


def _admit(actor: ActiveRole, school: Organisation, group: AccessGroup, chosen: list[Membership]) -> None:
    """The chosen teachers use the library: their accounts and teacher roles are confirmed (R15.1) and they are
    in the group."""
    unconfirmed = [m.person_id for m in chosen if not m.person.account_confirmed]
    if unconfirmed:  # in the demo, as if each had confirmed their account through Госуслуги
        Person.objects.filter(pk__in=unconfirmed).update(account_confirmed=True)
        for membership in chosen:
            membership.person.account_confirmed = True
    pending = [m for m in chosen if m.confirmation != Confirmation.CONFIRMED]
    now = timezone.now()
    for membership in pending:
        membership.confirmation, membership.confirmed_at = Confirmation.CONFIRMED, now
        membership.save(update_fields=["confirmation", "confirmed_at"])
    if pending:
        audit(actor=actor, action="demo.library_teachers_confirm", organisation=school,
              details={"confirmed": [m.pk for m in pending]})
    if chosen:
        group_members_add(actor=actor, group=group, person_ids=[m.person_id for m in chosen], organisation=school)
