"""What a messenger must do for Sreda's chats (R24–R28), whatever the messenger. `matrix.MatrixConnector` is the
real one (a Synapse homeserver through its Client-Server and Admin APIs); other messengers plug in behind the
same methods. Every method either succeeds or raises MessengerError with a Russian message and a hint."""
from __future__ import annotations

from typing import Protocol


class MessengerError(Exception):
    """A call failed. `retryable`: the same call may succeed later (the server is down, busy, rate-limited)."""

    def __init__(self, message: str, *, hint: str = "", retryable: bool = False, retry_after: float | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.retryable = retryable
        self.retry_after = retry_after  # seconds the server asked to wait (429), if it said

    def as_dict(self, what: str = "") -> dict:
        return {"what": what, "message": self.message, "hint": self.hint}


class Connector(Protocol):
    def find_room(self, key_alias: str) -> str | None:
        """The room carrying this alias localpart (e.g. «sreda_123_parents_45»), or None."""

    def create_room(self, *, key_alias: str, title: str, read_only: bool, space_id: str = "") -> str:
        """A new room administered by the service account, with the alias, the title and (R28) power levels
        letting only staff write when `read_only`; placed in the school's space when given. Returns its id."""

    def set_title(self, room_id: str, title: str) -> None: ...

    def set_read_only(self, room_id: str, read_only: bool, staff: list[str]) -> None:
        """R28: only `staff` (and the service account) may write when `read_only`; everyone when not."""

    def joined_members(self, room_id: str) -> set[str]:
        """User ids of the room's members, the service account excluded."""

    def add_member(self, room_id: str, user_id: str) -> None:
        """Join the user to the room (server admin join); already a member → no error."""

    def remove_member(self, room_id: str, user_id: str, reason: str) -> None:
        """Kick the user; not a member → no error."""

    def archive_room(self, room_id: str, title: str) -> None:
        """The class is gone: rename to `title` («… (архив)»), make it read-only, leave the history."""

    def unarchive_room(self, room_id: str, title: str, read_only: bool, staff: list[str]) -> None:
        """The chat is planned again (a reopened subject chat): the archived room gets back `title` and the power
        levels of a live room (one-way for `staff` when `read_only`)."""

    def room_title(self, room_id: str) -> str:
        """The room's current name (reconcile: renamed by hand?)."""

    def levels_match(self, room_id: str, read_only: bool, staff) -> bool:
        """The room's power levels are exactly what set_read_only(room_id, read_only, staff) makes (reconcile)."""

    def send_notice(self, user_id: str, text: str) -> None:
        """A direct message from the service account (R27: the linking code)."""

    def user_exists(self, user_id: str) -> bool: ...
