"""One way to write the audit log, used by every service."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sreda.core.models import AuditEntry

if TYPE_CHECKING:
    from sreda.core.active_role import ActiveRole


def audit(*, actor: ActiveRole | None, action: str, obj: Any = None, organisation=None, details: dict | None = None) -> AuditEntry:
    """Record that `actor` did `action` to `obj`. Call inside the service's transaction."""
    user = actor.user if actor is not None else None
    return AuditEntry.objects.create(
        actor=user if user is not None and user.pk else None,
        actor_role=actor.label if actor is not None else "система",
        action=action,
        object_type=obj._meta.label_lower if obj is not None and hasattr(obj, "_meta") else "",
        object_id=str(getattr(obj, "pk", "") or "") if obj is not None else "",
        object_repr=str(obj)[:300] if obj is not None else "",
        organisation=organisation,
        details=details or {},
    )
