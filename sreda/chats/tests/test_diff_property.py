"""Property (R24–R27): for any roster and any state of the mirror, applying the diff to Sreda's mirror makes the next
diff empty — a sync that has done its work has nothing left to do."""
from __future__ import annotations

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sreda.chats.diff import diff
from sreda.chats.models import Chat, ChatMember
from sreda.chats.plan import school_plan
from sreda.chats.tests.test_plan import link, past_year, school_class, staff
from sreda.core.testing import make_organisation, make_person
from sreda.people.models import Guardianship
from sreda.people.roles import Role

pytestmark = pytest.mark.django_db(transaction=False)

classes_st = st.lists(st.fixed_dictionaries({
    "teacher_linked": st.booleans(),
    "students": st.integers(0, 3),
    "linked": st.lists(st.booleans(), min_size=6, max_size=6),
    "past": st.booleans(),
}), max_size=3)

mirror_st = st.lists(st.tuples(st.integers(0, 30), st.integers(0, 40), st.booleans(), st.booleans()), max_size=25)


class Rollback(Exception):
    pass


def apply(org, changes) -> None:
    """What a successful sync writes to the mirror."""
    for d in changes:
        chat = Chat.objects.filter(organisation=org, key=d.key).first()
        if d.archive:
            chat.archived_at = timezone.now()
            chat.save()
            continue
        if d.create:
            chat = chat or Chat(organisation=org, key=d.key, kind=d.key.split(":")[0])
            chat.room_id = f"!{d.key}:test"
        if d.create or d.rename:
            chat.title = d.title
        chat.save()
        ChatMember.objects.filter(chat=chat, user_id__in=d.remove).delete()
        ChatMember.objects.bulk_create([ChatMember(chat=chat, user_id=u) for u in d.add])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(director_linked=st.booleans(), classes=classes_st, mirror=mirror_st)
def test_applying_the_diff_leaves_nothing_to_do(director_linked, classes, mirror):
    try:
        with transaction.atomic():
            _check(director_linked, classes, mirror)
            raise Rollback
    except Rollback:
        pass


def _check(director_linked, classes, mirror):
    org = make_organisation()
    director = staff(org, Role.DIRECTOR)
    ids = [link(director)] if director_linked else []
    for n, spec in enumerate(classes):
        c, teacher, kids = school_class(org, grade=n + 1, students=spec["students"],
                                        year=past_year() if spec["past"] else None)
        if spec["teacher_linked"]:
            ids.append(link(teacher))
        for (kid, parent), kid_linked, parent_linked in zip(kids, spec["linked"][::2], spec["linked"][1::2]):
            if kid_linked:
                ids.append(link(kid))
            if parent_linked:
                ids.append(link(parent))
        if spec["past"]:  # a chat of last year's class
            Chat.objects.create(organisation=org, key=f"parents:{c.pk}", kind="parents", title="старый",
                                room_id=f"!old{c.pk}:test", school_class=c)
    stranger = make_person()
    Guardianship.objects.create(parent=stranger, child=make_person())
    ids.append(link(stranger))
    plan = school_plan(org)
    pool = ids + [f"@nobody{i}:elsewhere" for i in range(10)]
    for chat_index, member_index, via_link, wrong_title in mirror:
        if not plan:
            break
        planned = plan[chat_index % len(plan)]
        chat, _ = Chat.objects.get_or_create(organisation=org, key=planned.key, defaults={
            "kind": planned.kind, "title": "неверно" if wrong_title else planned.title,
            "room_id": f"!{planned.key}:test", "school_class_id": planned.class_id})
        ChatMember.objects.get_or_create(chat=chat, user_id=pool[member_index % len(pool)],
                                         defaults={"via_link": via_link})
    first = diff(org, plan)
    apply(org, first)
    second = diff(org, school_plan(org))
    assert [d for d in second if not d.empty] == []
