"""The plan of a school's chats from the roster (R24, R27, R28) and its difference from the mirror (R26)."""
from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sreda.chats.diff import diff
from sreda.chats.models import (
    AccountStatus,
    Chat,
    ChatKind,
    ChatMember,
    MessengerAccount,
)
from sreda.chats.plan import school_plan
from sreda.core.testing import (
    make_class,
    make_membership,
    make_organisation,
    make_person,
    make_school_year,
)
from sreda.orgs.models import Subject
from sreda.orgs.school_year import school_year_start, school_year_title
from sreda.people.models import Guardianship
from sreda.people.roles import Role

pytestmark = pytest.mark.django_db


def this_year():
    return make_school_year(school_year_title(school_year_start()))


def past_year():
    return make_school_year(school_year_title(school_year_start() - 1))


def link(person, user_id=None):
    user_id = user_id or f"@p{person.pk}:school.test"
    MessengerAccount.objects.create(person=person, user_id=user_id, status=AccountStatus.LINKED,
                                    linked_at=timezone.now())
    return user_id


def staff(org, role=Role.TEACHER, **kw):
    person = make_person(**kw)
    make_membership(person=person, role=role, organisation=org, confirmation="confirmed")
    return person


def school_class(org, *, grade=5, letter="А", teacher=None, year=None, students=2):
    teacher = teacher or staff(org)
    c = make_class(organisation=org, grade=grade, letter=letter, class_teacher=teacher, school_year=year or this_year())
    kids = []
    for _ in range(students):
        kid = make_person(name="Пётр")
        make_membership(person=kid, role=Role.STUDENT, organisation=org, school_class=c)
        parent = make_person(name="Ольга")
        Guardianship.objects.create(parent=parent, child=kid)
        kids.append((kid, parent))
    return c, teacher, kids


def by_key(plan):
    return {p.key: p for p in plan}


def test_staff_chat_title_follows_director_link_r27():
    """R27: «Сотрудники» until the director links the messenger, then «Учительская»."""
    org = make_organisation()
    director = staff(org, Role.DIRECTOR)
    teacher = staff(org)
    plan = school_plan(org)
    assert plan[0].key == "staff" and plan[0].title == "Сотрудники"
    assert {m.person_id for m in plan[0].members} == {director.pk, teacher.pk}
    link(director)
    assert school_plan(org)[0].title == "Учительская"


def test_class_chats_only_once_class_teacher_linked_r27():
    org = make_organisation()
    c, teacher, kids = school_class(org)
    assert [p.key for p in school_plan(org)] == ["staff"]
    link(teacher)
    plan = by_key(school_plan(org))
    parents, students = plan[f"parents:{c.pk}"], plan[f"students:{c.pk}"]
    assert parents.title == "5А — родители" and students.title == "5А — ученики"
    assert {m.person_id for m in parents.members} == {teacher.pk} | {p.pk for _, p in kids}
    assert {m.person_id for m in students.members} == {teacher.pk} | {k.pk for k, _ in kids}
    assert parents.members[0].person_id == teacher.pk  # the class teacher first


def test_unlinked_members_listed_but_not_added_r27():
    org = make_organisation()
    c, teacher, kids = school_class(org)
    link(teacher)
    linked_parent = link(kids[0][1])
    plan = school_plan(org)
    parents = by_key(plan)[f"parents:{c.pk}"]
    unlinked = [m for m in parents.members if not m.linked]
    assert [m.person_id for m in unlinked] == [kids[1][1].pk]
    d = {x.key: x for x in diff(org, plan)}[f"parents:{c.pk}"]
    assert d.create and set(d.add) == {f"@p{teacher.pk}:school.test", linked_parent}


def test_order_staff_classes_by_grade_parents_before_students_then_subject_chats_r24():
    org = make_organisation()
    _c10, t10, _ = school_class(org, grade=10, letter="Б")
    c5, t5, kids = school_class(org, grade=5, letter="В")
    link(t10), link(t5)
    maths, _ = Subject.objects.get_or_create(name="Математика")
    Chat.objects.create(organisation=org, key=f"subject:{c5.pk}:{maths.pk}:{t10.pk}", kind=ChatKind.SUBJECT,
                        school_class=c5, subject=maths, created_by=t10, title="x")
    plan = school_plan(org)
    assert [p.title for p in plan] == ["Сотрудники", "5В — родители", "5В — ученики", "10Б — родители",
                                       "10Б — ученики", "5В — Математика"]
    subject = plan[-1]
    assert {m.person_id for m in subject.members} == {t10.pk} | {k.pk for k, _ in kids}


def test_read_only_setting_comes_from_the_chat_row_r28():
    org = make_organisation()
    staff(org)
    assert school_plan(org)[0].read_only is False
    Chat.objects.create(organisation=org, key="staff", kind=ChatKind.STAFF, title="Сотрудники", read_only=True)
    assert school_plan(org)[0].read_only is True


def test_ended_and_other_school_memberships_are_not_in_the_plan():
    org, other = make_organisation(), make_organisation()
    gone = make_person()
    make_membership(person=gone, role=Role.TEACHER, organisation=org, end_date=timezone.localdate())
    stranger = staff(other)
    ids = {m.person_id for m in school_plan(org)[0].members}
    assert gone.pk not in ids and stranger.pk not in ids


