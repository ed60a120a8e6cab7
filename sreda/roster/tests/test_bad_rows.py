"""Bad input gets a clear error naming file, line, column and rule, and changes nothing (ARCHITECTURE rule 5)."""
import pytest

from sreda.orgs.models import Organisation
from sreda.people.models import Membership, Person
from sreda.roster.services import roster_import
from sreda.roster.tests.factories import school_roster, template_rows, write_template_csv

pytestmark = pytest.mark.django_db
# users.csv of school_roster(students=2): t1 line 2, s1 line 3, s2 line 4, p1 line 5.
# enrollments.csv: t1→5А 2, t1→maths 3, s1→5А 4, s1→maths 5, s2→5А 6, s2→maths 7.


def import_or(tmp_path, operator, roster, **kw):
    return roster_import(actor=operator, path=roster.write(tmp_path / "or"), **kw)


def only_error(result) -> dict:
    assert not result.applied
    assert len(result.errors) == 1, result.errors
    assert (result.created, result.updated, result.ended, result.unchanged) == (0, 0, 0, 0)
    assert Person.objects.count() == 0 and Membership.objects.count() == 0
    return result.errors[0]


def test_unknown_class(tmp_path, operator, school):
    roster = school_roster(school_inn=school.inn).enrol("c9z", "s2", "student")
    error = only_error(import_or(tmp_path, operator, roster))
    assert error == {"file": "enrollments.csv", "line": 8, "column": "classSourcedId",
                     "reason": "класс «c9z» не найден в classes.csv"}


def test_invalid_snils(tmp_path, operator, school):
    roster = school_roster(school_inn=school.inn).change("users.csv", "s1", identifier="112-233-445 00")
    error = only_error(import_or(tmp_path, operator, roster))
    assert (error["file"], error["line"], error["column"]) == ("users.csv", 3, "identifier")
    assert error["reason"] == "СНИЛС «112-233-445 00»: не сходится контрольное число — проверьте, нет ли опечатки."


def test_invalid_inn_of_a_school(tmp_path, operator):
    roster = school_roster(school_inn="7801234567")
    result = import_or(tmp_path, operator, roster)
    assert not result.applied and Organisation.objects.count() == 0
    assert result.errors == [{"file": "orgs.csv", "line": 4, "column": "identifier",
                              "reason": "ИНН «7801234567»: не сходится контрольное число — проверьте, нет ли опечатки."}]


def test_missing_required_column(tmp_path, operator, school):
    folder = school_roster(school_inn=school.inn).write(tmp_path / "or")
    users = (folder / "users.csv").read_text(encoding="utf-8").splitlines()
    header = users[0].split(",")
    at = header.index("familyName")
    (folder / "users.csv").write_text("\n".join(",".join(c for i, c in enumerate(line.split(",")) if i != at) for line in users),
                                      encoding="utf-8")
    error = only_error(roster_import(actor=operator, path=folder))
    assert error == {"file": "users.csv", "line": 1, "column": "familyName", "reason": "нет обязательного столбца «familyName»"}


def test_missing_required_value(tmp_path, operator, school):
    roster = school_roster(school_inn=school.inn).change("users.csv", "s2", givenName="")
    error = only_error(import_or(tmp_path, operator, roster))
    assert (error["line"], error["column"], error["reason"]) == (4, "givenName", "не заполнено обязательное поле «givenName»")


def test_duplicate_id(tmp_path, operator, school):
    roster = school_roster(school_inn=school.inn).user("s1", "student", "Двойников", "Пётр", orgs="sch1")
    error = only_error(import_or(tmp_path, operator, roster))
    assert (error["file"], error["line"], error["column"]) == ("users.csv", 6, "sourcedId")
    assert error["reason"] == "sourcedId «s1» повторяется (впервые в строке 3)"


def test_unknown_role(tmp_path, operator, school):
    roster = school_roster(school_inn=school.inn).change("users.csv", "p1", role="janitor")
    error = only_error(import_or(tmp_path, operator, roster))
    assert (error["line"], error["column"]) == (5, "role") and error["reason"].startswith("роль «janitor» неизвестна")


