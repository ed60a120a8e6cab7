"""The step into the next school year (issue #10, item 2): a dated step with a preview, the district's run for
all its schools, and an undo until the first import of the new year.

Dates are taken relative to today: the school lives in last school year, and the step goes into the current one.
"""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sreda.chats.diff import diff
from sreda.chats.models import AccountStatus, Chat, ChatKind, MessengerAccount
from sreda.chats.plan import school_plan
from sreda.core import active_role as ar
from sreda.core.audit import AuditEntry
from sreda.core.testing import (
    make_class,
    make_member,
    make_membership,
    make_municipality,
    make_organisation,
    make_person,
    make_school_year,
)
from sreda.orgs.models import SchoolClass, SchoolYear, TransitionStatus, YearTransition
from sreda.orgs.school_year import school_year_start, school_year_title
from sreda.orgs.transition import district_previews, district_run, transition_preview, transition_run, transition_undo
from sreda.people.models import Guardianship, Membership
from sreda.people.roles import Role
from sreda.roster.signals import roster_applied

pytestmark = pytest.mark.django_db


def old_year() -> SchoolYear:
    return make_school_year(school_year_title(school_year_start() - 1))


def new_year() -> SchoolYear:
    return make_school_year(school_year_title(school_year_start()))


def operator():
    return ar.system_operator()


def admin(org, role=Role.ADMINISTRATOR):
    user, membership = make_member(role=role, organisation=org)
    return ar.for_membership(membership, user=user)


def student_in(cls, *, parent=True, confirmation="confirmed"):
    kid = make_person(name="Пётр")
    make_membership(person=kid, role=Role.STUDENT, organisation=cls.organisation, school_class=cls,
                    confirmation=confirmation, start_date=cls.school_year.start)
    if parent:
        mother = make_person(name="Ольга")
        Guardianship.objects.create(parent=mother, child=kid)
        make_membership(person=mother, role=Role.PARENT, organisation=cls.organisation, school_class=cls,
                        start_date=cls.school_year.start)
    return kid


def school(*, org=None):
    """A school of last year: 5А (3 students, each with a parent in the class) and 11А (2 students), a teacher
    leading 5А, and a director."""
    org = org or make_organisation()
    teacher = make_person(surname="Петрова", name="Мария", patronymic="Ивановна")
    make_membership(person=teacher, role=Role.TEACHER, organisation=org, confirmation="confirmed")
    five = make_class(organisation=org, grade=5, letter="А", class_teacher=teacher, school_year=old_year())
    eleven = make_class(organisation=org, grade=11, letter="А", school_year=old_year())
    kids = [student_in(five) for _ in range(3)]
    grads = [student_in(eleven, parent=False) for _ in range(2)]
    return org, teacher, five, eleven, kids, grads


def open_roles(person, org):
    return list(Membership.objects.filter(person=person, organisation=org, end_date__isnull=True)
                .select_related("school_class__school_year"))


def test_the_preview_says_what_each_class_becomes_and_changes_nothing():
    org, _teacher, five, eleven, _kids, _grads = school()
    before = Membership.objects.count(), SchoolClass.objects.count()
    p = transition_preview(actor=operator(), organisation=org)
    assert p.can_run and p.problems == []
    assert (p.from_year, p.to_title, p.day) == (old_year(), new_year().title, new_year().start)
    assert [(s.title, s.new_title, s.students, s.others) for s in p.steps] == [("5А", "6А", 3, 3), ("11А", None, 2, 0)]
    assert p.steps[0].class_teacher == "Петрова Мария Ивановна"
    assert (p.students_moving, p.students_graduating, p.roles_ending, p.roles_starting) == (3, 2, 8, 6)
    assert (Membership.objects.count(), SchoolClass.objects.count()) == before


