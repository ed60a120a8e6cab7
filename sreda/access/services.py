"""Writes of access groups (R13): add employees of a school to a group, remove them.

Both take a whole selection at once and cost the same number of SQL queries for 1 or 1 000 people.
Bad input (an unknown id, a person who is not an employee of the school, an empty selection) is refused
as a whole with a Russian message naming who is wrong, and nothing changes.
"""
from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from sreda.access.models import AccessGroup, AccessGroupMember
from sreda.access.selectors import active_members, school_employees
from sreda.core.active_role import ActiveRole
from sreda.core.audit import audit
from sreda.core.permissions import Action, require
from sreda.orgs.models import Organisation
from sreda.people.models import Membership, Person

# One request's selection. Far above a school's staff; bounds the SQL parameters of one statement.
MAX_SELECTION = 2000

EMPTY_SELECTION = "Выберите хотя бы одного сотрудника."
TOO_MANY = f"За один раз можно выбрать не больше {MAX_SELECTION} сотрудников."
NEED_ORGANISATION = "Укажите организацию, сотрудников которой добавить в группу или исключить из неё."


def acting_organisation(actor: ActiveRole, organisation: Organisation | None = None) -> Organisation:
    """The school whose employees are managed: the active role's own; the platform operator names it."""
    if actor is not None and actor.is_platform_operator:
        if organisation is None:
            raise ValidationError(NEED_ORGANISATION)
        require(actor, Action.MANAGE_ACCESS_GROUPS, organisation)
        return organisation
    own = actor.organisation if actor is not None else None
    require(actor, Action.MANAGE_ACCESS_GROUPS, own)
    if own is None:  # a district or regional role passed the matrix by mistake: never act without a school
        raise PermissionDenied("Группами доступа управляют руководитель и администратор ОО.")
    if organisation is not None and organisation.pk != own.pk:
        raise PermissionDenied("Эта организация вне области вашей роли.")
    return own


def _person_ids(person_ids: Iterable) -> list[int]:
    """The selection as distinct ids in the order given; refuses empty, oversized or non-numeric input."""
    ids: dict[int, None] = {}  # an ordered set
    bad: list[str] = []
    for value in person_ids or ():
        try:
            number = int(value)
        except (TypeError, ValueError):
            number = 0
        if not 0 < number < 2**63:  # ids are positive bigints; anything else would be a database error
            bad.append(str(value)[:20])
        else:
            ids[number] = None
    if bad:
        raise ValidationError(f"Неверные идентификаторы сотрудников: {', '.join(bad[:10])}.")
    if not ids:
        raise ValidationError(EMPTY_SELECTION)
    if len(ids) > MAX_SELECTION:
        raise ValidationError(TOO_MANY)
    return list(ids)


def _refuse(*, organisation: Organisation, wrong_ids: list[int], reason: str) -> None:
    """Name the people the school knows (any membership there, past or present); others are only
    «not found», so an id of another school's person reveals nothing about them."""
    known = list(
        Person.objects.filter(pk__in=wrong_ids)
        .filter(Exists(Membership.objects.filter(organisation=organisation, person=OuterRef("pk"))))
        .order_by("sort_key", "id")
    )
    names = [person.short_name for person in known]
    known_ids = {person.pk for person in known}
    unknown = [str(pk) for pk in wrong_ids if pk not in known_ids]
    parts = []
    if names:
        parts.append(f"{reason}: {', '.join(names)}.")
    if unknown:
        parts.append(f"Не найдены среди сотрудников «{organisation.short_name}» (идентификаторы): {', '.join(unknown[:20])}"
                     + (f" и ещё {len(unknown) - 20}." if len(unknown) > 20 else "."))
    raise ValidationError(" ".join(parts) + " Ничего не изменено.")


