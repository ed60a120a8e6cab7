"""The roster of a school on pages: classes, a class, people (VIEW_ROSTER, in scope; R1)."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sreda.core.identifiers import format_snils, mask_snils
from sreda.core.testing import (
    act_as, make_class, make_member, make_membership, make_municipality, make_organisation, make_person, make_user,
)
from sreda.orgs.tests.factories import add_students, add_teachers, make_school_with_classes
from sreda.people.roles import Role

pytestmark = pytest.mark.django_db


def roster_urls(organisation, school_class, person):
    return [
        f"/orgs/{organisation.pk}/classes/",
        f"/orgs/classes/{school_class.pk}/",
        f"/orgs/{organisation.pk}/people/",
        f"/people/{person.pk}/",
    ]


@pytest.fixture
def school():
    organisation, classes = make_school_with_classes(classes=2, students_per_class=2)
    student = classes[0].memberships.first().person
    return organisation, classes[0], student


def test_anonymous_is_sent_to_sign_in(client, school):
    for url in roster_urls(*school):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith("/accounts/login/"), url


def test_school_a_never_sees_school_b(client, school):
    """R1: a director of another school gets «not found», the same as for a missing page."""
    other_school = make_organisation()
    user, membership = make_member(role=Role.DIRECTOR, organisation=other_school)
    act_as(client, user, membership)
    for url in roster_urls(*school):
        assert client.get(url).status_code == 404, url


@pytest.mark.parametrize("role", [Role.STUDENT, Role.PARENT])
def test_wrong_role_of_the_same_school_gets_404(client, school, role):
    organisation, school_class, _ = school
    user = make_user()
    membership = make_membership(person=user.person, role=role, organisation=organisation,
                                 school_class=school_class if role == Role.STUDENT else None)
    act_as(client, user, membership)
    for url in roster_urls(*school)[:3]:
        assert client.get(url).status_code == 404, url


def test_private_person_gets_404_even_if_they_work_there(client, school):
    """R1: the active role decides, never the union of roles."""
    organisation, _, _ = school
    user, _ = make_member(role=Role.DIRECTOR, organisation=organisation)
    act_as(client, user)  # acting as a private person
    for url in roster_urls(*school):
        assert client.get(url).status_code == 404, url


@pytest.mark.parametrize("role", [Role.DIRECTOR, Role.ADMINISTRATOR, Role.TEACHER, Role.STAFF])
def test_staff_of_the_school_see_the_roster(client, school, role):
    organisation, _, _ = school
    user, membership = make_member(role=role, organisation=organisation)
    act_as(client, user, membership)
    for url in roster_urls(*school):
        assert client.get(url).status_code == 200, url


def test_oversight_roles_see_schools_in_their_scope_only(client, school):
    organisation, _, _ = school
    methodist, m = make_member(role=Role.METHODIST, municipality=organisation.municipality)
    act_as(client, methodist, m)
    assert client.get(f"/orgs/{organisation.pk}/classes/").status_code == 200
    stranger, m2 = make_member(role=Role.METHODIST, municipality=make_municipality())
    act_as(client, stranger, m2)
    assert client.get(f"/orgs/{organisation.pk}/classes/").status_code == 404


def test_classes_show_student_counts_and_class_teacher(client, school):
    organisation, school_class, _ = school
    user, membership = make_member(role=Role.TEACHER, organisation=organisation)
    act_as(client, user, membership)
    page = client.get(f"/orgs/{organisation.pk}/classes/").content.decode()
    assert ">5А</a>" in page and ">5Б</a>" in page
    assert school_class.class_teacher.full_name in page
    assert 'data-label="Обучающихся">2</td>' in page


def test_class_page_lists_students_with_their_parents(client, school):
    organisation, school_class, student = school
    parent = student.parent_links.get().parent
    user, membership = make_member(role=Role.TEACHER, organisation=organisation)
    act_as(client, user, membership)
    page = client.get(f"/orgs/classes/{school_class.pk}/").content.decode()
    assert student.full_name in page and parent.full_name in page
    assert "Дата рождения" not in page  # a teacher does not see birth dates


def test_people_list_masks_snils_and_birth_dates_only_for_those_allowed(client, school):
    from datetime import date

    organisation, _, student = school
    student.birth_date = date(2014, 11, 20)
    student.save()
    teacher, tm = make_member(role=Role.TEACHER, organisation=organisation)
    act_as(client, teacher, tm)
    page = client.get(f"/orgs/{organisation.pk}/people/").content.decode()
    assert mask_snils(student.snils) in page
    assert format_snils(student.snils) not in page
    assert "20.11.2014" not in page
    director, dm = make_member(role=Role.DIRECTOR, organisation=organisation)
    act_as(client, director, dm)
    page = client.get(f"/orgs/{organisation.pk}/people/").content.decode()
    assert format_snils(student.snils) not in page  # still masked in a list
    assert "20.11.2014" not in page and "**.**.2014" in page  # only the year, full date on the audited card


def test_people_filters_by_role_and_class_and_searches_ignoring_case_and_yo(client):
    organisation, classes = make_school_with_classes(classes=2, students_per_class=1)
    yolkina = make_person(surname="Ёлкина", name="Алёна")
    make_membership(person=yolkina, role=Role.STUDENT, organisation=organisation, school_class=classes[1])
    user, membership = make_member(role=Role.ADMINISTRATOR, organisation=organisation)
    act_as(client, user, membership)
    url = f"/orgs/{organisation.pk}/people/"
    page = client.get(url, {"q": "елкина алена"}).content.decode()
    assert "Ёлкина Алёна" in page and "Показано 1–1 из 1" in page
    page = client.get(url, {"class": classes[1].pk}).content.decode()
    assert "Ёлкина" in page and "Показано 1–2 из 2" in page
    page = client.get(url, {"role": Role.PARENT}).content.decode()
    assert "Ёлкина" not in page and "Показано 1–2 из 2" in page


def _count_queries(client, url) -> int:
    client.get(url)  # warm-up: the session caches the consent check
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


@pytest.mark.parametrize("page", ["classes", "people", "class"])
def test_list_query_counts_do_not_grow_with_rows(client, page):
    """Queries are bounded (ARCHITECTURE rule 6): 5 rows and 40 rows cost the same."""
    def queries_for(rows):
        organisation, classes = make_school_with_classes(classes=1, students_per_class=1)
        if page == "classes":
            for i in range(rows):
                school_class = make_class(organisation=organisation, grade=1 + i % 11, letter=f"Л{i}")
                add_students(school_class=school_class, count=1)
            url = f"/orgs/{organisation.pk}/classes/"
        elif page == "people":
            add_students(school_class=classes[0], count=rows)
            add_teachers(organisation=organisation, count=rows // 4)
            url = f"/orgs/{organisation.pk}/people/"
        else:
            add_students(school_class=classes[0], count=rows)
            url = f"/orgs/classes/{classes[0].pk}/"
        user, membership = make_member(role=Role.DIRECTOR, organisation=organisation)
        act_as(client, user, membership)
        return _count_queries(client, url)

    assert queries_for(5) == queries_for(40)


def test_htmx_people_search_returns_only_the_rows(client, school):
    organisation, _, student = school
    user, membership = make_member(role=Role.TEACHER, organisation=organisation)
    act_as(client, user, membership)
    response = client.get(f"/orgs/{organisation.pk}/people/", {"q": student.surname}, HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert student.full_name in page and "<html" not in page
