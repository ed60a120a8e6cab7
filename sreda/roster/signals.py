"""What other parts may listen to when a roster import has changed a school's people (the chats re-sync, R25).
Sent after the import's transaction commits; bulk writes send no model signals, so this is the one to use."""
from django.dispatch import Signal

# kwargs: organisation_ids — the schools whose people, roles or classes the import changed.
roster_applied = Signal()
