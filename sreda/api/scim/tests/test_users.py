"""SCIM Users: a person and their roles in the token's school (issue #9; R1, R9, R12, R29)."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sreda.api.scim.tests.helpers import ENTERPRISE, SREDA, Scim, scim_token, user_body
from sreda.api.tests.factories import issue
from sreda.core.models import AuditEntry
from sreda.core.testing import make_membership, make_organisation, make_person
from sreda.people.models import Membership, MembershipOrigin, Person, User
from sreda.people.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(client, school):
    return Scim(client, scim_token(school))


def create(api, user_name="kuznetsova", **kw):
    response = api.post("/Users", user_body(user_name, **kw))
    assert response.status_code == 201, response.content
    return response.json()


def test_create_makes_a_person_an_account_and_a_role_in_the_tokens_school(api, school):
    """POST /Users: a person, a login without a password, a role of origin «Импорт из школьной ИС» (R12),
    unconfirmed until the director confirms (R9); audited."""
    response = api.post("/Users", user_body("kuz", external_id="para-1", email="olga@school.ru",
                                            role="student", department="5А"))
    assert response.status_code == 201
    body = response.json()
    assert response["Location"] == body["meta"]["location"] and response["ETag"] == body["meta"]["version"]
    person = Person.objects.get(pk=body["id"])
    assert (person.surname, person.name, person.external_id, person.email) == ("Кузнецова", "Ольга", "para-1",
                                                                              "olga@school.ru")
    assert User.objects.get(person=person).username == "kuz"
    assert not User.objects.get(person=person).has_usable_password()
    membership = Membership.objects.get(person=person)
    assert (membership.organisation, membership.role, membership.school_class) == (
        school.organisation, Role.STUDENT, school.school_class)
    assert membership.origin == MembershipOrigin.ROSTER and membership.confirmation == "pending"
    assert body[ENTERPRISE]["organization"] == school.organisation.inn
    assert body[ENTERPRISE]["department"] == "5А" and body[SREDA]["role"] == "student"
    assert AuditEntry.objects.filter(action="scim.user_create", object_id=str(person.pk),
                                     organisation=school.organisation).exists()


def test_without_a_role_the_person_becomes_staff(api):
    body = create(api)
    assert body[SREDA] == {"role": "staff", "roles": ["staff"]} and body["active"] is True


@pytest.mark.parametrize("extra, detail", [
    ({"role": "student"}, "укажите класс"),
    ({"role": "student", "department": "11Я"}, "Класс «11Я» не найден"),
    ({"role": "director"}, "оператор региона"),
    ({"role": "pilot"}, "неизвестна"),
])
def test_bad_roles_and_classes_are_refused_and_nothing_is_created(api, extra, detail):
    before = Person.objects.count()
    response = api.post("/Users", user_body("x1", **extra))
    assert response.status_code == 400
    assert detail in response.json()["detail"]
    assert Person.objects.count() == before and not User.objects.filter(username="x1").exists()


def test_a_name_is_required_in_russian(api):
    response = api.post("/Users", {"schemas": [], "userName": "nobody"})
    assert response.status_code == 400 and "фамилию и имя" in response.json()["detail"]


def test_posting_the_same_user_again_is_409_uniqueness(api):
    """A retried POST (same externalId or userName) creates nothing new."""
    create(api, "kuz", external_id="para-1")
    again = api.post("/Users", user_body("kuz2", external_id="para-1"))
    assert again.status_code == 409 and again.json()["scimType"] == "uniqueness"
    same_login = api.post("/Users", user_body("KUZ", external_id="para-2"))
    assert same_login.status_code == 409
    assert Person.objects.filter(external_id__in=["para-1", "para-2"]).count() == 1


def test_a_person_known_from_another_school_is_attached_not_duplicated(api, school, other_school):
    """External ids of the school IS are global (as in the roster import): the person gets a role here. School A
    never rewrites what school B sees of them (R1): their e-mail stays, and another ФИО is refused."""
    person = make_person(surname="Орлова", name="Ольга", external_id="para-77", email="orlova@b.example")
    make_membership(person=person, role=Role.TEACHER, organisation=other_school.organisation)
    refused = api.post("/Users", user_body("orlova", surname="Петрова", name="Ольга", external_id="para-77"))
    assert refused.status_code == 409 and refused.json()["scimType"] == "uniqueness"
    assert "другими фамилией и именем" in refused.json()["detail"]
    body = create(api, "orlova", surname="Орлова", external_id="para-77", email="other@a.example", role="teacher")
    assert body["id"] == str(person.pk)
    assert set(Membership.objects.filter(person=person).values_list("organisation_id", flat=True)) == {
        school.organisation.pk, other_school.organisation.pk}
    person.refresh_from_db()
    assert person.email == "orlova@b.example"


def test_a_school_never_sees_another_schools_people(api, other_school):
    """R1/R29: a user of school B is «not found» for school A's token, for every method; nothing changes."""
    stranger = other_school.students[0].person
    assert api.get(f"/Users/{stranger.pk}").status_code == 404
    assert api.put(f"/Users/{stranger.pk}", user_body("hack")).status_code == 404
    assert api.patch(f"/Users/{stranger.pk}", [{"op": "replace", "path": "active", "value": False}]).status_code == 404
    assert api.delete(f"/Users/{stranger.pk}").status_code == 404
    assert Membership.objects.active().filter(person=stranger).count() == 1
    listed = {r["id"] for r in api.get("/Users", count=200).json()["Resources"]}
    assert str(stranger.pk) not in listed