def _insert_members(*, group: AccessGroup, organisation: Organisation, person_ids: list[int], by, at) -> list[int]:
    """INSERT … SELECT … ON CONFLICT DO NOTHING RETURNING: one statement for any number of people, and exact
    under concurrency — the partial unique index «access_member_once» lets only one of two simultaneous
    adds of the same person insert; the other inserts nothing and learns so from RETURNING.
    (bulk_create(ignore_conflicts=True) can do neither: it reports nothing and splits into several INSERTs
    on SQLite.)"""
    meta, qn = AccessGroupMember._meta, connection.ops.quote_name
    column = {name: qn(meta.get_field(name).column) for name in ("group", "organisation", "person", "added_at", "added_by")}
    added_at = meta.get_field("added_at").get_db_prep_value(at, connection)
    placeholders = ", ".join(["%s"] * len(person_ids))
    sql = (
        f"INSERT INTO {qn(meta.db_table)} ({column['group']}, {column['organisation']}, {column['person']}, "
        f"{column['added_at']}, {column['added_by']}) "
        f"SELECT %s, %s, p.{qn(Person._meta.pk.column)}, %s, %s FROM {qn(Person._meta.db_table)} p "
        f"WHERE p.{qn(Person._meta.pk.column)} IN ({placeholders}) "
        f"ON CONFLICT DO NOTHING RETURNING {column['person']}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [group.pk, organisation.pk, added_at, getattr(by, "pk", None), *person_ids])
        return [row[0] for row in cursor.fetchall()]


def group_members_add(*, actor: ActiveRole, group: AccessGroup, person_ids: Iterable[int],
                      organisation: Organisation | None = None) -> int:
    """«Присоединить нового сотрудника»: add employees of the school to the group, several at once (R13).

    Idempotent: people already in the group are left as they are. Returns how many were added. Three
    statements whatever the number of people (check, insert, audit), in one transaction; pass a group
    loaded with its system (as `selectors.access_group` does), else the audit line reads it once more."""
    organisation = acting_organisation(actor, organisation)
    ids = _person_ids(person_ids)
    with transaction.atomic():
        employees = set(school_employees(organisation=organisation).filter(pk__in=ids).values_list("pk", flat=True))
        wrong = [pk for pk in ids if pk not in employees]
        if wrong:
            _refuse(organisation=organisation, wrong_ids=wrong,
                    reason=f"Не сотрудники «{organisation.short_name}» — добавить в группу можно только сотрудников своей школы")
        user = actor.user if actor.user is not None and actor.user.pk else None
        added = _insert_members(group=group, organisation=organisation, person_ids=ids, by=user, at=timezone.now())
        audit(actor=actor, action="access_group.members_add", obj=group, organisation=organisation, details={
            "group": group.code, "requested": len(ids), "added": len(added), "person_ids": sorted(added),
        })
    return len(added)


def group_members_remove(*, actor: ActiveRole, group: AccessGroup, person_ids: Iterable[int],
                         organisation: Organisation | None = None) -> int:
    """«Исключить из группы»: end the membership of the selected employees in the group; history stays.

    Idempotent for people removed before (a retried request changes nothing); refuses people who were
    never in the group from this school. Returns how many were removed now. Four statements whatever the
    number of people (check, lock, update, audit), in one transaction."""
    organisation = acting_organisation(actor, organisation)
    ids = _person_ids(person_ids)
    with transaction.atomic():
        ever = set(
            AccessGroupMember.objects.filter(group=group, organisation=organisation, person_id__in=ids)
            .values_list("person_id", flat=True)
        )
        wrong = [pk for pk in ids if pk not in ever]
        if wrong:
            _refuse(organisation=organisation, wrong_ids=wrong, reason="Не состоят в группе")
        # Lock the live rows: of two simultaneous removals only one ends each row (the other, after the
        # wait, no longer sees it as live and removes nothing).
        rows = dict(
            active_members(group=group, organisation=organisation).filter(person_id__in=ids)
            .select_for_update().values_list("pk", "person_id")
        )
        user = actor.user if actor.user is not None and actor.user.pk else None
        if rows:
            AccessGroupMember.objects.filter(pk__in=list(rows), removed_at__isnull=True).update(
                removed_at=timezone.now(), removed_by=user
            )
        audit(actor=actor, action="access_group.members_remove", obj=group, organisation=organisation, details={
            "group": group.code, "requested": len(ids), "removed": len(rows), "person_ids": sorted(rows.values()),
        })
    return len(rows)