def test_running_advances_the_classes_ends_the_old_roles_and_graduates_the_11th(django_capture_on_commit_callbacks):
    """Given last year's 5А and 11А, when the step runs on 1 September, 6А exists in the new year with the same
    class teacher, each pupil of 5А and their parent are in 6А from that day (their 5А role ended that day, still
    confirmed), the 11th graders have no open role, the teacher's role is untouched, the step is audited, and
    after the commit the school's chats are told to re-sync (R25)."""
    org, teacher, five, eleven, kids, grads = school()
    sent = []
    roster_applied.connect(lambda sender, organisation_ids=(), **kw: sent.append((sender, list(organisation_ids))),
                           dispatch_uid="test_transition_sent", weak=False)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            done = transition_run(actor=admin(org), organisation=org)
            assert sent == []  # nothing before the commit
    finally:
        roster_applied.disconnect(dispatch_uid="test_transition_sent")
    assert sent == [(YearTransition, [org.pk])]
    day = new_year().start
    six = SchoolClass.objects.get(organisation=org, school_year=new_year())
    assert (six.grade, six.letter, six.class_teacher) == (6, "А", teacher)
    for kid in kids:
        (role,) = open_roles(kid, org)
        assert (role.school_class, role.start_date, role.confirmation) == (six, day, "confirmed")
        old = Membership.objects.get(person=kid, school_class=five)
        assert old.end_date == day
        parent = Guardianship.objects.get(child=kid).parent
        assert [r.school_class for r in open_roles(parent, org)] == [six]
    for grad in grads:
        assert open_roles(grad, org) == []
        assert Membership.objects.get(person=grad).end_date == day
    assert [r.role for r in open_roles(teacher, org)] == [Role.TEACHER]
    assert done.status == TransitionStatus.DONE and done.can_undo
    assert done.summary["students_moving"] == 3 and done.summary["students_graduating"] == 2
    assert AuditEntry.objects.filter(action="orgs.year_transition", organisation=org).exists()


def test_the_chats_follow_the_new_classes_and_the_old_ones_are_archived_with_their_year():
    """R24/R27 with issue #10: after the step the plan has 6А's chats (its class teacher is linked) and the old
    5А chat is archived at the next sync under «… (2025/2026)»-style title."""
    org, teacher, five, _eleven, _kids, _grads = school()
    MessengerAccount.objects.create(person=teacher, user_id="@teacher:school.test", status=AccountStatus.LINKED,
                                    linked_at=timezone.now())
    old_chat = Chat.objects.create(organisation=org, key=f"parents:{five.pk}", kind=ChatKind.PARENTS,
                                   title="5А — родители", room_id="!old:school.test", school_class=five)
    transition_run(actor=admin(org), organisation=org)
    titles = {c.title for c in school_plan(org)}
    assert {"6А — родители", "6А — ученики"} <= titles and "5А — родители" not in titles
    archive = [d for d in diff(org, school_plan(org)) if d.archive]
    assert [(d.key, d.archive_title) for d in archive] == [(old_chat.key, f"5А — родители ({old_year().title})")]


@pytest.mark.parametrize("case", ["already_in_new_year", "future_date", "outside_year", "no_classes"])
def test_a_step_that_cannot_run_says_why_and_changes_nothing(case):
    org, _teacher, *_ = school()
    day = None
    if case == "already_in_new_year":
        make_class(organisation=org, grade=6, letter="Б", school_year=new_year())
    elif case == "future_date":
        day = timezone.localdate() + timedelta(days=2)
        if day > new_year().end:
            pytest.skip("the new school year ends before the day after tomorrow")
    elif case == "outside_year":
        day = new_year().start - timedelta(days=1)
    elif case == "no_classes":
        org = make_organisation()
    actor = admin(org)
    before = sorted(Membership.objects.values_list("pk", "end_date", "school_class_id"))
    classes = SchoolClass.objects.count()
    with pytest.raises(ValidationError) as exc:
        transition_run(actor=actor, organisation=org, day=day)
    expected = {"already_in_new_year": f"01.09.{school_year_start() + 1} ещё не наступила", "future_date": "ещё не наступила",
                "outside_year": "должна быть в", "no_classes": "нет классов"}[case]
    assert any(expected in m for m in exc.value.messages), exc.value.messages
    assert sorted(Membership.objects.values_list("pk", "end_date", "school_class_id")) == before
    assert SchoolClass.objects.count() == classes and not YearTransition.objects.exists()


