"""The permission matrix: every role × every action, decided by the active role only (R1)."""
import pytest

from sreda.core.active_role import PLATFORM_OPERATOR, PRIVATE, ActiveRole, for_membership
from sreda.core.permissions import Action, can, organisations_in_scope, require
from sreda.core.testing import make_membership, make_organisation, make_person, make_user
from sreda.people.roles import Role

# Written out by hand from DOMAIN.md's role table, not derived from the code: Y = allowed in own scope.
R = Role
MATRIX = {
    #                               priv op   reg  meth dir  adm  tch  stf  stu  par
    Action.SEARCH_ORGANISATIONS: "  Y    Y    Y    Y    Y    Y    Y    Y    Y    Y",
    Action.MANAGE_REGIONS:       "  .    Y    .    .    .    .    .    .    .    .",
    Action.MANAGE_ORGANISATIONS: "  .    Y    Y    .    .    .    .    .    .    .",
    Action.VIEW_ORGANISATION:    "  .    Y    Y    Y    Y    Y    Y    Y    .    .",
    Action.VIEW_ROSTER:          "  .    Y    Y    Y    Y    Y    Y    Y    .    .",
    Action.IMPORT_ROSTER:        "  .    Y    .    .    Y    Y    .    .    .    .",
    Action.VIEW_PERSONAL_DATA:   "  .    Y    .    .    Y    Y    .    .    .    .",
    Action.VIEW_AUDIT:           "  .    Y    Y    .    .    .    .    .    .    .",
    Action.MANAGE_TOKENS:        "  .    Y    .    Y    Y    Y    .    .    .    .",
    Action.SUBMIT_VERIFICATION:  "  .    .    .    .    Y    .    .    .    .    .",
    Action.REVIEW_VERIFICATIONS: "  .    Y    Y    .    .    .    .    .    .    .",
    Action.CONFIRM_MEMBERS:      "  .    .    .    .    Y    .    .    .    .    .",
    Action.VIEW_CONFIRMATION_REPORTS: "  .    Y    Y    .    .    .    .    .    .    .",
    Action.MANAGE_EMPLOYEES:     "  .    Y    .    .    Y    Y    .    .    .    .",
    Action.MANAGE_ACCESS_GROUPS: "  .    Y    .    .    Y    Y    .    .    .    .",
    Action.VIEW_STATS:           "  .    Y    Y    Y    Y    Y    .    .    .    .",
    Action.IMPORT_STATS:         "  .    Y    Y    Y    .    .    .    .    .    .",
    Action.MANAGE_PUBLIC_LINKS:  "  .    Y    Y    Y    .    .    .    .    .    .",
    Action.MANAGE_SCHEDULE:      "  .    Y    .    .    Y    Y    .    .    .    .",
    Action.VIEW_LIBRARY_ACCESS:  "  .    Y    .    .    Y    Y    .    .    .    .",
    Action.MANAGE_CATALOGUE:     "  .    Y    .    .    .    .    .    .    .    .",
    Action.ORDER_COURSES:        "  .    .    .    .    Y    Y    Y    .    .    .",
    Action.ASSIGN_LESSONS:       "  .    .    .    .    .    .    Y    .    .    .",
    Action.VIEW_ASSIGNMENTS:     "  .    .    .    .    .    .    .    .    Y    .",
    Action.MANAGE_CHATS:         "  .    Y    .    .    Y    Y    .    .    .    .",
    Action.CREATE_SUBJECT_CHAT:  "  .    .    .    .    .    .    Y    .    .    .",
    Action.JOIN_SCHOOL:          "  Y    .    .    .    .    .    .    .    .    .",
    Action.REVIEW_JOIN_REQUESTS: "  .    Y    .    .    Y    Y    .    .    .    .",
    Action.INVITE_PARENTS:       "  .    Y    .    .    Y    Y    Y    .    .    .",
    Action.VIEW_ONBOARDING:      "  .    Y    .    .    Y    Y    Y    .    .    .",
    Action.MANAGE_ACKNOWLEDGEMENTS: "  .    Y    .    .    Y    Y    .    .    .    .",
    Action.ACKNOWLEDGE_DOCUMENTS: "  .    .    .    .    Y    Y    Y    Y    .    .",
    Action.APPLY_DPO:            "  .    .    .    .    .    .    Y    Y    .    .",
    Action.APPROVE_DPO:          "  .    .    .    .    Y    .    .    .    .    .",
    Action.MANAGE_DPO:           "  .    Y    Y    .    .    .    .    .    .    .",
    Action.RUN_YEAR_TRANSITION:  "  .    Y    .    Y    Y    Y    .    .    .    .",
    Action.VIEW_EXCHANGE_HEALTH: "  .    Y    Y    Y    Y    Y    .    .    .    .",
}
COLUMNS = [PRIVATE, PLATFORM_OPERATOR, R.REGIONAL_OPERATOR, R.METHODIST, R.DIRECTOR, R.ADMINISTRATOR, R.TEACHER, R.STAFF, R.STUDENT, R.PARENT]


