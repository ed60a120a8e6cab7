"""The base layout: header, menu by role (R1), home page per role, Russian 403/404."""
import pytest

from sreda.core.testing import act_as, make_member, make_municipality, make_organisation, make_user
from sreda.people.roles import Role

pytestmark = pytest.mark.django_db


def menu_of(client) -> str:
    page = client.get("/").content.decode()
    return page.split('aria-label="Основное меню"')[1].split("</nav>")[0]


def test_teacher_menu_has_no_links_they_cannot_use(client):
    organisation = make_organisation()
    user, membership = make_member(role=Role.TEACHER, organisation=organisation)
    act_as(client, user, membership)
    menu = menu_of(client)
    assert "Главная" in menu and "Организации" in menu and "Классы" in menu and "Люди" in menu
    assert "Импорт контингента" not in menu
    assert "Регионы и муниципалитеты" not in menu
    assert "Администрирование" not in menu


def test_private_person_menu_is_search_only(client):
    user = make_user()
    act_as(client, user)
    menu = menu_of(client)
    assert "Организации" in menu
    assert "Классы" not in menu and "Люди" not in menu


def test_regional_operator_sees_regions_management(client):
    municipality = make_municipality()
    user, membership = make_member(role=Role.REGIONAL_OPERATOR, region=municipality.region)
    act_as(client, user, membership)
    assert "Регионы и муниципалитеты" in menu_of(client)


def test_superuser_acting_as_operator_sees_administration(client):
    user = make_user(superuser=True)
    client.force_login(user)
    client.post("/role/", {"key": "operator"})
    menu = menu_of(client)
    assert "Администрирование" in menu and "Регионы и муниципалитеты" in menu


def test_home_for_a_school_role_counts_classes_and_people(client):
    from sreda.orgs.tests.factories import make_school_with_classes

    organisation, _ = make_school_with_classes(classes=2, students_per_class=3)
    user, membership = make_member(role=Role.DIRECTOR, organisation=organisation)
    act_as(client, user, membership)
    page = client.get("/").content.decode()
    assert "Обучающиеся<strong>6</strong>" in page
    assert "Классы</a><strong>2</strong>" in page


def test_home_for_a_private_person_offers_search(client):
    act_as(client, make_user())
    page = client.get("/").content.decode()
    assert "Найти школу" in page and 'name="q"' in page


def test_403_explains_in_russian(client):
    organisation = make_organisation()
    user, membership = make_member(role=Role.TEACHER, organisation=organisation)
    act_as(client, user, membership)
    response = client.get("/orgs/regions/")
    assert response.status_code == 403
    page = response.content.decode()
    assert "Нет доступа" in page
    assert "Организации региона ведёт оператор региона." in page


def test_404_explains_in_russian(client):
    act_as(client, make_user())
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "Страница не найдена" in response.content.decode()


def test_home_for_oversight_roles_counts_organisations_in_scope(client):
    municipality = make_municipality()
    for _ in range(3):
        make_organisation(municipality=municipality)
    make_organisation()  # elsewhere
    user, membership = make_member(role=Role.METHODIST, municipality=municipality)
    act_as(client, user, membership)
    page = client.get("/").content.decode()
    assert "Организации<strong>3</strong>" in page


def test_r8_an_unconfirmed_director_has_confirmation_of_identity_in_place_of_teachers_and_students(client):
    school = make_organisation()
    user, director = make_member(role=Role.DIRECTOR, organisation=school)
    act_as(client, user, director)
    menu = menu_of(client)
    assert "Подтверждение руководителя" in menu and "Педагоги и обучающиеся" not in menu

    director.confirmation = "confirmed"
    director.save()
    menu = menu_of(client)
    assert "Педагоги и обучающиеся" in menu and "Подтверждение руководителя" not in menu
    assert "Сотрудники" in menu and "Приглашения" in menu and "Группы доступа" in menu


def test_school_administrator_menu_has_employees_invitations_and_groups_but_no_director_work(client):
    user, admin = make_member(role=Role.ADMINISTRATOR, organisation=make_organisation())
    act_as(client, user, admin)
    menu = menu_of(client)
    assert "Сотрудники" in menu and "Приглашения" in menu and "Группы доступа" in menu
    assert "Педагоги и обучающиеся" not in menu and "Подтверждение руководителя" not in menu
    assert "Заявки руководителей" not in menu


def test_regional_operator_menu_has_the_verification_queue_and_school_reports(client):
    school = make_organisation()
    user, operator = make_member(role=Role.REGIONAL_OPERATOR, region=school.municipality.region)
    act_as(client, user, operator)
    menu = menu_of(client)
    assert "Заявки руководителей" in menu and "Отчёты школ" in menu
    assert "Сотрудники" not in menu and "Группы доступа" not in menu
