"""Roster-change triggers (R25): a change of a school's memberships or guardianships, or a linked messenger
account (R27), brings the school's next sync forward to within a minute. Debounced: many changes in that minute
give one sync — only the first change writes anything. `connect()` is called from ChatsConfig.ready()."""
from __future__ import annotations

from datetime import timedelta

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

DEBOUNCE = timedelta(minutes=1)
UID = "sreda.chats.triggers"


def roster_changed(organisation_id: int | None, *, trigger: str = TaskTrigger.ROSTER) -> bool:
    """Schedule the school's sync within a minute (unless one is already due by then). True when scheduled now.
    The queued task records why (`trigger`: roster or link); the scheduler (tasks.chats_scheduler) runs it."""
    if not organisation_id:
        return False
    soon = timezone.now() + DEBOUNCE
    moved = (MessengerSettings.objects.filter(organisation_id=organisation_id, enabled=True)
             .filter(Q(next_sync_at__isnull=True) | Q(next_sync_at__gt=soon)).update(next_sync_at=soon))
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


def _roster_applied(sender, organisation_ids=(), **kwargs) -> None:
    for org_id in organisation_ids:
        roster_changed(org_id)


def connect() -> None:
    """Connect the triggers to people.Membership and people.Guardianship saves and deletes, and to roster imports
    (their bulk writes send no model signals) — idempotent."""
    from sreda.people.models import Guardianship, Membership
    from sreda.roster.signals import roster_applied

    roster_applied.connect(_roster_applied, dispatch_uid=f"{UID}.roster_applied")

    for signal in (post_save, post_delete):
        signal.connect(_membership_changed, sender=Membership, dispatch_uid=f"{UID}.membership.{signal is post_save}")
        signal.connect(_guardianship_changed, sender=Guardianship,
                       dispatch_uid=f"{UID}.guardianship.{signal is post_save}")
