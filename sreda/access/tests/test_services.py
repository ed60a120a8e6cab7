"""R13: adding employees of a school to an access group and removing them, through the services.

Every refusal is checked to change nothing (no member rows, no audit entry)."""
import time

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sreda.access.models import AccessGroup, AccessGroupMember
from sreda.access.selectors import UB_TSOK_GROUP_CODE, is_in_access_group, person_access_groups
from sreda.access.services import EMPTY_SELECTION, MAX_SELECTION, group_members_add, group_members_remove
from sreda.access.tests.factories import GROUP, OWNER, SYSTEM, add_employees, make_group
from sreda.core.models import AuditEntry
from sreda.core.testing import (
    active_role_of, make_class, make_member, make_membership, make_organisation, make_person,
    make_user,
)
from sreda.people.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def school():
    return make_organisation(short_name="МБОУ СОШ № 5")


@pytest.fixture
def admin(school):
    user, membership = make_member(role=Role.ADMINISTRATOR, organisation=school)
    return active_role_of(user, membership)


@pytest.fixture
def group():
    return AccessGroup.objects.select_related("system").get(code=UB_TSOK_GROUP_CODE)


def teachers(school, count=2, **kw):
    return [make_membership(person=make_person(**kw), role=Role.TEACHER, organisation=school).person
            for _ in range(count)]


def members(group, school):
    return set(AccessGroupMember.objects.filter(group=group, organisation=school, removed_at__isnull=True)
               .values_list("person_id", flat=True))


def audit_count(action):
    return AuditEntry.objects.filter(action=action).count()


def test_r13_the_seed_group_of_the_ministry_exists_from_the_migration():
    group = AccessGroup.objects.select_related("system").get(code=UB_TSOK_GROUP_CODE)
    assert group.name == GROUP == "Педагоги. Доступ к УБ ЦОК"
    assert group.system.name == SYSTEM == "Госуслуги Моя школа"
    assert group.system.owner_name == OWNER == (
        "Министерство цифрового развития, связи и массовых коммуникаций Российской Федерации")
    assert "«Госуслуги. Моя школа»" in group.description and "УБ ЦОК" in group.description
    assert "госуслуги моя школа" in group.search_text and "педагоги. доступ к уб цок" in group.search_text


def test_r13_an_administrator_adds_several_employees_at_once_and_it_is_audited(school, admin, group):
    people = teachers(school, 3)

    added = group_members_add(actor=admin, group=group, person_ids=[p.pk for p in people])

    assert added == 3
    assert members(group, school) == {p.pk for p in people}
    row = AccessGroupMember.objects.get(person=people[0])
    assert row.added_by == admin.user and row.organisation == school and row.removed_at is None
    entry = AuditEntry.objects.get(action="access_group.members_add")
    assert entry.organisation == school and entry.actor == admin.user
    assert entry.details["added"] == 3 and entry.details["person_ids"] == sorted(p.pk for p in people)
    assert entry.object_id == str(group.pk)


@pytest.mark.parametrize("role", [Role.DIRECTOR, Role.STAFF, Role.ADMINISTRATOR])
def test_r13_every_staff_role_counts_as_an_employee_and_the_director_may_add(school, group, role):
    director_user, director = make_member(role=Role.DIRECTOR, organisation=school)
    person = make_membership(person=make_person(), role=role, organisation=school).person

    assert group_members_add(actor=active_role_of(director_user, director), group=group, person_ids=[person.pk]) == 1


def test_r13_adding_again_is_harmless_and_adds_only_the_new_people(school, admin, group):
    first, second, third = teachers(school, 3)
    group_members_add(actor=admin, group=group, person_ids=[first.pk, second.pk])

    assert group_members_add(actor=admin, group=group, person_ids=[first.pk, second.pk]) == 0
    assert group_members_add(actor=admin, group=group, person_ids=[second.pk, third.pk, third.pk]) == 1

    assert members(group, school) == {first.pk, second.pk, third.pk}
    assert AccessGroupMember.objects.filter(group=group).count() == 3
    assert AuditEntry.objects.filter(action="access_group.members_add").order_by("id").last().details["person_ids"] == [third.pk]


def test_r13_a_person_of_another_school_is_refused_without_revealing_who_they_are(school, admin, group):
    other = make_organisation()
    stranger = make_membership(person=make_person(surname="Чужакова"), role=Role.TEACHER, organisation=other).person
    mine = teachers(school, 1)[0]

    with pytest.raises(ValidationError) as refused:
        group_members_add(actor=admin, group=group, person_ids=[mine.pk, stranger.pk])

    message = " ".join(refused.value.messages)
    assert f"Не найдены среди сотрудников «МБОУ СОШ № 5» (идентификаторы): {stranger.pk}." in message
    assert "Чужакова" not in message
    assert "Ничего не изменено" in message
    assert members(group, school) == set() and audit_count("access_group.members_add") == 0


