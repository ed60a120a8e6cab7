"""«Сотрудники» (R12): the school's employees listed, searched, filtered and paged with the СНИЛС masked;
their data and role edited, a role change ending the old role so history stays; every change audited;
bad input explained in Russian and changing nothing."""
import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sreda.core.models import AuditEntry
from sreda.core.testing import act_as, active_role_of, make_member, make_membership, make_organisation, make_person
from sreda.people import employees
from sreda.people.models import Confirmation, Membership, Person
from sreda.people.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def school():
    return make_organisation(short_name="МБОУ СОШ № 5")


@pytest.fixture
def admin(school):
    user, membership = make_member(role=Role.ADMINISTRATOR, organisation=school,
                                   person=make_person(surname="Соколов", name="Пётр", patronymic="Андреевич"))
    return user, membership


@pytest.fixture
def admin_client(client, admin):
    act_as(client, *admin)
    return client


def teacher(school, **person):
    defaults = {"surname": "Петрова", "name": "Мария", "patronymic": "Ивановна", "snils": "11223344595",
                "email": "petrova@school.ru"}
    defaults.update(person)
    return make_membership(person=make_person(**defaults), role=Role.TEACHER, organisation=school,
                           confirmation=Confirmation.CONFIRMED)


def edit_data(membership, **changes):
    person = membership.person
    data = {"surname": person.surname, "name": person.name, "patronymic": person.patronymic, "email": person.email,
            "phone": person.phone, "snils": person.snils or "", "role": membership.role}
    data.update(changes)
    return data


# --- the list -------------------------------------------------------------------------------------------

def test_r12_the_list_shows_staff_only_with_the_snils_masked(admin_client, school):
    teacher(school)
    make_membership(person=make_person(surname="Ученик"), role=Role.PARENT, organisation=school)
    ended = teacher(school, surname="Ушедшая", snils=None)
    Membership.objects.filter(pk=ended.pk).update(end_date=timezone.localdate())
    teacher(make_organisation(), surname="Чужая", snils=None)

    page = admin_client.get("/people/employees/").content.decode()

    assert "Петрова Мария Ивановна" in page and "Соколов Пётр Андреевич" in page
    assert "Ученик" not in page and "Ушедшая" not in page and "Чужая" not in page
    assert "***-***-445 **" in page and "112-233-445 95" not in page
    assert "Изменить" in page and "Пригласить сотрудника" in page


def test_search_ignores_case_and_yo_and_the_role_filter_counts(admin_client, school):
    teacher(school, surname="Ёлкина", name="Алёна", snils=None)
    teacher(school, snils=None)

    found = admin_client.get("/people/employees/", {"q": "елкина АЛЕНА"}).content.decode()
    assert "Ёлкина Алёна" in found and "Петрова" not in found

    admins = admin_client.get("/people/employees/", {"role": "administrator"}).content.decode()
    assert "Соколов" in admins and "Петрова" not in admins
    assert "Учитель (2)" in admins and "Администратор ОО (1)" in admins


def test_the_list_is_paginated_and_its_queries_do_not_grow(admin_client, school):
    def queries():
        with CaptureQueriesContext(connection) as ctx:
            assert admin_client.get("/people/employees/").status_code == 200
        return len(ctx)

    for n in range(3):
        teacher(school, surname=f"Учитель{n:02d}", snils=None)
    queries()
    few = queries()
    for n in range(3, 30):
        teacher(school, surname=f"Учитель{n:02d}", snils=None)
    assert queries() == few
    second = admin_client.get("/people/employees/?page=2").content.decode()
    assert "Показано 26–31 из 31" in second


@pytest.mark.parametrize("role", [Role.TEACHER, Role.STAFF, Role.PARENT])
def test_only_the_director_and_administrator_open_the_list(client, school, role):
    act_as(client, *make_member(role=role, organisation=school))

    response = client.get("/people/employees/")

    assert response.status_code == 403
    assert "руководитель и администратор ОО" in response.content.decode()


def test_another_schools_employee_is_not_found(client, school):
    row = teacher(school)
    act_as(client, *make_member(role=Role.ADMINISTRATOR, organisation=make_organisation()))

    assert client.get(f"/people/employees/{row.pk}/edit/").status_code == 404
    assert client.post(f"/people/employees/{row.pk}/edit/", edit_data(row, surname="Взлом")).status_code == 404
    assert Person.objects.get(pk=row.person_id).surname == "Петрова"


# --- editing --------------------------------------------------------------------------------------------

def test_r12_opening_the_form_shows_the_full_data_and_is_audited(admin_client, school):
    row = teacher(school, phone="+79210000001")

    page = admin_client.get(f"/people/employees/{row.pk}/edit/").content.decode()

    assert 'value="112-233-445 95"' in page and 'value="+7 (921) 000-00-01"' in page
    assert 'value="petrova@school.ru"' in page
    assert AuditEntry.objects.filter(action="personal_data.view", object_id=str(row.person_id)).exists()


