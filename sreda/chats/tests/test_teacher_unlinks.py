"""R24, R27: a class teacher is a member of the class's chats only while their messenger is linked. When they unlink,
the existing parents' and students' chats stay (never archived because of it) without the teacher, the plan page
says «Классный руководитель не привязал мессенджер» and how to fix it, and unlinking brings the sync forward like
linking does. A class whose class teacher never linked still gets no chat. Against the real Synapse where rooms
are involved."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from sreda.chats.diff import diff
from sreda.chats.linking import link_remove
from sreda.chats.models import (
    AccountStatus,
    Chat,
    ChatMember,
    ExchangeTask,
    MessengerAccount,
    MessengerSettings,
    TaskStatus,
    TaskTrigger,
)
from sreda.chats.plan import TEACHER_UNLINKED, school_plan
from sreda.chats.sync import sync_school
from sreda.chats.testing_synapse import *
from sreda.chats.tests.test_plan import link, school_class
from sreda.chats.tests.test_sync_synapse import Counting, School, room_state
from sreda.core.testing import (
    act_as,
    active_role_of,
    make_member,
    make_organisation,
    make_user,
)
from sreda.people.roles import Role

pytestmark = pytest.mark.django_db


def class_chats(plan):
    return {p.key: p for p in plan if p.kind in ("parents", "students")}


def test_r27_class_teacher_who_never_linked_gives_the_class_no_chat_even_with_a_chat_row():
    org = make_organisation()
    c, _teacher, kids = school_class(org)
    for _, parent in kids:
        link(parent)
    # a row without a room (e.g. the one-way switch pressed while the teacher was linked, before any sync)
    Chat.objects.create(organisation=org, key=f"parents:{c.pk}", kind="parents", school_class=c, title="5А — родители")
    assert class_chats(school_plan(org)) == {}


def test_r27_unlinked_class_teacher_leaves_the_plan_of_an_existing_chat_which_stays_with_a_warning():
    org = make_organisation()
    c, teacher, kids = school_class(org)
    teacher_id = link(teacher)
    parent_ids = [link(parent) for _, parent in kids]
    for kind in ("parents", "students"):
        chat = Chat.objects.create(organisation=org, key=f"{kind}:{c.pk}", kind=kind, school_class=c,
                                   title=f"5А — {'родители' if kind == 'parents' else 'ученики'}",
                                   room_id=f"!{kind}:school.test", read_only_applied=False)
        ChatMember.objects.create(chat=chat, user_id=teacher_id, person=teacher)
    for uid in parent_ids:
        ChatMember.objects.create(chat=Chat.objects.get(key=f"parents:{c.pk}", organisation=org), user_id=uid)
    assert all(not p.warning for p in class_chats(school_plan(org)).values())

    MessengerAccount.objects.filter(person=teacher).delete()  # the teacher unlinks
    planned = class_chats(school_plan(org))
    parents = planned[f"parents:{c.pk}"]
    assert parents.warning == TEACHER_UNLINKED and teacher.surname in parents.warning_hint
    assert {m.person_id: m.linked for m in parents.members}[teacher.pk] is False  # listed, not invited
    changes = {d.key: d for d in diff(org, school_plan(org))}
    assert changes[f"parents:{c.pk}"].remove == [teacher_id] and not changes[f"parents:{c.pk}"].archive
    assert changes[f"students:{c.pk}"].remove == [teacher_id]
    assert not any(d.archive for d in changes.values())


def test_r27_plan_page_warns_that_the_class_teacher_has_not_linked(client):
    org = make_organisation()
    c, _teacher, _ = school_class(org)
    Chat.objects.create(organisation=org, key=f"parents:{c.pk}", kind="parents", school_class=c,
                        title="5А — родители", room_id="!p:school.test")
    act_as(client, *make_member(role=Role.DIRECTOR, organisation=org, confirmation="confirmed"))
    page = client.get("/chats/").content.decode()
    assert "Классный руководитель не привязал мессенджер" in page
    assert "/chats/link/" in page and "назначьте классу другого классного руководителя" in page


def test_r27_unlinking_triggers_the_sync_and_it_takes_the_teacher_out_but_keeps_the_rooms(
        matrix_settings, matrix_user, connector, django_capture_on_commit_callbacks):
    school = School(matrix_settings, matrix_user)
    assert sync_school(school.org, connector=connector).status == TaskStatus.DONE
    rooms = {key: school.room(key) for key in school.expected}
    ExchangeTask.objects.filter(organisation=school.org).delete()
    MessengerSettings.objects.filter(organisation=school.org).update(next_sync_at=None)

    actor = active_role_of(make_user(person=school.teacher), school.teacher.memberships.get(role=Role.TEACHER))
    with django_capture_on_commit_callbacks(execute=True):
        link_remove(actor=actor)
    queued = ExchangeTask.objects.get(organisation=school.org)  # like linking: within a minute
    assert (queued.status, queued.trigger) == (TaskStatus.PENDING, TaskTrigger.LINK)
    assert MessengerSettings.objects.get(organisation=school.org).next_sync_at <= timezone.now() + timedelta(minutes=1)

    task = sync_school(school.org, connector=connector)
    assert task.status == TaskStatus.DONE, task.errors
    assert task.counts["archived"] == 0 and task.counts["rooms_created"] == 0
    teacher = school.id("teacher")
    expected = {key: members - {teacher} for key, members in school.expected.items()}
    assert room_state(connector, school) == expected  # parents and students keep their chats
    assert {key: school.room(key) for key in school.expected} == rooms
    assert Chat.objects.filter(organisation=school.org, archived_at__isnull=False).count() == 0
    counting = Counting(connector)
    assert sync_school(school.org, connector=counting).status == TaskStatus.DONE
    assert counting.calls == []

    # linking again brings the teacher back into the same rooms
    MessengerAccount.objects.create(person=school.teacher, user_id=teacher, status=AccountStatus.LINKED)
    task = sync_school(school.org, connector=connector)
    assert task.status == TaskStatus.DONE and task.counts["members_added"] == 3
    assert room_state(connector, school) == school.expected