def test_r13_a_parent_student_or_former_employee_of_the_school_is_refused_by_name(school, admin, group):
    parent = make_membership(person=make_person(surname="Родителева", name="Ольга", patronymic="Ивановна"),
                             role=Role.PARENT, organisation=school).person
    student = make_membership(person=make_person(surname="Ученикова", name="Алёна", patronymic=""),
                              role=Role.STUDENT, organisation=school, school_class=make_class(organisation=school)).person
    former = make_membership(person=make_person(surname="Ушедшая", name="Мария", patronymic="Петровна"),
                             role=Role.TEACHER, organisation=school, end_date="2020-06-30").person
    mine = teachers(school, 1)[0]

    with pytest.raises(ValidationError) as refused:
        group_members_add(actor=admin, group=group, person_ids=[mine.pk, parent.pk, student.pk, former.pk])

    message = " ".join(refused.value.messages)
    assert message.startswith("Не сотрудники «МБОУ СОШ № 5» — добавить в группу можно только сотрудников своей школы: ")
    assert "Родителева О. И." in message and "Ученикова А." in message and "Ушедшая М. П." in message
    assert members(group, school) == set()  # the valid employee was not added either: all or nothing


@pytest.mark.parametrize("person_ids, expected", [
    ([], EMPTY_SELECTION),
    (None, EMPTY_SELECTION),
    (["abc"], "Неверные идентификаторы сотрудников: abc."),
    ([0], "Неверные идентификаторы сотрудников: 0."),
    ([2**64], f"Неверные идентификаторы сотрудников: {str(2**64)[:20]}."),
    ([999_999_999], "Не найдены среди сотрудников «МБОУ СОШ № 5» (идентификаторы): 999999999."),
    (list(range(1, MAX_SELECTION + 2)), f"За один раз можно выбрать не больше {MAX_SELECTION} сотрудников."),
])
def test_r13_bad_selection_gets_a_clear_russian_message_and_changes_nothing(school, admin, group, person_ids, expected):
    with pytest.raises(ValidationError) as refused:
        group_members_add(actor=admin, group=group, person_ids=person_ids)

    assert expected in " ".join(refused.value.messages)
    assert AccessGroupMember.objects.count() == 0 and audit_count("access_group.members_add") == 0


@pytest.mark.parametrize("role", [Role.TEACHER, Role.STAFF])
def test_r13_a_teacher_cannot_add_even_themself(school, group, role):
    user, membership = make_member(role=role, organisation=school)

    with pytest.raises(PermissionDenied, match="руководитель и администратор ОО"):
        group_members_add(actor=active_role_of(user, membership), group=group, person_ids=[user.person.pk])
    assert AccessGroupMember.objects.count() == 0


def test_r13_the_active_role_decides_not_the_union_of_roles(school, group):
    """R1: an administrator acting as a private person or as a methodist cannot add."""
    user, _ = make_member(role=Role.ADMINISTRATOR, organisation=school)
    methodist = make_membership(person=user.person, role=Role.METHODIST, municipality=school.municipality)
    person = teachers(school, 1)[0]

    for actor in (active_role_of(user), active_role_of(user, methodist)):
        with pytest.raises(PermissionDenied):
            group_members_add(actor=actor, group=group, person_ids=[person.pk])
    assert AccessGroupMember.objects.count() == 0


def test_r13_an_administrator_cannot_act_for_another_school(school, admin, group):
    other = make_organisation()
    theirs = teachers(other, 1)[0]

    with pytest.raises(PermissionDenied, match="вне области"):
        group_members_add(actor=admin, group=group, person_ids=[theirs.pk], organisation=other)
    assert AccessGroupMember.objects.count() == 0


def test_r13_the_platform_operator_names_the_school(school, group):
    operator = active_role_of(make_user(superuser=True))
    person = teachers(school, 1)[0]

    with pytest.raises(ValidationError, match="Укажите организацию"):
        group_members_add(actor=operator, group=group, person_ids=[person.pk])
    assert group_members_add(actor=operator, group=group, person_ids=[person.pk], organisation=school) == 1
    assert members(group, school) == {person.pk}


def test_r13_two_schools_keep_separate_rows_for_the_same_person(group):
    """A teacher working in two schools is added by each school's administrator separately."""
    a, b = make_organisation(), make_organisation()
    person = make_person()
    make_membership(person=person, role=Role.TEACHER, organisation=a)
    make_membership(person=person, role=Role.TEACHER, organisation=b)
    for school in (a, b):
        user, membership = make_member(role=Role.ADMINISTRATOR, organisation=school)
        assert group_members_add(actor=active_role_of(user, membership), group=group, person_ids=[person.pk]) == 1
    assert members(group, a) == members(group, b) == {person.pk}


