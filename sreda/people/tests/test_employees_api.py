"""«Сотрудники» through the API (R12): the list and the update, the four clients, bad input changing
nothing."""
import json

import pytest

from sreda.api.models import SCOPE_READ, SCOPE_STAFF_WRITE
from sreda.api.tests.factories import bearer, issue
from sreda.core.models import AuditEntry
from sreda.core.testing import make_membership, make_organisation, make_person
from sreda.people.models import Confirmation, Membership, Person
from sreda.people.roles import Role

pytestmark = pytest.mark.django_db
WRITE = (SCOPE_READ, SCOPE_STAFF_WRITE)


@pytest.fixture
def school():
    return make_organisation(short_name="МБОУ СОШ № 5")


@pytest.fixture
def row(school):
    person = make_person(surname="Петрова", name="Мария", patronymic="Ивановна", snils="11223344595")
    return make_membership(person=person, role=Role.TEACHER, organisation=school, confirmation=Confirmation.CONFIRMED)


def token(organisation, role=Role.ADMINISTRATOR, scopes=WRITE):
    return bearer(issue(role=role, organisation=organisation, scopes=scopes))


def patch(client, url, body, headers):
    return client.patch(url, data=json.dumps(body), content_type="application/json", **headers)


def test_r12_the_list_masks_the_snils_and_filters(client, school, row):
    make_membership(person=make_person(surname="Ученик"), role=Role.PARENT, organisation=school)
    url = f"/api/v1/organisations/{school.pk}/employees"

    data = client.get(url, **token(school)).json()
    teachers = client.get(url, {"role": "teacher", "q": "ПЕТРОВА"}, **token(school)).json()
    nobody = client.get(url, {"role": "staff"}, **token(school)).json()

    assert data["count"] == 1
    assert data["items"][0]["snils"] == "***-***-445 **" and data["items"][0]["role_label"] == "Учитель"
    assert teachers["count"] == 1 and nobody["count"] == 0


def test_r12_update_data_and_role(client, school, row):
    response = patch(client, f"/api/v1/employees/{row.pk}", {"email": "New@school.ru", "role": "staff"}, token(school))

    assert response.status_code == 200, response.json()
    data = response.json()
    assert data["role"] == "staff" and data["id"] != row.pk and data["ended_id"] == row.pk
    assert data["changed"] == ["email", "role"]
    assert Person.objects.get(pk=row.person_id).email == "new@school.ru"
    assert not Membership.objects.get(pk=row.pk).is_active
    assert AuditEntry.objects.filter(action="employee.update").count() == 1
    # the old row is gone from the employees; the new one can be edited
    assert patch(client, f"/api/v1/employees/{row.pk}", {"name": "Анна"}, token(school)).status_code == 404
    assert patch(client, f"/api/v1/employees/{data['id']}", {"name": "Анна"}, token(school)).status_code == 200


@pytest.mark.parametrize("body, message", [
    ({"snils": "112-233-445 96"}, "не сходится контрольное число"),
    ({"email": "почта"}, "это не адрес электронной почты"),
    ({"phone": "123"}, "ожидается 10 цифр после +7"),
    ({"role": "director"}, "можно назначить только"),
    ({"surname": ""}, "Укажите фамилию"),
])
def test_bad_input_is_422_and_changes_nothing(client, school, row, body, message):
    before = list(Person.objects.filter(pk=row.person_id).values())

    response = patch(client, f"/api/v1/employees/{row.pk}", body, token(school))

    assert response.status_code == 422 and message in response.json()["detail"]
    assert list(Person.objects.filter(pk=row.person_id).values()) == before
    assert Membership.objects.get(pk=row.pk).is_active


def test_the_four_clients(client, school, row):
    list_url, edit_url = f"/api/v1/organisations/{school.pk}/employees", f"/api/v1/employees/{row.pk}"
    other = make_organisation()

    assert client.get(list_url).status_code == 401
    assert patch(client, edit_url, {"name": "X"}, {}).status_code == 401
    assert client.get(list_url, **token(other)).status_code == 404
    assert patch(client, edit_url, {"name": "X"}, token(other)).status_code == 404
    for role in (Role.TEACHER, Role.PARENT):
        assert client.get(list_url, **token(school, role=role)).status_code == 403
        assert patch(client, edit_url, {"name": "X"}, token(school, role=role)).status_code == 403
    read_only = patch(client, edit_url, {"name": "X"}, token(school, scopes=(SCOPE_READ,)))
    assert read_only.status_code == 403 and "staff:write" in read_only.json()["detail"]
    assert Person.objects.get(pk=row.person_id).name == "Мария"
    assert client.get(list_url, **token(school, role=Role.DIRECTOR)).status_code == 200
    assert patch(client, edit_url, {"name": "Анна"}, token(school, role=Role.DIRECTOR)).status_code == 200
