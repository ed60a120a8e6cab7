"""R13 on pages: «Группы доступа» with the advanced search, the group card, «Посмотреть сотрудников в
группе» and «Присоединить нового сотрудника». A school's administrator never sees another school's
members (R1)."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sreda.access.models import AccessGroup, AccessGroupMember
from sreda.access.selectors import UB_TSOK_GROUP_CODE
from sreda.access.services import group_members_add
from sreda.access.tests.factories import OWNER, add_employees, make_group
from sreda.core.identifiers import format_snils, mask_snils
from sreda.core.models import AuditEntry
from sreda.core.testing import act_as, active_role_of, make_member, make_membership, make_organisation, make_person, make_user
from sreda.people.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def group():
    return AccessGroup.objects.select_related("system").get(code=UB_TSOK_GROUP_CODE)


@pytest.fixture
def school():
    return make_organisation(short_name="МБОУ СОШ № 5")


@pytest.fixture
def admin(client, school):
    user, membership = make_member(role=Role.ADMINISTRATOR, organisation=school)
    act_as(client, user, membership)
    return active_role_of(user, membership)


def urls(group):
    return [
        reverse("access:groups"),
        reverse("access:group", args=[group.pk]),
        reverse("access:group_members", args=[group.pk]),
        reverse("access:group_add", args=[group.pk]),
    ]


def teacher(school, **kw):
    return make_membership(person=make_person(**kw), role=Role.TEACHER, organisation=school).person


# --- who may open the pages ----------------------------------------------------------------------------


def test_anonymous_is_sent_to_sign_in(client, group):
    for url in urls(group):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith("/accounts/login/"), url


@pytest.mark.parametrize("role", [Role.TEACHER, Role.STAFF, Role.PARENT])
def test_r13_other_roles_of_the_school_are_told_who_manages_groups(client, school, group, role):
    user, membership = make_member(role=role, organisation=school)
    act_as(client, user, membership)
    for url in urls(group):
        response = client.get(url)
        assert response.status_code == 403, url
        assert "Группами доступа управляют руководитель и администратор ОО." in response.content.decode()


def test_r1_a_private_person_cannot_open_them_even_if_they_administer_a_school(client, school, group):
    user, _ = make_member(role=Role.ADMINISTRATOR, organisation=school)
    act_as(client, user)
    for url in urls(group):
        assert client.get(url).status_code == 403, url


@pytest.mark.parametrize("role", [Role.DIRECTOR, Role.ADMINISTRATOR])
def test_r13_director_and_administrator_open_every_page(client, school, group, role):
    user, membership = make_member(role=role, organisation=school)
    act_as(client, user, membership)
    for url in urls(group):
        assert client.get(url).status_code == 200, url


def test_a_missing_group_is_not_found(client, admin):
    for name in ("access:group", "access:group_members", "access:group_add"):
        assert client.get(reverse(name, args=[999_999])).status_code == 404


def test_r13_the_menu_offers_access_groups_to_the_administrator_only(client, school, admin):
    assert 'href="/access/"' in client.get("/").content.decode()
    user, membership = make_member(role=Role.TEACHER, organisation=school)
    act_as(client, user, membership)
    assert 'href="/access/"' not in client.get("/").content.decode()


# --- «Группы доступа»: the advanced search ---------------------------------------------------------------


def test_r13_the_advanced_search_finds_the_seed_group_as_the_instructions_say(client, admin, group):
    make_group(name="Педагоги. Доступ к журналу")
    response = client.get(reverse("access:groups"), {
        "organisation": OWNER, "system": "Госуслуги Моя школа", "group": "Педагоги. Доступ к УБ ЦОК",
    })
    page = response.content.decode()
    assert response.status_code == 200
    for label in ("Расширенный поиск", ">Организация</label>", ">Система</label>", ">Группа доступа</label>"):
        assert label in page
    assert f'href="/access/groups/{group.pk}/"' in page
    assert "Педагоги. Доступ к журналу" not in page
    assert "Показано 1–1 из 1" in page
    assert f'<option value="{OWNER}">' in page  # the owner is offered as a hint, as Госуслуги lists it


@pytest.mark.parametrize("filters", [
    {"organisation": "МИНИСТЕРСТВО ЦИФРОВОГО РАЗВИТИЯ, СВЯЗИ"},  # as the drop-down spells it (004)
    {"organisation": "7710474375"},  # the owner's INN
    {"system": "госуслуги моя"},
    {"group": "педагоги цок"},
    {"organisation": "Министерство", "system": "Моя школа", "group": "УБ ЦОК"},
])
def test_r13_search_ignores_case_and_punctuation_and_each_field_narrows(client, admin, group, filters):
    page = client.get(reverse("access:groups"), filters).content.decode()
    assert "Педагоги. Доступ к УБ ЦОК" in page


@pytest.mark.parametrize("filters", [
    {"organisation": "Комитет по образованию"},
    {"system": "Сферум"},
    {"group": "Обучающиеся"},
    {"organisation": "Госуслуги"},  # a word of the system typed into «Организация» does not match the owner
])
def test_r13_a_field_that_does_not_match_finds_nothing(client, admin, group, filters):
    page = client.get(reverse("access:groups"), filters).content.decode()
    assert "Группы не найдены" in page


def test_r13_the_count_is_of_your_school_only(client, school, admin, group):
    group_members_add(actor=admin, group=group, person_ids=[teacher(school).pk, teacher(school).pk])
    other = make_organisation()
    other_user, other_admin = make_member(role=Role.ADMINISTRATOR, organisation=other)
    group_members_add(actor=active_role_of(other_user, other_admin), group=group, person_ids=[teacher(other).pk])

    page = client.get(reverse("access:groups"), {"group": "цок"}).content.decode()

    assert 'data-label="Сотрудников вашей школы">2</td>' in page


def test_the_live_search_answers_with_the_results_only(client, admin, group):
    response = client.get(reverse("access:groups"), {"group": "цок"}, HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert "Педагоги. Доступ к УБ ЦОК" in page and "<html" not in page and "Расширенный поиск" not in page


def test_groups_are_paginated_with_a_constant_number_of_queries(client, admin):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("access:groups")).status_code == 200
        return len(captured)

    make_group(name="Группа 1")
    queries()  # the first request of a session also stores the consent check
    few = queries()
    for i in range(2, 40):
        make_group(name=f"Группа {i}")
    assert queries() == few
    page = client.get(reverse("access:groups"), {"page": 2}).content.decode()
    assert "Показано 26–" in page


# --- the group card ------------------------------------------------------------------------------------


def test_r13_the_group_card_shows_the_description_and_the_two_actions(client, admin, group):
    page = client.get(reverse("access:group", args=[group.pk])).content.decode()
    assert "Госуслуги Моя школа" in page and OWNER in page
    assert "«Госуслуги. Моя школа»" in page and "УБ ЦОК" in page
    assert f'href="/access/groups/{group.pk}/add/">Присоединить нового сотрудника</a>' in page
    assert f'href="/access/groups/{group.pk}/members/">Посмотреть сотрудников в группе</a>' in page


# --- «Присоединить нового сотрудника» ---------------------------------------------------------------------


def test_r13_the_add_page_lists_the_schools_employees_not_yet_in_the_group(client, school, admin, group):
    already = teacher(school, surname="Ужевгруппе")
    candidate = teacher(school, surname="Кандидатова")
    make_membership(person=make_person(surname="Родителева"), role=Role.PARENT, organisation=school)
    teacher(make_organisation(), surname="Чужакова")
    group_members_add(actor=admin, group=group, person_ids=[already.pk])

    page = client.get(reverse("access:group_add", args=[group.pk])).content.decode()

    assert candidate.full_name in page and "Учитель" in page
    assert mask_snils(candidate.snils) in page and format_snils(candidate.snils) not in page  # masked in lists
    for absent in ("Ужевгруппе", "Родителева", "Чужакова"):
        assert absent not in page
    assert "Добавить выбранных" in page and "Выбрать всех" in page


def test_r13_ticking_two_employees_adds_both_at_once(client, school, admin, group):
    first, second, third = teacher(school), teacher(school), teacher(school)

    response = client.post(reverse("access:group_add", args=[group.pk]), {"person": [first.pk, second.pk]}, follow=True)

    assert response.redirect_chain[-1][0] == reverse("access:group_members", args=[group.pk])
    page = response.content.decode()
    assert "Добавлено в группу «Педагоги. Доступ к УБ ЦОК» сотрудников: 2." in page
    assert first.full_name in page and second.full_name in page and third.full_name not in page
    assert set(AccessGroupMember.objects.values_list("person_id", flat=True)) == {first.pk, second.pk}


def test_r13_add_all_found_adds_everyone_matching_the_search(client, school, admin, group):
    add_employees(organisation=school, count=60, surname="Массовая")
    teacher(school, surname="Другая")

    response = client.post(reverse("access:group_add", args=[group.pk]) + "?q=массовая", {"all": "1"})

    assert response.status_code == 302
    assert AccessGroupMember.objects.filter(group=group).count() == 60
    assert not AccessGroupMember.objects.filter(person__surname="Другая").exists()


@pytest.mark.parametrize("data, message", [
    ({}, "Выберите хотя бы одного сотрудника."),
    ({"person": ["x"]}, "Неверный выбор сотрудников"),
])
def test_r13_an_empty_or_broken_selection_is_explained_and_changes_nothing(client, admin, group, data, message):
    response = client.post(reverse("access:group_add", args=[group.pk]), data)
    assert response.status_code == 400 and message in response.content.decode()
    assert not AccessGroupMember.objects.exists()


def test_r13_a_forged_id_of_another_schools_employee_is_refused(client, school, admin, group):
    mine, theirs = teacher(school), teacher(make_organisation(), surname="Чужакова")

    response = client.post(reverse("access:group_add", args=[group.pk]), {"person": [mine.pk, theirs.pk]})

    page = response.content.decode()
    assert response.status_code == 400
    assert "Не найдены среди сотрудников «МБОУ СОШ № 5»" in page and "Чужакова" not in page
    assert f'value="{mine.pk}" id="person-{mine.pk}" checked' in page  # the selection is kept
    assert not AccessGroupMember.objects.exists()


def test_the_add_page_costs_the_same_queries_for_5_and_60_employees(client, school, admin, group):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("access:group_add", args=[group.pk])).status_code == 200
        return len(captured)

    add_employees(organisation=school, count=5)
    queries()  # the first request of a session also stores the consent check
    few = queries()
    add_employees(organisation=school, count=55)
    assert queries() == few


# --- «Посмотреть сотрудников в группе» ----------------------------------------------------------------------


def test_r13_the_members_page_shows_only_your_schools_members_with_search(client, school, admin, group):
    mine = teacher(school, surname="Ёлкина", name="Алёна")
    other_member = teacher(school, surname="Смирнова")
    group_members_add(actor=admin, group=group, person_ids=[mine.pk, other_member.pk])
    other = make_organisation()
    other_user, other_admin = make_member(role=Role.ADMINISTRATOR, organisation=other)
    group_members_add(actor=active_role_of(other_user, other_admin), group=group,
                      person_ids=[teacher(other, surname="Чужакова").pk])

    page = client.get(reverse("access:group_members", args=[group.pk])).content.decode()
    assert mine.full_name in page and other_member.full_name in page and "Чужакова" not in page
    assert admin.user.person.short_name in page  # who added

    found = client.get(reverse("access:group_members", args=[group.pk]), {"q": "елкина"}).content.decode()
    assert mine.full_name in found and other_member.full_name not in found


def test_r13_a_member_who_left_the_school_is_marked(client, school, admin, group):
    person = teacher(school)
    group_members_add(actor=admin, group=group, person_ids=[person.pk])
    person.memberships.update(end_date="2020-01-01")

    page = client.get(reverse("access:group_members", args=[group.pk])).content.decode()
    assert person.full_name in page and "Больше не сотрудник школы" in page


def test_r13_removing_the_selected_members(client, school, admin, group):
    stays, leaves = teacher(school), teacher(school)
    group_members_add(actor=admin, group=group, person_ids=[stays.pk, leaves.pk])

    response = client.post(reverse("access:group_members", args=[group.pk]), {"person": [leaves.pk]}, follow=True)

    page = response.content.decode()
    assert "Исключено из группы «Педагоги. Доступ к УБ ЦОК» сотрудников: 1." in page
    assert stays.full_name in page and leaves.full_name not in page
    assert AuditEntry.objects.filter(action="access_group.members_remove").count() == 1


def test_r13_removing_nothing_is_explained(client, admin, group):
    response = client.post(reverse("access:group_members", args=[group.pk]), {})
    assert response.status_code == 400 and "Выберите хотя бы одного сотрудника." in response.content.decode()


def test_the_members_page_costs_the_same_queries_for_5_and_60_members(client, school, admin, group):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("access:group_members", args=[group.pk])).status_code == 200
        return len(captured)

    group_members_add(actor=admin, group=group, person_ids=[p.pk for p in add_employees(organisation=school, count=5)])
    queries()  # the first request of a session also stores the consent check
    few = queries()
    group_members_add(actor=admin, group=group, person_ids=[p.pk for p in add_employees(organisation=school, count=55)])
    assert queries() == few
    page = client.get(reverse("access:group_members", args=[group.pk])).content.decode()
    assert "Показано 1–50 из 60" in page


# --- the platform operator ------------------------------------------------------------------------------


def test_r13_the_operator_chooses_a_school_by_inn_before_seeing_members(client, school, group):
    person = teacher(school)
    operator = make_user(superuser=True)
    act_as(client, operator)
    client.post("/role/", {"key": "operator"})

    response = client.get(reverse("access:group_members", args=[group.pk]))
    assert response.status_code == 302 and response.url == reverse("access:group", args=[group.pk])

    card = client.get(reverse("access:group", args=[group.pk]), {"inn": school.inn}).content.decode()
    assert f"/access/groups/{group.pk}/add/?org={school.pk}" in card
    response = client.post(reverse("access:group_add", args=[group.pk]) + f"?org={school.pk}", {"person": [person.pk]})
    assert response.status_code == 302
    assert AccessGroupMember.objects.filter(organisation=school, person=person).exists()
    assert client.get(reverse("access:group", args=[group.pk]), {"inn": "0000000000"}).status_code == 404


def test_large_ids_are_posted_back_without_thousand_separators(client, school, admin, group):
    """The Russian locale groups digits («1 234 567»); a checkbox value must stay a plain number."""
    person = make_person(pk=1_234_567, surname="Тысячная")
    make_membership(person=person, role=Role.TEACHER, organisation=school)

    page = client.get(reverse("access:group_add", args=[group.pk])).content.decode()
    assert 'value="1234567"' in page
    client.post(reverse("access:group_add", args=[group.pk]), {"person": ["1234567"]})
    page = client.get(reverse("access:group_members", args=[group.pk])).content.decode()
    assert 'value="1234567"' in page and "Тысячная" in page
