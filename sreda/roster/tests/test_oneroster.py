"""OneRoster 1.1 CSV import: folder and zip, upsert by sourcedId, ending, classes, guardians (Foundation 6)."""
from datetime import date

import pytest

from sreda.orgs.models import Municipality, Organisation, Region, ReportingPeriod, SchoolClass, SchoolYear, Subject
from sreda.people.models import Guardianship, Membership, MembershipOrigin, Person, Sex, User
from sreda.people.roles import Role
from sreda.roster.engine.memberships import org_today
from sreda.roster.services import roster_import
from sreda.roster.tests.factories import inn, school_roster

pytestmark = pytest.mark.django_db


def student(sid: str) -> Membership:
    return Membership.objects.get(person__external_id=sid, role=Role.STUDENT, end_date__isnull=True)


def test_folder_creates_the_region_school_classes_people_and_roles(tmp_path, operator):
    """Given a OneRoster folder of a new school, when the operator imports it, the whole structure appears (R4)."""
    school_inn = inn()
    result = roster_import(actor=operator, path=school_roster(school_inn=school_inn, students=3).write(tmp_path / "or"))

    assert result.applied and result.as_dict() == {"created": 5, "updated": 0, "ended": 0, "unchanged": 0,
                                                   "skipped": [], "errors": []}
    org = Organisation.objects.get(inn=school_inn)
    assert (org.full_name, org.short_name, org.external_id) == ("ГБОУ СОШ № 1 Калининского района",) * 2 + ("sch1",)
    assert org.municipality.name == "Калининский район" and org.municipality.region.code == "78"
    assert SchoolYear.objects.get(external_id="y2026").title == "2025/2026"
    assert ReportingPeriod.objects.get(external_id="t1").school_year.external_id == "y2026"
    assert sorted(c.title for c in SchoolClass.objects.filter(organisation=org)) == ["5А", "5Б"]
    assert student("s1").school_class.title == "5А" and student("s1").origin == MembershipOrigin.ROSTER
    teacher = Person.objects.get(external_id="t1")
    assert (teacher.surname, teacher.name, teacher.patronymic) == ("Петрова", "Мария", "Ивановна")
    assert teacher.phone == "+79210000001" and teacher.email == "petrova@example.org" and len(teacher.snils) == 11
    s1 = Person.objects.get(external_id="s1")
    assert s1.birth_date == date(2014, 3, 5) and s1.sex == Sex.FEMALE
    assert Membership.objects.get(person__external_id="p1").role == Role.PARENT
    assert not User.objects.filter(person__external_id__in=["t1", "s1", "p1"]).exists()  # accounts come by invitation


def test_zip_imports_like_the_folder(tmp_path, operator):
    result = roster_import(actor=operator, path=school_roster(school_inn=inn()).zip(tmp_path / "roster.zip"))
    assert result.applied and result.created == 4
    assert student("s2").school_class.title == "5А"


def test_second_run_changes_nothing(tmp_path, operator):
    """Idempotent upsert (ARCHITECTURE rule 4): the same file twice changes nothing the second time."""
    files = school_roster(school_inn=inn(), students=3).write(tmp_path / "or")
    roster_import(actor=operator, path=files)
    before = list(Membership.objects.values_list("id", "end_date", "school_class_id"))

    again = roster_import(actor=operator, path=files)

    assert (again.created, again.updated, again.ended, again.unchanged) == (0, 0, 0, 5)
    assert list(Membership.objects.values_list("id", "end_date", "school_class_id")) == before


def test_person_gone_from_the_roster_has_the_roster_membership_ended_not_deleted(tmp_path, operator, school):
    roster = school_roster(school_inn=school.inn, students=3)
    roster_import(actor=operator, path=roster.write(tmp_path / "a"))
    s3 = Person.objects.get(external_id="s3")
    manual = Membership.objects.create(person=s3, organisation=school, role=Role.PARENT, origin=MembershipOrigin.MANUAL)

    result = roster_import(actor=operator, path=roster.drop("users.csv", sourcedId="s3").drop("enrollments.csv", userSourcedId="s3").write(tmp_path / "b"))

    assert (result.ended, result.unchanged, result.updated) == (1, 4, 0)
    ended = Membership.objects.get(person=s3, role=Role.STUDENT)
    assert ended.end_date == org_today(school)
    manual.refresh_from_db()
    assert manual.end_date is None  # a membership made by hand is left alone


