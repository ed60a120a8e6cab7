"""The lists written straight from database rows (`paginate_rows`) answer exactly what their schemas answer from
model objects: the same fields, values and order, field for field; and a row that drifts from its schema is caught
before an integration sees it."""
from datetime import date

import pytest

from sreda.api.schemas import check_rows
from sreda.api.tests.factories import bearer
from sreda.core.active_role import system_operator
from sreda.core.testing import make_class, make_membership, make_person
from sreda.orgs import selectors as org_selectors
from sreda.orgs.api import ClassDetailOut, ClassListOut, OrganisationOut
from sreda.orgs.models import Subject
from sreda.people import selectors as people_selectors
from sreda.people.api import MembershipOut
from sreda.people.roles import Role

pytestmark = pytest.mark.django_db


def schema_answer(schema, objects) -> list[dict]:
    """What the schema itself makes of model objects: the answer as it was before the rows were written directly."""
    return [schema.model_validate(obj).model_dump(mode="json") for obj in objects]


@pytest.fixture
def busy_school(school):
    """School A with what makes rows differ: a teacher of two subjects, a class without a class teacher, an ended
    role, a person without a patronymic."""
    teacher_membership = school.teacher.memberships.get(role=Role.TEACHER)
    teacher_membership.subjects.add(Subject.objects.get_or_create(name="Физика")[0],
                                    Subject.objects.get_or_create(name="Алгебра")[0])
    make_class(organisation=school.organisation, grade=7, letter="В", class_teacher=None)
    left = make_person(name="Олег", surname="Ушедший", patronymic="")
    make_membership(person=left, role=Role.STAFF, organisation=school.organisation, start_date=date(2024, 9, 1),
                    end_date=date(2025, 6, 30))
    return school


def test_people_and_memberships_are_what_their_schema_makes_of_the_roles(client, busy_school):
    school = busy_school
    headers = bearer(school.token(Role.DIRECTOR))
    people = client.get(f"/api/v1/organisations/{school.organisation.pk}/people?limit=500", **headers).json()
    everyone = client.get(f"/api/v1/memberships?organisation_id={school.organisation.pk}&active=false&limit=500",
                          **headers).json()

    actor = system_operator()
    assert people["items"] == schema_answer(MembershipOut, people_selectors.organisation_memberships(
        actor=actor, organisation=school.organisation))
    assert everyone["items"] == schema_answer(MembershipOut, people_selectors.organisation_memberships(
        actor=actor, organisation=school.organisation, include_ended=True))
    teacher = next(i for i in people["items"] if i["role"] == "teacher")
    assert teacher["subjects"] == ["Алгебра", "Физика"]
    assert any(i["end_date"] == "2025-06-30" for i in everyone["items"])


def test_classes_a_class_and_organisations_are_what_their_schemas_make_of_them(client, busy_school):
    school = busy_school
    headers = bearer(school.token(Role.DIRECTOR))
    classes = client.get(f"/api/v1/organisations/{school.organisation.pk}/classes", **headers).json()
    one = client.get(f"/api/v1/classes/{school.school_class.pk}", **headers).json()
    found = client.get(f"/api/v1/organisations?q={school.organisation.inn}", **headers).json()

    actor = system_operator()
    assert classes["items"] == schema_answer(ClassListOut, org_selectors.class_list(
        actor=actor, organisation=school.organisation))
    assert [c["class_teacher"] for c in classes["items"]][1] is None  # 7В has none
    school_class = org_selectors.access_class(actor=actor, class_id=school.school_class.pk)
    school_class.students = [m.person for m in org_selectors.class_members(actor=actor, school_class=school_class)]
    assert one == schema_answer(ClassDetailOut, [school_class])[0]
    assert found["items"] == schema_answer(OrganisationOut, org_selectors.organisation_search(
        actor=actor, query=school.organisation.inn))
    assert found["items"][0]["region"]["code"] == school.region.code


ROW = {"id": 42, "full_name": "Государственное бюджетное общеобразовательное учреждение школа № 5",
       "short_name": "ГБОУ школа № 5", "kind": "general", "kind_label": "Общеобразовательная", "inn": "7801234567",
       "ogrn": "", "is_active": True, "municipality": {"id": 1, "name": "Район"},
       "region": {"id": 1, "name": "Санкт-Петербург", "code": "78"}}


def test_a_row_that_drifts_from_its_schema_is_caught():
    check_rows(OrganisationOut, [ROW])

    with pytest.raises(AssertionError, match="OrganisationOut"):
        check_rows(OrganisationOut, [{**ROW, "secret": "лишнее поле"}])
    with pytest.raises(AssertionError, match="OrganisationOut"):
        check_rows(OrganisationOut, [{**ROW, "id": "42"}])  # a number written as a string
    with pytest.raises(ValueError, match="kind_label"):
        check_rows(OrganisationOut, [{key: value for key, value in ROW.items() if key != "kind_label"}])
    with pytest.raises(ValueError, match="kind"):
        check_rows(OrganisationOut, [{**ROW, "kind": "university"}])  # not an organisation type


def test_every_list_a_test_reads_is_checked_against_its_schema(settings):
    """The tests (and DEBUG) switch the check on, so every API test above and elsewhere is also a schema test."""
    assert settings.SREDA_API_CHECK_ROWS is True
