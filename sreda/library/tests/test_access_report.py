"""R15 school-wide: the report agrees with the teacher's own answer for every teacher, costs the same queries
for 3 or 40 teachers, and a school's administrator reads only their own school (page, XLSX)."""
from __future__ import annotations

import io
import random

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from sreda.core.testing import act_as, make_member, make_membership, make_organisation, make_person, make_user
from sreda.library import access as acc
from sreda.library.access import library_access_for
from sreda.library.access_report import access_report, filter_rows, report_actor
from sreda.library.tests.test_access_conditions import add_lesson, add_to_group, subject, teacher
from sreda.people.models import Confirmation
from sreda.people.roles import Role

pytestmark = pytest.mark.django_db


def mixed_school(count: int, seed: int = 15):
    """`count` teachers, each condition failing at random (about one in three)."""
    rng = random.Random(seed)
    school = make_organisation()
    for _ in range(count):
        teacher(school, confirmed=rng.random() > 0.3, in_group=rng.random() > 0.3,
                lessons=rng.choice(["published", "published", "draft", None]))
    return school


def test_r15_report_equals_the_teachers_own_answer_for_every_teacher():
    school = mixed_school(25)
    staff_user, _ = teacher(school, role=Role.STAFF)  # in the group, not a teacher: listed too
    rows = access_report(school)
    assert len(rows) == 26 and {r.allowed for r in rows} == {True, False}
    for row in rows:
        own = library_access_for(row.person, report_actor(row))
        assert row.result.reasons == own.reasons, row.person.full_name
    staff_row = next(r for r in rows if r.person == staff_user.person)
    assert staff_row.roles == ("Сотрудник",) and acc.NOT_A_TEACHER in staff_row.result.codes


def test_r15_report_lists_teachers_and_group_members_of_this_school_only():
    school, other = make_organisation(), make_organisation()
    mine, _ = teacher(school, in_group=False)
    teacher(other)  # another school's teacher
    former = make_person(surname="Бывшая")
    add_to_group(former, school)  # in the group, no longer an employee
    admin_user, _ = make_member(role=Role.ADMINISTRATOR, organisation=school)  # not a teacher, not in the group
    rows = access_report(school)
    assert [r.person for r in rows] == sorted([mine.person, former], key=lambda p: p.sort_key)
    former_row = next(r for r in rows if r.person == former)
    assert former_row.membership is None and not former_row.allowed and former_row.roles == ()


def test_r15_report_checks_the_teacher_role_even_when_the_person_holds_others():
    school = make_organisation()
    user, director = teacher(school, role=Role.DIRECTOR)
    make_membership(person=user.person, role=Role.TEACHER, organisation=school, confirmation=Confirmation.CONFIRMED)
    (row,) = access_report(school)
    assert row.membership.role == Role.TEACHER and row.allowed
    assert set(row.roles) == {"Руководитель ОО", "Учитель"}


def test_r15_report_lists_the_supported_subjects_each_teacher_teaches():
    school = make_organisation()
    user, membership = teacher(school)  # Математика by the schedule
    membership.subjects.add(subject("Химия"), subject("Физкультура", supported=False))
    add_lesson(teacher=user.person, organisation=school, subject_name="Литература")
    (row,) = access_report(school)
    assert row.subjects == ("Литература", "Математика", "Химия")


def test_r15_report_costs_the_same_queries_for_3_or_40_teachers():
    small, large = mixed_school(3, seed=1), mixed_school(40, seed=2)
    for school in (small, large):
        access_report(school)  # warm caches (content types etc.)
    with CaptureQueriesContext(connection) as few:
        access_report(small)
    with CaptureQueriesContext(connection) as many:
        access_report(large)
    assert len(few) == len(many) <= 7


def test_r15_report_filters_refused_only_and_searches_ignoring_yo():
    school = make_organisation()
    yolkina, _ = teacher(school, surname="Ёлкина")
    petrov, _ = teacher(school, surname="Петров", in_group=False)
    rows = access_report(school)
    assert [r.person for r in filter_rows(rows, refused_only=True)] == [petrov.person]
    assert [r.person for r in filter_rows(rows, query="ЕЛКИНА")] == [yolkina.person]


