"""The chats plan and its diff (R24–R27) at the size of a region: 1,000 schools of 24 classes × 20 students, a parent
each, 40 staff — about 1,000,000 memberships; 60 % of people linked their messenger; most class chats already have
rooms and a mirror of members with some drift (people who left, strangers, link-joined parents, renamed classes),
plus last year's chats to archive.

    measure() -> [{"title", "size", "seconds", "target", "ok"}]

Runs inside a migrated empty database with Django set up; builds its data with bulk inserts (not timed) and prints
nothing. The timed call is `region_diff(all school ids)`: the plan and the diff of every school, in a fixed number
of queries. Times are medians of repeated runs.
"""
from __future__ import annotations

import random
from datetime import date

from bench.common import median_seconds

SCHOOLS = 1000
CLASSES = 24
STUDENTS = 20
STAFF = 40
TARGET = 10.0
ONE_SCHOOL_TARGET = 0.5
BATCH = 5000


def _ids(model, count: int) -> range:
    from django.db.models import Max

    start = (model.objects.aggregate(m=Max("pk"))["m"] or 0) + 1
    return range(start, start + count)


def _insert(model, rows: list) -> None:
    model.objects.bulk_create(rows, batch_size=BATCH)
    rows.clear()


def build_region(schools: int | None = None, seed: int = 24) -> list[int]:
    """The region's schools and rosters; returns the organisation ids."""
    schools = schools or SCHOOLS
    from django.utils import timezone

    from sreda.chats.models import (
        AccountStatus,
        Chat,
        ChatKind,
        ChatMember,
        MessengerAccount,
    )
    from sreda.core.identifiers import make_org_inn
    from sreda.orgs.models import (
        Municipality,
        Organisation,
        Region,
        SchoolClass,
        SchoolYear,
        Subject,
    )
    from sreda.people.models import Confirmation, Guardianship, Membership, Person
    from sreda.people.roles import Role

    rng = random.Random(seed)
    today = timezone.localdate()
    now = timezone.now()
    start_year = today.year if today.month >= 9 else today.year - 1
    year, _ = SchoolYear.objects.get_or_create(title=f"{start_year}/{start_year + 1}", defaults={
        "start": date(start_year, 9, 1), "end": date(start_year + 1, 8, 31)})
    last, _ = SchoolYear.objects.get_or_create(title=f"{start_year - 1}/{start_year}", defaults={
        "start": date(start_year - 1, 9, 1), "end": date(start_year, 8, 31)})
    maths, _ = Subject.objects.get_or_create(name="Математика")
    region, _ = Region.objects.get_or_create(name="Курская область", defaults={"code": "46"})
    municipality, _ = Municipality.objects.get_or_create(region=region, name="г. Курск")
    inns = set()
    while len(inns) < schools:
        inns.add(make_org_inn(rng, "46"))
    Organisation.objects.bulk_create([
        Organisation(municipality=municipality, short_name=f"МБОУ СОШ № {i}", full_name=f"Школа № {i}", inn=inn)
        for i, inn in enumerate(sorted(inns))], batch_size=BATCH)
    org_ids = list(Organisation.objects.filter(inn__in=inns).order_by("pk").values_list("pk", flat=True))

    per_school = STAFF + CLASSES * STUDENTS * 2
    person_ids = iter(_ids(Person, schools * per_school))
    class_ids = iter(_ids(SchoolClass, schools * (CLASSES + 2)))
    chat_ids = iter(_ids(Chat, schools * (CLASSES * 2 + 5)))
    people, members, guardians, accounts, classes, chats, mirror = [], [], [], [], [], [], []
    letters = "АБВГ"

    def person(surname: str) -> int:
        pk = next(person_ids)
        people.append(Person(pk=pk, surname=f"{surname}{pk}", name="Анна", patronymic="Ивановна",
                             sort_key=f"{surname}{pk}".lower()))
        if rng.random() < 0.6:
            accounts.append(MessengerAccount(person_id=pk, user_id=f"@p{pk}:region.test", status=AccountStatus.LINKED,
                                             linked_at=now))
        return pk

    def linked(pk: int) -> str | None:
        return accounts[-1].user_id if accounts and accounts[-1].person_id == pk else None

    for org_id in org_ids:
        staff_ids = []
        for i in range(STAFF):
            pk = person("Сотрудникова")
            role = Role.DIRECTOR if i == 0 else Role.ADMINISTRATOR if i == 1 else Role.TEACHER
            members.append(Membership(person_id=pk, organisation_id=org_id, role=role,
                                      confirmation=Confirmation.CONFIRMED, start_date=date(2020, 9, 1)))
            staff_ids.append((pk, linked(pk)))
        staff_chat = next(chat_ids)
        chats.append(Chat(pk=staff_chat, organisation_id=org_id, key="staff", kind=ChatKind.STAFF,
                          title="Сотрудники", room_id=f"!staff{org_id}:region.test"))
        mirror += [ChatMember(chat_id=staff_chat, user_id=u) for _, u in staff_ids if u and rng.random() < 0.95]
        for n in range(CLASSES):
            class_id = next(class_ids)
            teacher, teacher_uid = staff_ids[2 + n]
            classes.append(SchoolClass(pk=class_id, organisation_id=org_id, school_year=year, grade=n // 4 + 1,
                                       letter=letters[n % 4], class_teacher_id=teacher))
            kid_uids, parent_uids = [], []
            for _ in range(STUDENTS):
                kid = person("Ученикова")
                members.append(Membership(person_id=kid, organisation_id=org_id, role=Role.STUDENT,
                                          school_class_id=class_id, confirmation=Confirmation.CONFIRMED,
                                          start_date=date(2020, 9, 1)))
                parent = person("Родителева")
                members.append(Membership(person_id=parent, organisation_id=org_id, role=Role.PARENT,
                                          confirmation=Confirmation.CONFIRMED, start_date=date(2020, 9, 1)))
                guardians.append(Guardianship(parent_id=parent, child_id=kid))
                kid_uids.append(linked(kid))
                parent_uids.append(linked(parent))
            if teacher_uid is None or rng.random() < 0.1:
                continue  # no rooms yet: the diff creates them
            for kind, uids in (("parents", parent_uids), ("students", kid_uids)):
                chat_id = next(chat_ids)
                title = f"{n // 4 + 1}{letters[n % 4]} — {'родители' if kind == 'parents' else 'ученики'}"
                chats.append(Chat(pk=chat_id, organisation_id=org_id, key=f"{kind}:{class_id}", kind=kind,
                                  school_class_id=class_id, title=title if rng.random() < 0.97 else "старое",
                                  room_id=f"!{kind}{class_id}:region.test"))
                mirror.append(ChatMember(chat_id=chat_id, user_id=teacher_uid))
                mirror += [ChatMember(chat_id=chat_id, user_id=u) for u in uids if u and rng.random() < 0.9]
                if rng.random() < 0.2:
                    mirror.append(ChatMember(chat_id=chat_id, user_id=f"@stranger{chat_id}:elsewhere",
                                             via_link=True))
            if n == 0:  # a subject chat of the first class
                chats.append(Chat(pk=next(chat_ids), organisation_id=org_id, key=f"subject:{class_id}:{maths.pk}:{teacher}",
                                  kind=ChatKind.SUBJECT, school_class_id=class_id, subject=maths, created_by_id=teacher,
                                  title=f"1А — {maths.name}"))
        for n in range(2):  # last year's classes with their chats: to archive
            class_id = next(class_ids)
            classes.append(SchoolClass(pk=class_id, organisation_id=org_id, school_year=last, grade=11, letter=letters[n]))
            chats.append(Chat(pk=next(chat_ids), organisation_id=org_id, key=f"parents:{class_id}", kind="parents",
                              school_class_id=class_id, title=f"11{letters[n]} — родители",
                              room_id=f"!old{class_id}:region.test"))
        if len(people) > 50_000:
            _flush(people, accounts, classes, members, guardians, chats, mirror)
    _flush(people, accounts, classes, members, guardians, chats, mirror)
    return org_ids