def test_tobedeleted_rows_are_treated_as_absent(tmp_path, operator, school):
    roster = school_roster(school_inn=school.inn)
    roster_import(actor=operator, path=roster.write(tmp_path / "a"))
    result = roster_import(actor=operator, path=roster.change("users.csv", "s2", status="tobedeleted").write(tmp_path / "b"))
    assert result.ended == 1
    assert not Membership.objects.active().filter(person__external_id="s2").exists()


def test_class_change_ends_the_old_class_membership_and_starts_a_new_one(tmp_path, operator, school):
    roster = school_roster(school_inn=school.inn)
    roster_import(actor=operator, path=roster.write(tmp_path / "a"))
    old = student("s2")
    for row in roster.files["enrollments.csv"]:
        if row["userSourcedId"] == "s2" and row["classSourcedId"] == "c5a":
            row["classSourcedId"] = "c5b"

    result = roster_import(actor=operator, path=roster.write(tmp_path / "b"))

    assert (result.updated, result.ended) == (1, 1)
    old.refresh_from_db()
    assert old.end_date == org_today(school) and old.school_class.title == "5А"
    new = student("s2")
    assert new.school_class.title == "5Б" and new.start_date == org_today(school) and new.origin == MembershipOrigin.ROSTER


def test_guardianship_from_agents_of_a_student_and_of_a_parent(tmp_path, operator, school):
    roster = school_roster(school_inn=school.inn, students=2)
    roster.user("p2", "guardian", "Ученикова2", "Нина", orgs="", agents="s2")  # school taken from the child
    roster_import(actor=operator, path=roster.write(tmp_path / "a"))

    pairs = set(Guardianship.objects.values_list("parent__external_id", "child__external_id"))
    assert pairs == {("p1", "s1"), ("p2", "s2")}
    assert Membership.objects.get(person__external_id="p2").organisation == school


def test_class_teacher_is_the_primary_teacher_of_the_homeroom(tmp_path, operator, school):
    roster = school_roster(school_inn=school.inn)
    roster.user("t2", "teacher", "Сидоров", "Павел", orgs="sch1").enrol("c5b", "t2", "teacher", primary="true")
    roster_import(actor=operator, path=roster.write(tmp_path / "a"))

    assert SchoolClass.objects.get(organisation=school, grade=5, letter="А").class_teacher.external_id == "t1"
    assert SchoolClass.objects.get(organisation=school, grade=5, letter="Б").class_teacher.external_id == "t2"


def test_teacher_gets_the_subjects_of_scheduled_classes(tmp_path, operator, school):
    """R15.6/R16: a teacher's subjects come from their scheduled classes; an unknown one is not supported."""
    roster = school_roster(school_inn=school.inn)
    roster.scheduled("rob", "Робототехника 5А", "sch1", "Робототехника").enrol("rob", "t1", "teacher")
    roster_import(actor=operator, path=roster.write(tmp_path / "a"))

    teacher = Membership.objects.get(person__external_id="t1", role=Role.TEACHER)
    assert sorted(s.name for s in teacher.subjects.all()) == ["Математика", "Робототехника"]
    assert Subject.objects.get(name="Математика").supported and not Subject.objects.get(name="Робототехника").supported

    roster.drop("enrollments.csv", classSourcedId="rob")
    result = roster_import(actor=operator, path=roster.write(tmp_path / "b"))
    assert result.updated == 1
    assert [s.name for s in teacher.subjects.all()] == ["Математика"]


def test_existing_school_found_by_inn_gets_the_sourced_id(tmp_path, operator, other_school):
    result = roster_import(actor=operator, path=school_roster(school_inn=other_school.inn, school="X-1").write(tmp_path / "a"))
    assert result.applied
    other_school.refresh_from_db()
    assert other_school.external_id == "X-1" and student("s1").organisation == other_school
    assert Region.objects.filter(code="78").count() == 1 and Municipality.objects.filter(external_id="dist1").exists()


def test_person_matched_by_snils_keeps_one_record(tmp_path, operator, school):
    roster = school_roster(school_inn=school.inn)
    snils = roster.files["users.csv"][0]["identifier"]
    known = Person.objects.create(surname="Петрова", name="Мария", snils=snils)
    roster_import(actor=operator, path=roster.write(tmp_path / "a"))
    known.refresh_from_db()
    assert known.external_id == "t1" and known.patronymic == "Ивановна"
    assert Person.objects.filter(snils=snils).count() == 1
