"""Subject chats (R24): a teacher opens a chat with one of their classes about a subject they teach; it joins the
plan with the class's students, the next sync creates the room; the teacher closes it (archive)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from sreda.chats.diff import diff
from sreda.chats.models import Chat, ChatKind
from sreda.chats.plan import school_plan
from sreda.chats.tests.test_plan import link, school_class
from sreda.core.audit import AuditEntry
from sreda.core.testing import act_as, make_member, make_organisation
from sreda.library.models import ScheduleLesson
from sreda.orgs.models import Subject
from sreda.people.roles import Role

pytestmark = pytest.mark.django_db


def teacher_of(org, *subject_names):
    user, membership = make_member(role=Role.TEACHER, organisation=org, confirmation="confirmed")
    subjects = [Subject.objects.get_or_create(name=name)[0] for name in subject_names]
    membership.subjects.set(subjects)
    return user, membership, subjects


def test_r24_teacher_creates_a_subject_chat_and_it_joins_the_plan(client):
    org = make_organisation()
    c, _, kids = school_class(org, grade=7, letter="Б")
    user, membership, (maths,) = teacher_of(org, "Математика")
    act_as(client, user, membership)
    form = client.get("/chats/subject/new/").content.decode()
    assert "7Б" in form and "Математика" in form and "все классы школы" in form
    response = client.post("/chats/subject/new/", {"school_class": c.pk, "subject": maths.pk})
    assert response.status_code == 302
    chat = Chat.objects.get(organisation=org, kind=ChatKind.SUBJECT)
    assert chat.key == f"subject:{c.pk}:{maths.pk}:{user.person.pk}" and chat.room_id == ""
    assert chat.title == "7Б — Математика" and chat.created_by == user.person
    assert AuditEntry.objects.filter(action="chats.subject_create", object_id=str(chat.pk)).exists()
    planned = [p for p in school_plan(org) if p.kind == ChatKind.SUBJECT]
    assert [p.title for p in planned] == ["7Б — Математика"]
    assert {m.person_id for m in planned[0].members} == {user.person.pk} | {k.pk for k, _ in kids}
    link(user.person)
    d = {x.key: x for x in diff(org, school_plan(org))}[chat.key]
    assert d.create and d.add == [f"@p{user.person.pk}:school.test"]
    assert "7Б — Математика" in client.get("/chats/subject/").content.decode()


def test_r24_twice_the_same_chat_is_refused_and_nothing_duplicated(client):
    org = make_organisation()
    c, _, _ = school_class(org)
    user, membership, (maths,) = teacher_of(org, "Математика")
    act_as(client, user, membership)
    client.post("/chats/subject/new/", {"school_class": c.pk, "subject": maths.pk})
    response = client.post("/chats/subject/new/", {"school_class": c.pk, "subject": maths.pk})
    assert response.status_code == 400 and "Такой чат уже есть" in response.content.decode()
    assert Chat.objects.filter(organisation=org).count() == 1


def test_r24_only_own_subjects_and_schedule_classes(client):
    org = make_organisation()
    c5, _, _ = school_class(org, grade=5)
    c6, _, _ = school_class(org, grade=6)
    user, membership, (maths,) = teacher_of(org, "Математика")
    physics, _ = Subject.objects.get_or_create(name="Физика")
    ScheduleLesson.objects.create(organisation=org, day=timezone.localdate(), school_class=c6, subject=maths,
                                  teacher=user.person)
    act_as(client, user, membership)
    form = client.get("/chats/subject/new/").content.decode()
    assert "6А" in form and "5А" not in form and "Физика" not in form
    bad_class = client.post("/chats/subject/new/", {"school_class": c5.pk, "subject": maths.pk})
    assert bad_class.status_code == 400 and "Выберите класс из списка" in bad_class.content.decode()
    bad_subject = client.post("/chats/subject/new/", {"school_class": c6.pk, "subject": physics.pk})
    assert "Выберите предмет из списка" in bad_subject.content.decode()
    garbage = client.post("/chats/subject/new/", {"school_class": "abc", "subject": ""})
    assert garbage.status_code == 400
    assert not Chat.objects.filter(organisation=org).exists()


def test_r24_teacher_closes_their_chat_it_leaves_the_plan_and_can_be_reopened(client):
    org = make_organisation()
    c, _, _ = school_class(org)
    user, membership, (maths,) = teacher_of(org, "Математика")
    act_as(client, user, membership)
    client.post("/chats/subject/new/", {"school_class": c.pk, "subject": maths.pk})
    chat = Chat.objects.get(organisation=org)
    client.post(f"/chats/subject/{chat.pk}/close/")
    chat.refresh_from_db()
    assert chat.archived_at is not None
    assert not [p for p in school_plan(org) if p.kind == ChatKind.SUBJECT]
    client.post("/chats/subject/new/", {"school_class": c.pk, "subject": maths.pk})
    chat.refresh_from_db()
    assert chat.archived_at is None and Chat.objects.filter(organisation=org).count() == 1


def test_r24_another_teacher_cannot_close_it_and_admins_cannot_create(client):
    org = make_organisation()
    c, _, _ = school_class(org)
    user, membership, (maths,) = teacher_of(org, "Математика")
    act_as(client, user, membership)
    client.post("/chats/subject/new/", {"school_class": c.pk, "subject": maths.pk})
    chat = Chat.objects.get(organisation=org)
    other, other_membership, _ = teacher_of(org, "Математика")
    act_as(client, other, other_membership)
    response = client.post(f"/chats/subject/{chat.pk}/close/", follow=True)
    assert "может только учитель, который его создал" in response.content.decode()
    chat.refresh_from_db()
    assert chat.archived_at is None
    act_as(client, *make_member(role=Role.ADMINISTRATOR, organisation=org, confirmation="confirmed"))
    assert client.get("/chats/subject/new/").status_code == 403


def test_r24_subject_chat_of_a_past_year_class_is_archived_by_the_diff():
    from sreda.chats.tests.test_plan import past_year

    org = make_organisation()
    old, _, _ = school_class(org, year=past_year())
    maths, _ = Subject.objects.get_or_create(name="Математика")
    user, _membership, _ = teacher_of(org, "Математика")
    chat = Chat.objects.create(organisation=org, key=f"subject:{old.pk}:{maths.pk}:{user.person.pk}",
                               kind=ChatKind.SUBJECT, school_class=old, subject=maths, created_by=user.person,
                               title="5А — Математика", room_id="!s:test",
                               created_at=timezone.now() - timedelta(days=400))
    assert [d.key for d in diff(org, school_plan(org)) if d.archive] == [chat.key]