# --- removal --------------------------------------------------------------------------------------------


def test_r13_removing_ends_the_membership_keeps_history_and_is_audited(school, admin, group):
    stays, leaves = teachers(school, 2)
    group_members_add(actor=admin, group=group, person_ids=[stays.pk, leaves.pk])

    assert group_members_remove(actor=admin, group=group, person_ids=[leaves.pk]) == 1

    assert members(group, school) == {stays.pk}
    ended = AccessGroupMember.objects.get(person=leaves)
    assert ended.removed_at is not None and ended.removed_by == admin.user
    entry = AuditEntry.objects.get(action="access_group.members_remove")
    assert entry.details["removed"] == 1 and entry.details["person_ids"] == [leaves.pk]
    # a retry changes nothing; adding back makes a new row and keeps the old one
    assert group_members_remove(actor=admin, group=group, person_ids=[leaves.pk]) == 0
    assert group_members_add(actor=admin, group=group, person_ids=[leaves.pk]) == 1
    assert AccessGroupMember.objects.filter(person=leaves).count() == 2
    assert members(group, school) == {stays.pk, leaves.pk}


def test_r13_removing_someone_never_in_the_group_is_refused_by_name_and_changes_nothing(school, admin, group):
    member, outsider = teachers(school, 2, surname="Петрова", name="Анна", patronymic="Сергеевна")
    group_members_add(actor=admin, group=group, person_ids=[member.pk])

    with pytest.raises(ValidationError) as refused:
        group_members_remove(actor=admin, group=group, person_ids=[member.pk, outsider.pk])

    assert "Не состоят в группе: Петрова А. С." in " ".join(refused.value.messages)
    assert members(group, school) == {member.pk}
    assert audit_count("access_group.members_remove") == 0


def test_r13_a_school_cannot_remove_another_schools_member(school, admin, group):
    other = make_organisation()
    other_user, other_admin = make_member(role=Role.ADMINISTRATOR, organisation=other)
    theirs = teachers(other, 1)[0]
    group_members_add(actor=active_role_of(other_user, other_admin), group=group, person_ids=[theirs.pk])

    with pytest.raises(ValidationError, match="Не найдены среди сотрудников"):
        group_members_remove(actor=admin, group=group, person_ids=[theirs.pk])
    assert members(group, other) == {theirs.pk}


def test_r13_removing_an_empty_selection_is_refused(school, admin, group):
    with pytest.raises(ValidationError, match=EMPTY_SELECTION):
        group_members_remove(actor=admin, group=group, person_ids=[])


# --- size: 500 at once -------------------------------------------------------------------------------


def _timed_add(admin, group, people):
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        added = group_members_add(actor=admin, group=group, person_ids=[p.pk for p in people])
        elapsed = time.perf_counter() - started
    assert added == len(people)
    return len(queries), elapsed


def test_r13_adding_500_takes_under_2_seconds_with_as_many_queries_as_adding_5(school, admin, group):
    few, many = add_employees(organisation=school, count=5), add_employees(organisation=school, count=500)

    few_queries, _ = _timed_add(admin, group, few)
    many_queries, elapsed = _timed_add(admin, group, many)

    assert many_queries == few_queries <= 5  # savepoint, check, insert, audit, release
    assert elapsed < 2.0, f"500 employees took {elapsed:.2f} s"
    assert len(members(group, school)) == 505


def test_r13_removing_500_costs_as_many_queries_as_removing_5(school, admin, group):
    people = add_employees(organisation=school, count=505)
    group_members_add(actor=admin, group=group, person_ids=[p.pk for p in people])

    counts = []
    for chunk in (people[:5], people[5:]):
        with CaptureQueriesContext(connection) as queries:
            assert group_members_remove(actor=admin, group=group, person_ids=[p.pk for p in chunk]) == len(chunk)
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 6
    assert members(group, school) == set()


# --- what later parts read (R15 step 3) ------------------------------------------------------------------


def test_r15_person_access_groups_lists_the_groups_of_that_school_only(school, admin, group):
    other_group = make_group(name="Другая группа")
    person = teachers(school, 1)[0]
    second_school = make_organisation()
    make_membership(person=person, role=Role.TEACHER, organisation=second_school)
    group_members_add(actor=admin, group=group, person_ids=[person.pk])
    group_members_add(actor=admin, group=other_group, person_ids=[person.pk])

    assert list(person_access_groups(person=person, organisation=school)) == [group, other_group]  # by system
    assert list(person_access_groups(person=person, organisation=second_school)) == []
    assert is_in_access_group(person=person, organisation=school)
    assert not is_in_access_group(person=person, organisation=second_school)
    group_members_remove(actor=admin, group=group, person_ids=[person.pk])
    assert not is_in_access_group(person=person, organisation=school)
    assert list(person_access_groups(person=person, organisation=school)) == [other_group]