def test_only_the_schools_leaders_or_its_district_run_it():
    org, *_ = school()
    other = make_organisation()
    with pytest.raises(PermissionDenied):
        transition_run(actor=admin(org, Role.TEACHER), organisation=org)
    with pytest.raises(PermissionDenied):
        transition_run(actor=admin(other), organisation=org)
    user, methodist = make_member(role=Role.METHODIST, municipality=make_municipality())
    with pytest.raises(PermissionDenied):
        transition_run(actor=ar.for_membership(methodist, user=user), organisation=org)
    user, methodist = make_member(role=Role.METHODIST, municipality=org.municipality)
    assert transition_run(actor=ar.for_membership(methodist, user=user), organisation=org).status == "done"


def test_undo_restores_the_old_year_and_a_second_undo_is_refused():
    org, _teacher, five, _eleven, kids, _grads = school()
    done = transition_run(actor=admin(org), organisation=org)
    transition_undo(actor=admin(org), transition=done)
    assert not SchoolClass.objects.filter(organisation=org, school_year=new_year()).exists()
    for kid in kids:
        assert [r.school_class for r in open_roles(kid, org)] == [five]
    done.refresh_from_db()
    assert done.status == TransitionStatus.UNDONE and not done.can_undo
    with pytest.raises(ValidationError, match="уже отменён"):
        transition_undo(actor=admin(org), transition=done)
    # and the step can be run again afterwards
    assert transition_run(actor=admin(org), organisation=org).status == TransitionStatus.DONE


def test_the_first_import_after_the_step_ends_the_undo():
    """A roster import that changed the school (roster_applied from a file or SCIM) locks the undo: it could not
    tell the import's changes from the step's."""
    org, *_ = school()
    done = transition_run(actor=admin(org), organisation=org)
    roster_applied.send(sender=YearTransition, organisation_ids=[org.pk])  # the step's own signal locks nothing
    done.refresh_from_db()
    assert done.locked_at is None
    roster_applied.send(sender=None, organisation_ids=[org.pk])  # an import of the school
    done.refresh_from_db()
    assert done.locked_at is not None and not done.can_undo
    with pytest.raises(ValidationError, match="загружен контингент"):
        transition_undo(actor=admin(org), transition=done)
    assert SchoolClass.objects.filter(organisation=org, school_year=new_year()).exists()


def test_undo_is_refused_when_someone_joined_a_new_class_meanwhile():
    org, *_ = school()
    done = transition_run(actor=admin(org), organisation=org)
    six = SchoolClass.objects.get(organisation=org, school_year=new_year(), grade=6)
    newcomer = make_person()
    make_membership(person=newcomer, role=Role.STUDENT, organisation=org, school_class=six)
    with pytest.raises(ValidationError, match="после перехода добавлена 1 роль"):
        transition_undo(actor=admin(org), transition=done)
    assert open_roles(newcomer, org)[0].school_class == six


def test_the_district_runs_every_ready_school_and_reports_the_rest():
    municipality = make_municipality()
    ready, *_ = school(org=make_organisation(municipality=municipality, short_name="Школа 1"))
    blocked, *_ = school(org=make_organisation(municipality=municipality, short_name="Школа 2"))
    make_class(organisation=blocked, grade=2, letter="В", school_year=new_year())
    elsewhere, *_ = school()  # another district: never touched
    user, methodist = make_member(role=Role.METHODIST, municipality=municipality)
    actor = ar.for_membership(methodist, user=user)
    previews = district_previews(actor=actor)
    assert [p.organisation for p in previews] == [ready, blocked]
    done, skipped = district_run(actor=actor, previews=previews)
    assert [t.organisation for t in done] == [ready] and done[0].batch
    assert [o for o, _ in skipped] == [blocked] and "ещё не наступила" in skipped[0][1][0]
    assert not YearTransition.objects.filter(organisation=elsewhere).exists()