def _with_room(org, planned, members=(), **kw):
    chat = Chat.objects.create(organisation=org, key=planned.key, kind=planned.kind, title=kw.pop("title", planned.title),
                               room_id=f"!{planned.key}:school.test", school_class_id=planned.class_id, **kw)
    for user_id, via_link in members:
        ChatMember.objects.create(chat=chat, user_id=user_id, via_link=via_link)
    return chat


def test_link_joined_parent_of_the_class_stays_stranger_goes_r26():
    org = make_organisation()
    c, teacher, kids = school_class(org)
    link(teacher)
    parent_id = link(kids[0][1])
    stranger = make_person()
    stranger_id = link(stranger)
    plan = school_plan(org)
    students = by_key(plan)[f"students:{c.pk}"]
    _with_room(org, students, [(f"@p{teacher.pk}:school.test", False), (parent_id, True), (stranger_id, True),
                               ("@unknown:elsewhere", True)])
    d = {x.key: x for x in diff(org, plan)}[students.key]
    assert not d.create and d.remove == sorted([stranger_id, "@unknown:elsewhere"])


def test_renamed_class_gives_rename():
    org = make_organisation()
    c, teacher, _ = school_class(org)
    link(teacher)
    plan = school_plan(org)
    parents = by_key(plan)[f"parents:{c.pk}"]
    _with_room(org, parents, title="5Б — родители")
    d = {x.key: x for x in diff(org, plan)}[parents.key]
    assert d.rename and d.title == "5А — родители" and not d.create


def test_class_of_a_past_year_is_archived_once():
    org = make_organisation()
    old, teacher, _ = school_class(org, year=past_year())
    link(teacher)
    chat = Chat.objects.create(organisation=org, key=f"parents:{old.pk}", kind=ChatKind.PARENTS, title="5А — родители",
                               room_id="!old:school.test", school_class=old)
    plan = school_plan(org)
    assert chat.key not in by_key(plan)
    archive = [x for x in diff(org, plan) if x.archive]
    assert [x.key for x in archive] == [chat.key]
    assert archive[0].archive_title == f"5А — родители ({past_year().title})"  # issue #10: renamed with its year
    chat.archived_at = timezone.now()
    chat.save()
    assert not [x for x in diff(org, plan) if x.archive]


def test_deleted_class_chat_is_archived():
    org = make_organisation()
    chat = Chat.objects.create(organisation=org, key="students:999999", kind=ChatKind.STUDENTS, title="7Г — ученики",
                               room_id="!gone:school.test")
    assert [x.key for x in diff(org, school_plan(org)) if x.archive] == [chat.key]


def test_nothing_to_do_when_mirror_matches():
    org = make_organisation()
    _c, teacher, kids = school_class(org)
    ids = [link(teacher), link(kids[0][1])]
    plan = school_plan(org)
    for planned in plan:
        _with_room(org, planned, [(m.user_id, False) for m in planned.members if m.linked])
    assert all(d.empty for d in diff(org, plan))
    assert ids


def _queries(call) -> int:
    with CaptureQueriesContext(connection) as ctx:
        call()
    return len(ctx.captured_queries)


def test_query_count_does_not_grow_with_classes():
    org = make_organisation()
    _c, teacher, _kids = school_class(org)
    link(teacher)
    for planned in school_plan(org):
        _with_room(org, planned, [(m.user_id, True) for m in planned.members if m.linked])
    small = _queries(lambda: diff(org, school_plan(org)))
    for n, letter in enumerate("БВГДЕ"):
        _, t, k = school_class(org, grade=6 + n, letter=letter, students=3)
        link(t), link(k[0][1])
    for planned in school_plan(org):
        if not Chat.objects.filter(organisation=org, key=planned.key).exists():
            _with_room(org, planned, [(m.user_id, True) for m in planned.members if m.linked])
    assert len(school_plan(org)) == 13
    assert _queries(lambda: diff(org, school_plan(org))) == small


def test_the_school_service_account_is_never_removed_r25():
    """R25: the organisation administers its chats — its service account stays in every room."""
    from sreda.chats.models import MessengerSettings

    org = make_organisation()
    MessengerSettings.objects.create(organisation=org, homeserver_url="http://127.0.0.1:8008", server_name="school.test",
                                     service_token="t", service_user_id="@sreda_bot:school.test")
    plan = school_plan(org)
    _with_room(org, plan[0], [("@sreda_bot:school.test", False), ("@left:school.test", False)])
    assert diff(org, plan)[0].remove == ["@left:school.test"]


def test_region_diff_is_the_same_as_each_school_alone():
    """The bench's region-wide call answers what the per-school call answers."""
    from sreda.chats.diff import region_diff
    from sreda.chats.plan import plans_for

    a, b = make_organisation(), make_organisation()
    for org in (a, b):
        _c, teacher, kids = school_class(org)
        link(teacher), link(kids[0][1])
    link(staff(a, Role.DIRECTOR))
    plans = plans_for([a.pk, b.pk])
    assert plans[a.pk] == school_plan(a) and plans[b.pk] == school_plan(b)
    assert plans[a.pk][0].title == "Учительская" and plans[b.pk][0].title == "Сотрудники"
    assert region_diff([a.pk, b.pk]) == {a.pk: diff(a, school_plan(a)), b.pk: diff(b, school_plan(b))}