def test_r12_editing_data_through_the_page(admin_client, school):
    row = teacher(school)

    response = admin_client.post(f"/people/employees/{row.pk}/edit/", edit_data(
        row, surname="Петрова-Ёлкина", email="New@School.ru", phone="8 (921) 000-00-02", snils="123 456 789 64"))

    assert response.status_code == 302 and response.url == "/people/employees/"
    person = Person.objects.get(pk=row.person_id)
    assert (person.surname, person.email, person.phone, person.snils) == (
        "Петрова-Ёлкина", "new@school.ru", "+79210000002", "12345678964")
    assert person.sort_key.startswith("петрова-елкина")
    page = admin_client.get("/people/employees/").content.decode()
    assert "изменено — фамилия, e-mail, телефон, СНИЛС" in page
    entry = AuditEntry.objects.get(action="employee.update")
    assert entry.details["changed"] == ["фамилия", "e-mail", "телефон", "СНИЛС"]
    assert "12345678964" not in str(entry.details)  # the audit says what changed, not the number


def test_r12_a_role_change_ends_the_old_role_and_keeps_history(admin_client, school):
    row = teacher(school)

    response = admin_client.post(f"/people/employees/{row.pk}/edit/", edit_data(row, role=Role.STAFF))

    assert response.status_code == 302
    old = Membership.objects.get(pk=row.pk)
    new = Membership.objects.get(person=row.person, end_date__isnull=True)
    assert old.end_date == timezone.localdate() and not old.is_active
    assert (new.role, new.start_date, new.confirmation) == (Role.STAFF, timezone.localdate(), Confirmation.CONFIRMED)
    page = admin_client.get("/people/employees/").content.decode()
    assert "Сотрудник" in page and f"/people/employees/{new.pk}/edit/" in page
    assert f"/people/employees/{old.pk}/edit/" not in page
    entry = AuditEntry.objects.get(action="employee.update")
    assert entry.details["role"] == {"from": "teacher", "to": "staff"}
    # the person's page keeps both roles: history stays
    history = admin_client.get(f"/people/{row.person_id}/").content.decode()
    assert "Учитель" in history and "Сотрудник" in history


@pytest.mark.parametrize("field, value, message", [
    ("snils", "112-233-445 96", "не сходится контрольное число"),
    ("snils", "112-233", "должно быть 11 цифр"),
    ("email", "petrova@", "это не адрес электронной почты"),
    ("phone", "12345", "ожидается 10 цифр после +7"),
    ("surname", "", "Укажите фамилию"),
])
def test_bad_input_is_explained_and_changes_nothing(admin_client, school, field, value, message):
    row = teacher(school)
    before = list(Person.objects.filter(pk=row.person_id).values())

    response = admin_client.post(f"/people/employees/{row.pk}/edit/", edit_data(row, **{field: value}, role=Role.STAFF))

    assert response.status_code == 400 and message in response.content.decode()
    assert list(Person.objects.filter(pk=row.person_id).values()) == before
    assert Membership.objects.get(pk=row.pk).is_active and Membership.objects.filter(person=row.person).count() == 1
    assert not AuditEntry.objects.filter(action="employee.update").exists()


def test_a_snils_of_someone_else_is_refused(admin_client, school):
    row = teacher(school, snils=None)
    teacher(school, surname="Другая", snils="12345678964")

    response = admin_client.post(f"/people/employees/{row.pk}/edit/", edit_data(row, snils="123-456-789 64"))

    assert response.status_code == 400 and "уже записан у другого человека" in response.content.decode()
    assert Person.objects.get(pk=row.person_id).snils is None


def test_the_directors_role_is_not_editable_here(admin_client, school, admin):
    director = make_membership(person=make_person(surname="Кузнецова"), role=Role.DIRECTOR, organisation=school)

    page = admin_client.get(f"/people/employees/{director.pk}/edit/").content.decode()
    assert "Роль руководителя здесь не меняется" in page
    admin_client.post(f"/people/employees/{director.pk}/edit/", edit_data(director, role=Role.TEACHER))
    assert Membership.objects.get(pk=director.pk).is_active

    with pytest.raises(ValidationError, match="Роль руководителя здесь не меняется"):
        employees.employee_update(actor=active_role_of(*admin), membership=director,
                                  **edit_data(director, role=Role.TEACHER))
    assert Membership.objects.filter(person=director.person).count() == 1


def test_one_cannot_change_ones_own_role(admin_client, admin):
    user, membership = admin

    with pytest.raises(ValidationError, match="Свою роль изменить нельзя"):
        employees.employee_update(actor=active_role_of(user, membership), membership=membership,
                                  **edit_data(membership, role=Role.TEACHER))

    assert Membership.objects.get(pk=membership.pk).is_active


def test_a_second_editor_of_the_same_row_is_told_it_changed(school, admin):
    row = teacher(school)
    actor = active_role_of(*admin)
    employees.employee_update(actor=actor, membership=row, **edit_data(row, role=Role.STAFF))

    with pytest.raises(ValidationError, match="уже изменена или завершена"):
        employees.employee_update(actor=actor, membership=row, **edit_data(row, role=Role.ADMINISTRATOR))

    assert list(Membership.objects.filter(person=row.person, end_date__isnull=True).values_list("role", flat=True)) == ["staff"]


def test_a_role_the_person_already_holds_is_refused(school, admin):
    row = teacher(school)
    make_membership(person=row.person, role=Role.STAFF, organisation=school)

    with pytest.raises(ValidationError, match="уже есть роль «Сотрудник»"):
        employees.employee_update(actor=active_role_of(*admin), membership=row, **edit_data(row, role=Role.STAFF))