@pytest.fixture
def world(db):
    school = make_organisation()
    other_district_school = make_organisation()
    person = make_person()
    user = make_user(person=person, superuser=True)
    roles = {PRIVATE: ActiveRole(user=user, key=PRIVATE), PLATFORM_OPERATOR: ActiveRole(user=user, key=PLATFORM_OPERATOR)}
    for role in COLUMNS[2:]:
        if role == R.REGIONAL_OPERATOR:
            m = make_membership(person=person, role=role, region=school.municipality.region)
        elif role == R.METHODIST:
            m = make_membership(person=person, role=role, municipality=school.municipality)
        elif role == R.STUDENT:
            from sreda.core.testing import make_class
            m = make_membership(person=person, role=role, organisation=school, school_class=make_class(organisation=school))
        else:
            m = make_membership(person=person, role=role, organisation=school)
        roles[role] = for_membership(m, user=user)
    return school, other_district_school, roles


@pytest.mark.parametrize("action", list(MATRIX))
def test_each_role_may_do_exactly_what_the_matrix_says_in_its_own_school(world, action):
    school, _, roles = world
    expected = dict(zip(COLUMNS, MATRIX[action].split()))
    actual = {col: "Y" if can(roles[col], action, school) else "." for col in COLUMNS}
    assert actual == expected


@pytest.mark.parametrize("action", [a for a in MATRIX if a not in (Action.SEARCH_ORGANISATIONS, Action.JOIN_SCHOOL)])
def test_no_role_but_the_platform_operator_reaches_a_school_outside_its_scope(world, action):
    """A user of school A never sees school B (R1, security by default)."""
    _, elsewhere, roles = world
    allowed_elsewhere = {col for col in COLUMNS if can(roles[col], action, elsewhere)}
    assert allowed_elsewhere <= {PLATFORM_OPERATOR}


def test_the_active_role_decides_not_the_union_of_roles(world):
    """The same person is director and teacher: as teacher they cannot import (R1)."""
    school, _, roles = world
    assert can(roles[R.DIRECTOR], Action.IMPORT_ROSTER, school)
    with pytest.raises(Exception) as exc:
        require(roles[R.TEACHER], Action.IMPORT_ROSTER, school)
    assert "Смените роль" in str(exc.value)


def test_scope_of_oversight_roles(world):
    school, elsewhere, roles = world
    assert list(organisations_in_scope(roles[R.METHODIST])) == [school]
    assert list(organisations_in_scope(roles[R.REGIONAL_OPERATOR])) == [school]
    assert set(organisations_in_scope(roles[PLATFORM_OPERATOR])) == {school, elsewhere}
    assert not organisations_in_scope(roles[PRIVATE]).exists()


def test_require_explains_a_school_outside_the_scope(world):
    _, elsewhere, roles = world
    with pytest.raises(Exception, match="вне области"):
        require(roles[R.ADMINISTRATOR], Action.IMPORT_ROSTER, elsewhere)
