"""Roster-change triggers (R25): a change of a school's memberships, guardianships or classes (a class renamed,
its class teacher changed, a class added or removed), or a linked messenger account (R27), makes the school's
sync due at once; the scheduler (tasks.chats_scheduler), which looks every minute, starts it at its next tick —
so the sync starts within a minute of the change. Debounced: the first change makes the sync due and queues its
task; further changes before the scheduler takes it write nothing, so a burst of changes gives one sync.
`connect()` is called from ChatsConfig.ready()."""
from __future__ import annotations

from django.db import transaction
from django.db.models import Q
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from sreda.chats.models import (
    ExchangeTask,
    MessengerSettings,
    TaskKind,
    TaskStatus,
    TaskTrigger,
)

UID = "sreda.chats.triggers"


def roster_changed(organisation_id: int | None, *, trigger: str = TaskTrigger.ROSTER) -> bool:
    """Make the school's sync due now, for the scheduler's next tick (≤ 1 minute), unless it already is. True when
    this call made it due. The queued task records why (`trigger`: roster or link); the scheduler runs it."""
    if not organisation_id:
        return False
    now = timezone.now()
    # Only a sync not yet due (or never planned: NULL) is moved: a school already due — by an earlier change of
    # this burst — keeps its time and its one queued task.
    moved = (MessengerSettings.objects.filter(organisation_id=organisation_id, enabled=True)
             .filter(Q(next_sync_at__isnull=True) | Q(next_sync_at__gt=now)).update(next_sync_at=now))
    if moved and not ExchangeTask.objects.filter(organisation_id=organisation_id, kind=TaskKind.SYNC,
                                                 status=TaskStatus.PENDING, dry_run=False).exists():
        ExchangeTask.objects.create(organisation_id=organisation_id, trigger=trigger, status=TaskStatus.PENDING)
    return bool(moved)


def _membership_changed(sender, instance, **kwargs) -> None:
    roster_changed(instance.organisation_id)


def _guardianship_changed(sender, instance, **kwargs) -> None:
    from sreda.people.models import Membership

    org_ids = (Membership.objects.filter(person_id=instance.child_id, organisation__isnull=False)
               .values_list("organisation_id", flat=True).distinct())
    for org_id in org_ids:
        roster_changed(org_id)


def _class_changed(sender, instance, **kwargs) -> None:
    """A class renamed, given another class teacher, added or removed changes its chats' titles and members.
    After commit: a class deleted with its whole school then finds no settings and queues nothing."""
    organisation_id = instance.organisation_id
    transaction.on_commit(lambda: roster_changed(organisation_id))


def _roster_applied(sender, organisation_ids=(), **kwargs) -> None:
    for org_id in organisation_ids:
        roster_changed(org_id)


def connect() -> None:
    """Connect the triggers to people.Membership, people.Guardianship and orgs.SchoolClass saves and deletes, and
    to roster imports (their bulk writes send no model signals) — idempotent."""
    from sreda.orgs.models import SchoolClass
    from sreda.people.models import Guardianship, Membership
    from sreda.roster.signals import roster_applied

    roster_applied.connect(_roster_applied, dispatch_uid=f"{UID}.roster_applied")

    for signal in (post_save, post_delete):
        signal.connect(_membership_changed, sender=Membership, dispatch_uid=f"{UID}.membership.{signal is post_save}")
        signal.connect(_guardianship_changed, sender=Guardianship,
                       dispatch_uid=f"{UID}.guardianship.{signal is post_save}")
        signal.connect(_class_changed, sender=SchoolClass, dispatch_uid=f"{UID}.class.{signal is post_save}")