# --- the page and its file --------------------------------------------------------------------------------

def admin_of(school):
    return make_member(role=Role.ADMINISTRATOR, organisation=school, confirmation=Confirmation.CONFIRMED)


def test_r15_report_page_shows_each_cross_with_reason_and_where_to_fix_it(client):
    school = make_organisation()
    refused, _ = teacher(school, in_group=False, surname="Петров")
    teacher(school, surname="Смирнова")
    act_as(client, *admin_of(school))
    page = client.get("/library/access/").content.decode()
    assert "Петров" in page and "Смирнова" in page
    assert "Вас нет в группе доступа «Педагоги. Доступ к УБ ЦОК»" in page
    assert "/access/groups/" in page  # ✗ of condition 3 links to the access-group pages
    only = client.get("/library/access/?refused=1").content.decode()
    assert "Петров" in only and "Смирнова" not in only


def test_r15_report_page_is_paginated(client):
    school = make_organisation()
    for _ in range(51):
        teacher(school, lessons=None, in_group=False)
    act_as(client, *admin_of(school))
    first = client.get("/library/access/").content.decode()
    assert "Показано 1–50 из 51" in first
    assert "Показано 51–51 из 51" in client.get("/library/access/?page=2").content.decode()


def test_r15_administrator_of_school_a_never_sees_school_b(client):
    school_a, school_b = make_organisation(), make_organisation()
    teacher(school_a, surname="Аистова")
    teacher(school_b, surname="Бобров")
    act_as(client, *admin_of(school_a))
    page = client.get(f"/library/access/?org={school_b.pk}").content.decode()  # ?org= is the operator's only
    assert "Аистова" in page and "Бобров" not in page
    book = load_workbook(io.BytesIO(client.get(f"/library/access.xlsx?org={school_b.pk}").content))
    names = [r[0] for r in book.active.iter_rows(min_row=2, values_only=True)]
    assert names and all(name.startswith("Аистова") for name in names)


def test_r15_report_is_closed_to_a_teacher_and_open_to_the_operator_for_a_named_school(client):
    school = make_organisation()
    user, membership = teacher(school, surname="Бобров")
    act_as(client, user, membership)
    assert client.get("/library/access/").status_code == 403
    assert client.get("/library/access.xlsx").status_code == 403
    operator = make_user(superuser=True)
    act_as(client, operator)
    session = client.session
    session["sreda_active_role"] = "operator"
    session.save()
    assert client.get("/library/access/").status_code == 403  # the operator names a school
    assert "Бобров" in client.get(f"/library/access/?org={school.pk}").content.decode()


def test_r15_xlsx_has_the_page_columns_and_the_reasons(client):
    school = make_organisation()
    teacher(school, surname="Петров", confirmed=False)
    act_as(client, *admin_of(school))
    response = client.get("/library/access.xlsx")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0][0] == "ФИО" and rows[0][-1] == "Доступ к библиотеке"
    assert [h.split(". ")[0] for h in rows[0][2:7]] == ["1", "2", "3", "4", "5"]
    petrov = rows[1]
    assert petrov[2].startswith("✗ Ваша роль") and "Руководитель ОО" in petrov[2]
    assert petrov[3:7] == ("✓", "✓", "✓", "✓") and petrov[-1] == "нет"


def test_r15_report_page_xlsx_and_api_cost_the_same_queries_for_3_or_30_teachers(client):
    from sreda.api.models import SCOPE_LIBRARY_READ
    from sreda.api.tests.factories import bearer, issue

    counts = []
    for size in (3, 30):
        school = mixed_school(size, seed=size)
        user, admin = admin_of(school)
        act_as(client, user, admin)
        token = issue(role=Role.ADMINISTRATOR, organisation=school, scopes=(SCOPE_LIBRARY_READ,))
        client.get("/library/access/")  # warm-up
        measured = []
        for url, extra in (("/library/access/", {}), ("/library/access.xlsx", {}),
                           (f"/api/v1/orgs/{school.pk}/library-access", bearer(token))):
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url, **extra).status_code == 200
            measured.append(len(queries))
        counts.append(measured)
    assert counts[0] == counts[1]