def test_filters_eq_co_sw_and(api):
    create(api, "orlova", surname="Орлова", external_id="p-1", email="orlova@school.ru")
    create(api, "orlov", surname="Орлов", external_id="p-2", email="orlov@mail.ru")

    def names(expression):
        response = api.get("/Users", filter=expression)
        assert response.status_code == 200, response.content
        return sorted(r["userName"] for r in response.json()["Resources"])

    assert names('userName eq "ORLOVA"') == ["orlova"]
    assert names('externalId eq "p-2"') == ["orlov"]
    assert names('name.familyName sw "Орлов"') == ["orlov", "orlova"]
    assert names('emails.value co "school.ru"') == ["orlova"]
    assert names('name.familyName sw "Орлов" and emails.value co "mail"') == ["orlov"]
    assert names('userName eq "orlov" or userName eq "orlova"') == ["orlov", "orlova"]
    assert "orlov" in names("active eq true")


@pytest.mark.parametrize("expression", ['userName pr', 'userName gt "a"', 'title eq "x"', 'userName eq',
                                        'not (userName eq "a")', 'emails[type eq "work"]'])
def test_other_filters_are_400_invalid_filter(api, expression):
    response = api.get("/Users", filter=expression)
    assert response.status_code == 400
    assert response.json()["scimType"] == "invalidFilter" and response.json()["detail"]


def test_pagination_start_index_and_count(api, school):
    response = api.get("/Users", startIndex=2, count=3).json()
    total = Person.objects.filter(memberships__organisation=school.organisation).distinct().count()
    assert response["totalResults"] == total and response["startIndex"] == 2 and response["itemsPerPage"] == 3
    assert api.get("/Users", count=0).json()["Resources"] == []


def test_list_costs_the_same_queries_for_more_people(api, school):
    """Rules of the house 6: the page's queries do not grow with its rows."""
    def count_queries():
        with CaptureQueriesContext(connection) as ctx:
            assert api.get("/Users").status_code == 200
        return len(ctx.captured_queries)

    count_queries()  # the token's «last used» is written once a minute: not part of the page
    few = count_queries()
    for n in range(15):
        create(api, f"u{n}", role="student", department="5А")
    assert count_queries() == few


def test_attributes_and_excluded_attributes(api):
    body = create(api, "kuz", email="a@b.ru")
    only = api.get(f"/Users/{body['id']}", attributes="userName").json()
    assert set(only) == {"schemas", "id", "meta", "userName"}
    without = api.get(f"/Users/{body['id']}", excludedAttributes="emails").json()
    assert "emails" not in without and "userName" in without