def test_bad_date(tmp_path, operator, school):
    roster = school_roster(school_inn=school.inn).change("demographics.csv", "s1", birthDate="31.02.2014")
    error = only_error(import_or(tmp_path, operator, roster))
    assert (error["file"], error["line"], error["column"]) == ("demographics.csv", 2, "birthDate")
    assert error["reason"] == "дата «31.02.2014»: ожидается ДД.ММ.ГГГГ или ГГГГ-ММ-ДД, например 20.11.2025"


def test_template_errors_name_russian_columns(tmp_path, operator, school):
    rows = template_rows(n_students=3)
    rows[1]["Класс"] = "пятый"
    rows[2]["Дата рождения"] = "2014/03/05"
    rows[3]["Роль"] = "Директор"
    rows.append(dict(rows[0]))
    result = roster_import(actor=operator, path=write_template_csv(tmp_path / "список.csv", rows), organisation=school)
    assert not result.applied and Person.objects.count() == 0
    assert [(e["file"], e["line"], e["column"]) for e in result.errors] == [
        ("список.csv", 3, "Класс"), ("список.csv", 4, "Дата рождения"), ("список.csv", 5, "Роль"), ("список.csv", 7, "ID"),
    ]
    assert result.errors[0]["reason"] == "класс «пятый»: ожидается параллель 1–11 и литера, например «5А»"
    assert result.errors[3]["reason"] == "ID «T1» с ролью «Учитель» повторяется (впервые в строке 2)"


def test_template_without_a_required_column(tmp_path, operator, school):
    path = tmp_path / "a.csv"
    path.write_text("ID,Фамилия,Имя\n1,Иванов,Иван\n", encoding="utf-8")
    result = roster_import(actor=operator, path=path, organisation=school)
    assert result.errors == [{"file": "a.csv", "line": 1, "column": "Роль", "reason": "нет обязательного столбца «Роль»"}]


def test_skip_bad_applies_good_rows_and_lists_skipped_ones_with_dependents(tmp_path, operator, school):
    """A bad student row is skipped, with its enrolments and its parent's link (they depend on it)."""
    roster = school_roster(school_inn=school.inn).change("users.csv", "s1", identifier="112-233-445 00")
    result = import_or(tmp_path, operator, roster, skip_bad=True)

    assert result.applied and result.errors == [] and result.created == 3
    assert [(s["file"], s["line"]) for s in result.skipped] == [
        ("enrollments.csv", 4), ("enrollments.csv", 5), ("users.csv", 3), ("users.csv", 5)]
    assert "не сходится контрольное число" in result.skipped[2]["reason"]
    assert result.skipped[0]["reason"] == "зависит от ошибочной строки users.csv:3"
    assert not Person.objects.filter(external_id="s1").exists()
    assert Person.objects.filter(external_id="s2").exists()


def test_skipped_person_keeps_their_memberships(tmp_path, operator, school):
    roster = school_roster(school_inn=school.inn)
    import_or(tmp_path, operator, roster)
    roster.change("users.csv", "s2", identifier="1")
    result = roster_import(actor=operator, path=roster.write(tmp_path / "again"), skip_bad=True)
    assert result.ended == 0 and [s["line"] for s in result.skipped if s["file"] == "users.csv"] == [4]
    assert Membership.objects.active().filter(person__external_id="s2").exists()


def test_snils_of_someone_else_in_sreda(tmp_path, operator, school):
    roster = school_roster(school_inn=school.inn)
    import_or(tmp_path, operator, roster)
    other = Person.objects.create(surname="Другой", name="Человек", snils="11223344595", external_id="x")
    before = list(Person.objects.order_by("id").values_list("id", "snils"))

    result = roster_import(actor=operator, path=roster.change("users.csv", "s1", identifier=other.snils).write(tmp_path / "b"))

    assert not result.applied
    assert [(e["line"], e["column"]) for e in result.errors] == [(3, "identifier")]
    assert result.errors[0]["reason"] == "СНИЛС 11223344595 уже записан в Среде у другого человека"
    assert list(Person.objects.order_by("id").values_list("id", "snils")) == before
