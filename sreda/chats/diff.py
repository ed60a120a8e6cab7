"""What a sync must change in the messenger so that it matches the plan (R24–R28), computed against Sreda's own
state: the Chat rows (room, title, read-only, archive) and the ChatMember mirror of who is in each room.

`diff(organisation, plan)` returns one ChatDiff per planned chat (empty when nothing is to be done), then one per
chat to archive; a fixed number of queries per call, whatever the number of chats. `region_diff(ids)` does the
same for many schools at once (the bench, the district's scheduled run)."""
from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import NamedTuple

from django.db.models import Q
from django.utils import timezone

from sreda.chats.models import (
    AccountStatus,
    Chat,
    ChatKind,
    ChatMember,
    MessengerSettings,
)
from sreda.chats.plan import (
    ChatDiff,
    PlannedChat,
    current_school_year,
    gc_paused,
    plans_for,
)
from sreda.orgs.models import Organisation
from sreda.people.models import Membership
from sreda.people.roles import Role

CLASS_KINDS = (ChatKind.PARENTS.value, ChatKind.STUDENTS.value, ChatKind.SUBJECT.value)


class ChatRow(NamedTuple):
    """The columns of a Chat row the diff reads (a tuple: a region has tens of thousands of chats)."""

    pk: int
    key: str
    kind: str
    title: str
    room_id: str
    read_only: bool
    archived_at: object
    school_class_id: int | None
    class_year_id: int | None
    closed_at: object
    read_only_applied: bool | None = None  # what the room has; needs a model field (see below), else unknown
    class_year_title: str | None = None  # «2025/2026»: the school year of the chat's class


# R28: `Chat.read_only` is the wanted setting. The setting the room actually has needs its own field
# (`read_only_applied`, written by the sync); until the model has it, a room is taken to have the wanted one.
HAS_APPLIED = any(f.name == "read_only_applied" for f in Chat._meta.get_fields())
COLUMNS = ("pk", "key", "kind", "title", "room_id", "read_only", "archived_at", "school_class_id",
           "school_class__school_year_id", "closed_at", *(("read_only_applied",) if HAS_APPLIED else ()),
           "school_class__school_year__title")


def diff(organisation: Organisation, plan: list[PlannedChat], *, on: date | None = None) -> list[ChatDiff]:
    """The changes that make the messenger match `plan` for one school (at most 5 queries)."""
    return diffs_for({organisation.pk: plan}, on=on)[organisation.pk]


def region_diff(organisation_ids, *, on: date | None = None) -> dict[int, list[ChatDiff]]:
    """Plan and diff for many schools at once: organisation id → its diff (a fixed number of queries in all)."""
    plans = plans_for(list(organisation_ids), on=on)
    return diffs_for(plans, on=on)


def diffs_for(plans: dict[int, list[PlannedChat]], *, on: date | None = None) -> dict[int, list[ChatDiff]]:
    with gc_paused():
        return _diffs_for(plans, on=on)


def _diffs_for(plans: dict[int, list[PlannedChat]], *, on: date | None) -> dict[int, list[ChatDiff]]:
    on = on or timezone.localdate()
    ids = list(plans)
    chats: dict[int, dict[str, ChatRow]] = defaultdict(dict)
    for row in (Chat.objects.filter(organisation_id__in=ids).order_by("pk")
                .values_list(*COLUMNS, "organisation_id")):
        chat = ChatRow(*row[:-1])
        chats[row[-1]][chat.key] = chat
    mirror: dict[int, list[tuple[str, bool]]] = defaultdict(list)
    for chat_id, user_id, via_link in (ChatMember.objects.filter(chat__organisation_id__in=ids)
                                       .values_list("chat_id", "user_id", "via_link")):
        mirror[chat_id].append((user_id, via_link))
    services = dict(MessengerSettings.objects.filter(organisation_id__in=ids)
                    .values_list("organisation_id", "service_user_id"))
    linked_parents = _link_joined_parents(ids, on=on) if any(v for m in mirror.values() for _, v in m) else set()
    year = current_school_year(on)
    result: dict[int, list[ChatDiff]] = {}
    for org_id, plan in plans.items():
        keep = {services.get(org_id)} - {None, ""}
        rows = chats.get(org_id, {})
        diffs = [_chat_diff(rows.get(planned.key), planned, mirror, keep, linked_parents) for planned in plan]
        planned_keys = {p.key for p in plan}
        diffs += [ChatDiff(key=key, title=chat.title, archive=True, archive_title=archived_title(chat, year))
                  for key, chat in rows.items() if key not in planned_keys and _to_archive(chat, year)]
        result[org_id] = diffs
    return result


