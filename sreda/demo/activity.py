"""Demo activity: messenger events for the last weeks, so the indicators and dashboards (R30–R35) have
something to show, and the regional roadmap of R33 as data. Idempotent: a second run adds nothing."""
from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import transaction

from sreda.core.active_role import ActiveRole
from sreda.core.audit import audit
from sreda.core.permissions import Action, require
from sreda.orgs.models import Organisation, Region
from sreda.people.models import Membership
from sreda.stats.events import EventIn, events_ingest
from sreda.stats.models import ActivityEvent, EventSource, RoadmapStage, RoleGroup

DEMO_PREFIX = "demo-"
# Each school gets its own adoption level per group, so some meet the targets of R32 and some do not.
LEVELS = {RoleGroup.TEACHERS: (0.55, 0.97), RoleGroup.STUDENTS: (0.12, 0.55), RoleGroup.PARENTS: (0.08, 0.5)}
GROUP_OF = {"teacher": RoleGroup.TEACHERS, "staff": RoleGroup.TEACHERS, "student": RoleGroup.STUDENTS,
            "parent": RoleGroup.PARENTS}


@transaction.atomic
def demo_activity_ensure(*, actor: ActiveRole, weeks: int = 8, seed: int = 1, today: date | None = None) -> int:
    """Messages of teachers, students and parents over `weeks` weeks up to yesterday; returns how many
    events were stored (0 when the demo already has its activity)."""
    require(actor, Action.IMPORT_STATS)
    if ActivityEvent.objects.filter(external_id__startswith=DEMO_PREFIX).exists():
        return 0
    rng = random.Random(seed)
    today = today or date.today()
    # The demo roster was imported just now, but its people are meant to have been at school all term:
    # their roles start before the first demo week, so the events fall inside them (R30 counts a person's
    # activity in a role they hold on that day).
    first_day = today - timedelta(days=7 * weeks + 1)
    backdated = Membership.objects.filter(role__in=GROUP_OF, organisation__isnull=False,
                                          start_date__gt=first_day).update(start_date=first_day)
    events: list[EventIn] = []
    members = (Membership.objects.active().filter(role__in=GROUP_OF, organisation__isnull=False)
               .values_list("organisation_id", "person_id", "role", "organisation__municipality__region__timezone")
               .order_by("organisation_id", "person_id", "role"))
    levels: dict[tuple[int, str], float] = {}
    seen: set[tuple[int, int, str]] = set()
    for org_id, person_id, role, zone in members:
        if (org_id, person_id, role) in seen:  # a student in two classes writes once
            continue
        seen.add((org_id, person_id, role))
        group = GROUP_OF[role]
        level = levels.setdefault((org_id, group), rng.uniform(*LEVELS[group]))
        tz = ZoneInfo(zone or "Europe/Moscow")
        for week in range(weeks):
            # adoption grows: the first week at 60% of the school's level, the last at the level itself
            chance = level * (0.6 + 0.4 * week / max(weeks - 1, 1))
            if rng.random() >= chance:
                continue
            start = today - timedelta(days=7 * (weeks - week))
            for n in range(rng.randint(1, 3)):
                day = start + timedelta(days=rng.randrange(7))
                if day >= today:
                    continue
                moment = datetime.combine(day, time(rng.randint(8, 21), rng.randrange(60)), tzinfo=tz)
                events.append(EventIn(
                    organisation_id=org_id, person_id=person_id, role=role, source=EventSource.CHAT,
                    kind="message", occurred_at=moment,
                    external_id=f"{DEMO_PREFIX}{org_id}-{person_id}-{role}-{week}-{n}"))
    result = events_ingest(actor=actor, events=events)
    audit(actor=actor, action="demo.activity_generate",
          details={"events": result.stored, "weeks": weeks, "roles_backdated_to": str(first_day),
                   "roles_backdated": backdated})
    return result.stored


def demo_roadmap_ensure(*, actor: ActiveRole, region: Region) -> None:
    """R33 (СПб): the two stages of the roadmap, as data."""
    require(actor, Action.MANAGE_ORGANISATIONS)
    RoadmapStage.objects.get_or_create(region=region, number=1, defaults={
        "title": "Еженедельная активность на уровне максимума 2024/25 учебного года в прежнем мессенджере",
        "due_date": date(2025, 10, 1), "group": "",
        "note": "Сравнение с максимумом прошлого учебного года; цель задаётся регионом."})
    RoadmapStage.objects.get_or_create(region=region, number=2, defaults={
        "title": "Не менее 75% педагогических работников активны еженедельно",
        "due_date": date(2025, 12, 30), "group": RoleGroup.TEACHERS, "target_share": Decimal("0.75"),
        "note": "Доля активных за 7 дней до даты отчёта среди педагогов (включая «Сотрудник»)."})


def demo_regions() -> list[Region]:
    return list(Region.objects.filter(pk__in=Organisation.objects.values("municipality__region_id")))