def _flush(people, accounts, classes, members, guardians, chats, mirror) -> None:
    from sreda.chats.models import Chat, ChatMember, MessengerAccount
    from sreda.orgs.models import SchoolClass
    from sreda.people.models import Guardianship, Membership, Person

    for model, rows in ((Person, people), (MessengerAccount, accounts), (SchoolClass, classes), (Membership, members),
                        (Guardianship, guardians), (Chat, chats), (ChatMember, mirror)):
        _insert(model, rows)


def _reset_sequences() -> None:
    """Explicit ids were inserted: move PostgreSQL's sequences past them (SQLite needs nothing)."""
    from django.core.management.color import no_style
    from django.db import connection

    from sreda.chats.models import Chat
    from sreda.orgs.models import SchoolClass
    from sreda.people.models import Person

    for sql in connection.ops.sequence_reset_sql(no_style(), [Person, SchoolClass, Chat]):
        with connection.cursor() as cursor:
            cursor.execute(sql)


def measure() -> list[dict]:
    from django.db import connection

    from sreda.chats.diff import diff, region_diff
    from sreda.chats.plan import school_plan
    from sreda.orgs.models import Organisation
    from sreda.people.models import Membership

    org_ids = build_region()
    _reset_sequences()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    memberships = Membership.objects.count()
    result: dict = {}

    def run():
        result["diffs"] = region_diff(org_ids)

    seconds = median_seconds(run, repeat=3)
    chats = sum(len(d) for d in result["diffs"].values())
    school = Organisation.objects.get(pk=org_ids[len(org_ids) // 2])
    one = median_seconds(lambda: diff(school, school_plan(school)), repeat=5)
    return [{"title": f"План и отличия чатов: {len(org_ids)} школ, {chats} чатов", "size": memberships,
             "seconds": round(seconds, 4), "target": TARGET, "ok": seconds < TARGET},
            {"title": "План и отличия одной школы (страница «Чаты школы»)", "size": memberships // len(org_ids),
             "seconds": round(one, 4), "target": ONE_SCHOOL_TARGET, "ok": one < ONE_SCHOOL_TARGET}]
