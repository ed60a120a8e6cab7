"""The plain template, CSV and XLSX, for one organisation (Foundation 7)."""
from datetime import date

import pytest

from sreda.orgs.models import SchoolClass
from sreda.people.models import Guardianship, Membership, Person, Sex
from sreda.people.roles import Role
from sreda.roster.engine.memberships import org_today
from sreda.roster.services import roster_import
from sreda.roster.tests.factories import template_rows, write_template_csv, write_template_xlsx

pytestmark = pytest.mark.django_db


def assert_school_imported(school):
    teacher = Person.objects.get(external_id=f"{school.inn}:T1")
    assert (teacher.surname, teacher.phone, teacher.email) == ("Петрова", "+79210000001", "petrova@example.org")
    membership = Membership.objects.get(person=teacher, role=Role.TEACHER, organisation=school)
    assert sorted(s.name for s in membership.subjects.all()) == ["Информатика", "Математика"]
    five_a = SchoolClass.objects.get(organisation=school, grade=5, letter="А")
    assert five_a.class_teacher == teacher
    s1 = Person.objects.get(external_id=f"{school.inn}:S1")
    assert s1.birth_date == date(2014, 3, 5) and s1.sex == Sex.FEMALE
    assert Membership.objects.get(person=s1, role=Role.STUDENT).school_class == five_a
    assert Guardianship.objects.filter(parent__external_id=f"{school.inn}:P1", child=s1).exists()


@pytest.mark.parametrize("options", [
    {"encoding": "utf-8", "delimiter": ","},
    {"bom": True, "delimiter": ","},
    {"encoding": "cp1251", "delimiter": ";"},  # as Excel saves «CSV (разделители — точка с запятой)»
], ids=["utf8-comma", "utf8-bom", "cp1251-semicolon"])
def test_csv_template(tmp_path, operator, school, options):
    path = write_template_csv(tmp_path / "список.csv", template_rows(), **options)
    result = roster_import(actor=operator, path=path, organisation=school)
    assert result.applied and (result.created, result.errors) == (4, [])
    assert_school_imported(school)


def test_xlsx_template_and_second_run(tmp_path, operator, school):
    path = write_template_xlsx(tmp_path / "список.xlsx", template_rows())
    first = roster_import(actor=operator, path=path, organisation=school)
    assert first.created == 4
    assert_school_imported(school)

    again = roster_import(actor=operator, path=path, organisation=school)
    assert (again.created, again.updated, again.ended, again.unchanged) == (0, 0, 0, 4)


def test_one_person_with_two_roles_and_a_removed_student(tmp_path, operator, school):
    rows = template_rows(n_students=2)
    rows.append({**rows[0], "Роль": "Законный представитель", "Класс": "", "Предметы": "", "Дети": "S2"})
    roster_import(actor=operator, path=write_template_csv(tmp_path / "a.csv", rows), organisation=school)
    teacher = Person.objects.get(external_id=f"{school.inn}:T1")
    assert sorted(teacher.memberships.values_list("role", flat=True)) == [Role.PARENT, Role.TEACHER]

    rows = [r for r in rows if r["ID"] != "S2" and "S2" not in r.get("Дети", "")]
    result = roster_import(actor=operator, path=write_template_csv(tmp_path / "b.csv", rows), organisation=school)
    assert result.ended == 2  # S2's student membership and T1's parent membership
    assert Membership.objects.get(person__external_id=f"{school.inn}:S2").end_date == org_today(school)


def test_template_needs_an_organisation(tmp_path, operator):
    result = roster_import(actor=operator, path=write_template_csv(tmp_path / "a.csv", template_rows()))
    assert not result.applied and "укажите организацию" in result.errors[0]["reason"]


def test_the_importer_keeps_their_own_roster_role_when_the_file_omits_them(tmp_path, operator, school, admin_of):
    """An administrator whose own role came from the roster is not locked out by their next import."""
    rows = template_rows()
    rows.append({"ID": "A1", "Фамилия": "Орлова", "Имя": "Ольга", "Роль": "Администратор ОО"})
    roster_import(actor=operator, path=write_template_csv(tmp_path / "a.csv", rows), organisation=school)
    admin_person = Person.objects.get(external_id=f"{school.inn}:A1")
    admin_role = Membership.objects.get(person=admin_person, role=Role.ADMINISTRATOR)
    actor, user, _ = admin_of(school)
    user.person = admin_person
    user.save()
    from sreda.core import active_role as ar
    acting = ar.for_membership(admin_role, user=user)

    result = roster_import(actor=acting, path=write_template_csv(tmp_path / "b.csv", template_rows()), organisation=school)

    assert result.applied and result.ended == 0
    admin_role.refresh_from_db()
    assert admin_role.end_date is None