def _chat_diff(chat: ChatRow | None, planned: PlannedChat, mirror, keep: set[str], linked_parents) -> ChatDiff:
    wanted = {m.user_id for m in planned.members if m.user_id}
    result = ChatDiff(key=planned.key, title=planned.title)
    if chat is None or not chat.room_id:
        result.create = True  # the new room gets the wanted title and read-only setting at once
        result.add = sorted(wanted)
        return result
    result.rename = chat.title != planned.title
    if chat.archived_at is not None:
        # Planned again (a reopened subject chat): the same room comes back with the plan's title, power levels
        # and members — never a second room.
        result.unarchive = True
    elif chat.read_only_applied is not None and chat.read_only_applied != planned.read_only:
        result.read_only = planned.read_only
    present = mirror.get(chat.pk, [])
    present_ids = {user_id for user_id, _ in present}
    result.add = sorted(wanted - present_ids)
    result.remove = sorted(
        user_id for user_id, via_link in present
        if user_id not in wanted and user_id not in keep
        and not (via_link and (chat.school_class_id, user_id) in linked_parents)  # R26
    )
    return result


def archived_title(chat: ChatRow, year) -> str:
    """The title an archived room gets: a chat of a past school year's class keeps its year in the title
    («5А — родители (2025/2026)», issue #10: after the step into a new year the old chats stay readable and
    distinct from the new class's); any other archived chat is marked «(архив)»."""
    past_year = (chat.closed_at is None and chat.class_year_title and chat.class_year_id is not None
                 and (year is None or chat.class_year_id != year.pk))
    suffix = f"({chat.class_year_title})" if past_year else "(архив)"
    return chat.title if chat.title.endswith(suffix) else f"{chat.title} {suffix}"


def _to_archive(chat: ChatRow, year) -> bool:
    """A chat whose class is gone or belongs to a past school year (R24: chats follow the roster), or a subject
    chat its teacher closed — archived the same way."""
    if chat.archived_at is not None or chat.kind not in CLASS_KINDS:
        return False
    if chat.closed_at is not None:
        return True
    if chat.school_class_id is None:
        return True
    return year is None or chat.class_year_id != year.pk


def _link_joined_parents(ids, *, on: date) -> set[tuple[int, str]]:
    """R26: (class id, messenger id) of link-joined members whose linked account belongs to a parent of a
    student of that class — they stay. One query."""
    via_link = ChatMember.objects.filter(chat__organisation_id__in=ids, via_link=True).values("user_id")
    account = "person__parent_links__parent__messenger_accounts"
    rows = (Membership.objects.active(on)
            .filter(Q(**{f"{account}__status": AccountStatus.LINKED}), organisation_id__in=ids, role=Role.STUDENT,
                    school_class__isnull=False, **{f"{account}__user_id__in": via_link})
            .values_list("school_class_id", f"{account}__user_id"))
    return set(rows)


def diff_summary(d: ChatDiff | None) -> dict:
    """The API's short form of a ChatDiff: counts instead of lists of messenger ids."""
    d = d or ChatDiff(key="", title="")
    return {"create": d.create, "rename": d.rename, "read_only": d.read_only, "add": len(d.add),
            "remove": len(d.remove), "archive": d.archive, "unarchive": d.unarchive}


def describe(d: ChatDiff, names: dict[str, str] | None = None) -> list[str]:
    """What a sync would do to one chat, in Russian, for the plan page: «будет создан», «добавить: …»."""
    names = names or {}
    lines = []
    if d.archive:
        lines.append("будет перенесён в архив")
    if d.create:
        lines.append("будет создан")
    if d.unarchive:
        lines.append("вернётся из архива (та же комната)")
    if d.rename and not d.unarchive:
        lines.append(f"будет переименован в «{d.title}»")
    if d.read_only is not None:
        lines.append("станет односторонним" if d.read_only else "писать смогут все участники")
    if d.add:
        lines.append("добавить: " + ", ".join(names.get(u, u) for u in d.add))
    if d.remove:
        lines.append("удалить: " + ", ".join(names.get(u, u) for u in d.remove))
    return lines
