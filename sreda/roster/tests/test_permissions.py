"""Who may import whose roster (R1: the active role decides; ARCHITECTURE rule 2)."""
import pytest
from django.core.exceptions import PermissionDenied

from sreda.core import active_role as ar
from sreda.core.models import AuditEntry
from sreda.core.testing import make_member
from sreda.orgs.models import Organisation
from sreda.people.models import Membership, Person
from sreda.people.roles import Role
from sreda.roster.services import roster_import
from sreda.roster.tests.factories import inn, school_roster, template_rows, write_template_csv

pytestmark = pytest.mark.django_db


def people_state():
    return list(Person.objects.values_list("id", "surname")), list(Membership.objects.values_list("id", "end_date"))


def test_administrator_imports_own_school_and_it_is_audited(tmp_path, school, admin_of):
    actor, user, _ = admin_of(school)
    result = roster_import(actor=actor, path=school_roster(school_inn=school.inn).write(tmp_path / "or"))
    assert result.applied and result.created == 4
    entry = AuditEntry.objects.get(action="roster.import")
    assert entry.actor == user and entry.organisation == school
    assert entry.details["created"] == 4 and entry.details["applied"] is True


def test_administrator_of_school_a_cannot_import_school_b(tmp_path, school, other_school, admin_of):
    """Given an administrator of A, a file with B is refused by name and nothing changes."""
    actor, _, _ = admin_of(school)
    before = people_state()
    result = roster_import(actor=actor, path=school_roster(school_inn=other_school.inn, school="B").write(tmp_path / "or"))
    assert not result.applied
    assert result.errors == [{"file": "orgs.csv", "line": 4, "column": "sourcedId",
                              "reason": f"«{other_school.short_name}»: Эта организация вне области вашей роли."}]
    assert people_state() == before

    with pytest.raises(PermissionDenied):
        roster_import(actor=actor, path=write_template_csv(tmp_path / "a.csv", template_rows()), organisation=other_school)
    assert people_state() == before


def test_director_may_import_but_not_create_organisations(tmp_path, school, admin_of):
    actor, _, _ = admin_of(school, role=Role.DIRECTOR)
    roster = school_roster(school_inn=school.inn)
    roster.org("new", "school", "Новая школа", inn(), parent="dist1")
    result = roster_import(actor=actor, path=roster.write(tmp_path / "or"))
    assert [(e["line"], e["reason"]) for e in result.errors] == [
        (5, "Организации «Новая школа» нет в Среде, а создавать их может только оператор региона")]
    assert Organisation.objects.count() == 1 and Person.objects.count() == 1  # the director alone


@pytest.mark.parametrize("role", [Role.TEACHER, Role.STUDENT, Role.PARENT, Role.STAFF])
def test_school_roles_without_the_right_cannot_import_at_all(tmp_path, school, role):
    user, membership = make_member(role=role, organisation=school)
    before = people_state()
    with pytest.raises(PermissionDenied, match="администратору ОО и руководителю ОО"):
        roster_import(actor=ar.for_membership(membership, user=user), path=school_roster(school_inn=school.inn).write(tmp_path / "or"))
    assert people_state() == before


def test_private_person_cannot_import(tmp_path, school):
    user, _ = make_member(role=Role.ADMINISTRATOR, organisation=school)
    with pytest.raises(PermissionDenied):
        roster_import(actor=ar.ActiveRole(user=user, key=ar.PRIVATE), path=school_roster(school_inn=school.inn).write(tmp_path / "or"))