def test_active_false_ends_roles_keeping_history_and_true_brings_the_role_back(api, school):
    body = create(api, "kuz", role="teacher")
    user_id = body["id"]
    off = api.patch(f"/Users/{user_id}", [{"op": "replace", "path": "active", "value": False}])
    assert off.status_code == 200 and off.json()["active"] is False
    ended = Membership.objects.get(person_id=user_id)
    assert ended.end_date is not None and not ended.is_active
    assert api.get(f"/Users/{user_id}").json()["active"] is False
    on = api.patch(f"/Users/{user_id}", [{"op": "replace", "value": {"active": True}}])
    assert on.json()["active"] is True and on.json()[SREDA]["role"] == "teacher"
    assert Membership.objects.filter(person_id=user_id).count() == 2  # the ended row stays


def test_patch_add_replace_remove(api):
    user_id = create(api, "kuz", email="old@school.ru")["id"]
    response = api.patch(f"/Users/{user_id}", [
        {"op": "replace", "path": "name.familyName", "value": "Сидорова"},
        {"op": "add", "path": "name.middleName", "value": "Ивановна"},
        {"op": "replace", "path": 'emails[value eq "old@school.ru"].value', "value": "new@school.ru"},
        {"op": "add", "path": "phoneNumbers", "value": [{"value": "8 (912) 345-67-89"}]},
    ])
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["name"] == {"familyName": "Сидорова", "givenName": "Ольга", "middleName": "Ивановна"}
    assert body["emails"] == [{"value": "new@school.ru"}]
    assert body["phoneNumbers"] == [{"value": "+79123456789"}]
    removed = api.patch(f"/Users/{user_id}", [{"op": "remove", "path": "emails"}]).json()
    assert "emails" not in removed and Person.objects.get(pk=user_id).email == ""


def test_patch_needs_a_patch_op_and_a_path_for_remove(api):
    user_id = create(api, "kuz")["id"]
    assert api.put(f"/Users/{user_id}", "nonsense").status_code == 400
    bad = api.patch(f"/Users/{user_id}", [{"op": "remove"}])
    assert bad.status_code == 400 and bad.json()["scimType"] == "noTarget"
    bad_phone = api.patch(f"/Users/{user_id}", [{"op": "add", "path": "phoneNumbers", "value": [{"value": "12"}]}])
    assert bad_phone.status_code == 400 and "10 цифр" in bad_phone.json()["detail"]
    assert Person.objects.get(pk=user_id).phone == ""


def test_put_replaces_data_and_moves_a_student_to_another_class(api, school):
    from sreda.core.testing import make_class

    other_class = make_class(organisation=school.organisation, grade=6, letter="Б")
    user_id = create(api, "kuz", role="student", department="5А", email="a@b.ru")["id"]
    response = api.put(f"/Users/{user_id}", user_body("kuz-new", surname="Петрова", role="student", department="6Б"))
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["userName"] == "kuz-new" and "emails" not in body and body[ENTERPRISE]["department"] == "6Б"
    rows = Membership.objects.filter(person_id=user_id).order_by("pk")
    assert [(m.school_class_id, m.is_active) for m in rows] == [(school.school_class.pk, False), (other_class.pk, True)]


def test_if_match_protects_against_lost_updates(api):
    body = create(api, "kuz")
    stale = api.patch(f"/Users/{body['id']}", [{"op": "replace", "path": "name.givenName", "value": "Анна"}],
                      HTTP_IF_MATCH='W/"0000"')
    assert stale.status_code == 412
    assert Person.objects.get(pk=body["id"]).name == "Ольга"
    fresh = api.patch(f"/Users/{body['id']}", [{"op": "replace", "path": "name.givenName", "value": "Анна"}],
                      HTTP_IF_MATCH=body["meta"]["version"])
    assert fresh.status_code == 200 and fresh.json()["meta"]["version"] != body["meta"]["version"]
    not_modified = api.get(f"/Users/{body['id']}", headers={"HTTP_IF_NONE_MATCH": fresh.json()["meta"]["version"]})
    assert not_modified.status_code == 304


