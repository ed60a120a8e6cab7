"""The desired chats of a school, computed from the roster (R24, R27) — the contract; the computation is
filled in by the plan part."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class PlannedMember:
    person_id: int
    full_name: str
    role: str  # Role value
    user_id: str | None  # the linked messenger id (R27); None — not linked, so not invited

    @property
    def linked(self) -> bool:
        return self.user_id is not None


@dataclass(frozen=True)
class PlannedChat:
    key: str  # «staff», «parents:<class id>», «students:<class id>», «subject:<class id>:<subject id>:<teacher id>»
    kind: str  # ChatKind value
    title: str
    read_only: bool
    class_id: int | None = None
    class_title: str | None = None
    members: tuple[PlannedMember, ...] = field(default_factory=tuple)

    def as_dict(self) -> dict:
        """The CLI/API shape of `chats plan --json`."""
        return {"kind": self.kind, "class": self.class_title, "title": self.title, "read_only": self.read_only,
                "members": [{"person_id": m.person_id, "full_name": m.full_name, "role": m.role,
                             "linked": m.linked} for m in self.members]}


@dataclass
class ChatDiff:
    """What a sync must do to one chat: everything empty/False — nothing."""

    key: str
    title: str
    create: bool = False
    rename: bool = False
    read_only: bool | None = None  # the new setting, when it changes
    add: list[str] = field(default_factory=list)  # user ids
    remove: list[str] = field(default_factory=list)
    archive: bool = False

    @property
    def empty(self) -> bool:
        return not (self.create or self.rename or self.read_only is not None or self.add or self.remove
                    or self.archive)