def test_the_preview_costs_the_same_queries_for_2_and_12_classes():
    def queries(n_classes):
        org = make_organisation()
        for i in range(n_classes):
            c = make_class(organisation=org, grade=1 + i % 11, letter="АБВГ"[i // 11], school_year=old_year())
            student_in(c)
        actor = operator()
        with CaptureQueriesContext(connection) as ctx:
            transition_preview(actor=actor, organisation=org)
        return len(ctx.captured_queries)

    assert queries(2) == queries(12)


# --- the property: the step and its undo restore every membership, class and chat state ----------------------

def snapshot(org):
    memberships = sorted(Membership.objects.filter(organisation=org).values_list(
        "pk", "person_id", "role", "school_class_id", "start_date", "end_date", "confirmation", "origin"))
    classes = sorted(SchoolClass.objects.filter(organisation=org).values_list(
        "pk", "school_year_id", "grade", "letter", "class_teacher_id", "external_id"))
    chats = sorted(Chat.objects.filter(organisation=org).values_list(
        "pk", "key", "title", "school_class_id", "read_only", "archived_at", "room_id"))
    plan = [(c.key, c.title, c.read_only, tuple(m.person_id for m in c.members)) for c in school_plan(org)]
    return memberships, classes, chats, plan


school_shapes = st.lists(
    st.tuples(st.integers(1, 11), st.sampled_from("АБ"), st.integers(0, 3), st.booleans(), st.booleans()),
    min_size=1, max_size=6, unique_by=lambda t: (t[0], t[1]))


@settings(max_examples=25, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
          deadline=None)
@given(shape=school_shapes, left=st.integers(0, 2))
def test_property_the_step_and_its_undo_restore_everything(shape, left):
    """For random schools — classes of any grade, pupils with or without a parent in the class, pupils who left
    during the year, linked class teachers with chats — running the step and undoing it restores every
    membership, class, chat row and the chat plan exactly; and while it stands, every open pupil of a class below
    the 11th is in the class one grade up with the same letter."""
    with transaction.atomic():  # each example in a savepoint of its own, rolled back after it
        org = make_organisation()
        year = old_year()
        for grade, letter, pupils, linked, chat in shape:
            teacher = make_person()
            make_membership(person=teacher, role=Role.TEACHER, organisation=org)
            if linked:
                MessengerAccount.objects.create(person=teacher, user_id=f"@t{teacher.pk}:s.test",
                                                status=AccountStatus.LINKED, linked_at=timezone.now())
            cls = make_class(organisation=org, grade=grade, letter=letter, class_teacher=teacher, school_year=year)
            for i in range(pupils):
                kid = student_in(cls, parent=i % 2 == 0)
                if i < left:  # left the school during the year: an ended role the step must not touch
                    Membership.objects.filter(person=kid, school_class=cls).update(end_date=year.start + timedelta(days=30))
            if chat:
                Chat.objects.create(organisation=org, key=f"students:{cls.pk}", kind=ChatKind.STUDENTS,
                                    title=f"{cls.title} — ученики", room_id=f"!r{cls.pk}:s.test", school_class=cls)
        before = snapshot(org)
        done = transition_run(actor=operator(), organisation=org)
        moved = Membership.objects.filter(organisation=org, role=Role.STUDENT, end_date=done.date,
                                          school_class__school_year=year).select_related("school_class")
        for old in moved:
            new = [r for r in open_roles(old.person, org) if r.role == Role.STUDENT]
            if old.school_class.grade >= 11:
                assert new == []
            else:
                assert [(r.school_class.grade, r.school_class.letter, r.school_class.school_year.start > year.start)
                        for r in new] == [(old.school_class.grade + 1, old.school_class.letter, True)]
        transition_undo(actor=operator(), transition=done)
        assert snapshot(org) == before
        transaction.set_rollback(True)


def test_the_default_day_is_the_first_of_september_of_the_new_year():
    org, *_ = school()
    assert transition_preview(actor=operator(), organisation=org).day == date(school_year_start(), 9, 1)