def test_delete_ends_roles_keeps_history_answers_404_and_a_new_post_brings_back(api, school):
    body = create(api, "kuz", external_id="para-9", role="teacher")
    assert api.delete(f"/Users/{body['id']}").status_code == 204
    assert api.get(f"/Users/{body['id']}").status_code == 404
    assert api.delete(f"/Users/{body['id']}").status_code == 404
    membership = Membership.objects.get(person_id=body["id"])
    assert membership.end_date is not None
    assert AuditEntry.objects.filter(action="scim.user_delete", object_id=body["id"]).exists()
    again = api.post("/Users", user_body("kuz", external_id="para-9", role="teacher"))
    assert again.status_code == 201 and again.json()["id"] == body["id"]


def test_a_district_token_reads_its_schools_but_cannot_write(client, school):
    """A methodist's token (R29) sees the people of every school of the district; provisioning is the
    school's: writes are 403 with a reason."""
    neighbour = make_organisation(municipality=school.municipality)
    person = make_person(surname="Соседова")
    make_membership(person=person, role=Role.TEACHER, organisation=neighbour)
    district = Scim(client, issue(role=Role.METHODIST, municipality=school.municipality, scopes=("scim",)))
    listed = {r["id"] for r in district.get("/Users", count=200).json()["Resources"]}
    assert str(person.pk) in listed and str(school.teacher.pk) in listed
    refused = district.post("/Users", user_body("nope"))
    assert refused.status_code == 403 and "токен школы" in refused.json()["detail"]
    assert not User.objects.filter(username="nope").exists()


def test_a_teachers_token_cannot_provision(client, school):
    """R1: a teacher's role may not import the roster, so neither may its token."""
    teacher = Scim(client, scim_token(school, role=Role.TEACHER))
    refused = teacher.post("/Users", user_body("nope"))
    assert refused.status_code == 403 and not User.objects.filter(username="nope").exists()


def test_a_roster_person_without_an_account_gets_none_from_a_patch(api, school):
    """People imported from the roster have no login; editing their e-mail over SCIM opens no account."""
    student = school.students[0].person
    shown = api.get(f"/Users/{student.pk}").json()
    assert shown["userName"] == f"sreda-{student.pk}"
    assert api.get("/Users", filter=f'userName eq "sreda-{student.pk}"').json()["totalResults"] == 1
    response = api.patch(f"/Users/{student.pk}", [{"op": "add", "path": "emails", "value": [{"value": "p@school.ru"}]}])
    assert response.status_code == 200, response.content
    assert not User.objects.filter(person=student).exists()
    assert Person.objects.get(pk=student.pk).email == "p@school.ru"
    assert Membership.objects.get(person=student).is_active  # the student role is untouched


def test_entra_style_requests_and_odd_input_get_answers_not_errors(api):
    """Microsoft Entra capitalises ops and sends booleans as strings; nonsense is a 400, never a 500."""
    user_id = create(api, "kuz")["id"]
    off = api.patch(f"/Users/{user_id}", [{"op": "Replace", "path": "active", "value": "False"}])
    assert off.status_code == 200 and off.json()["active"] is False
    for expression in ['id eq "99999999999999999999999"', 'userName eq "a" and', '(userName eq "a"', 'a.b.c eq 1']:
        assert api.get("/Users", filter=expression).status_code == 400
    assert api.get("/Users/99999999999999999999999").status_code == 404
    assert api.get("/Users", startIndex="x").status_code == 400
    assert api.patch(f"/Users/{user_id}", [{"op": "add", "path": "name[x", "value": 1}]).status_code == 400
    assert api.patch(f"/Users/{user_id}", [{"op": "replace", "path": "userName", "value": None}]).status_code == 400
    assert api.post("/Users", [1, 2]).status_code == 400
    assert api.post("/Users", {"userName": "a b", "name": {"familyName": "И", "givenName": "А"}}).status_code == 400
