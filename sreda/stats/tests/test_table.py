"""The A–Y table of R31 (computed and imported rows), its page (filters, sorting, shares of R32 in red and
green, constant query count), its XLSX/CSV exports read back, and the API."""
import csv
import io
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from sreda.api.models import SCOPE_READ
from sreda.api.tests.factories import bearer, issue
from sreda.core.active_role import system_operator
from sreda.core.testing import act_as, make_member, make_membership, make_municipality, make_organisation, make_person, make_user
from sreda.orgs.models import OrganisationType
from sreda.people.roles import Role
from sreda.stats import exports
from sreda.stats.imports import COLUMNS
from sreda.stats.table import statistics_table
from sreda.stats.tests.stats_builders import make_active, make_oo1, make_snapshot

pytestmark = pytest.mark.django_db
ON = date(2025, 11, 20)
TITLES = [title for _l, _f, title, _k in COLUMNS]
LETTERS = [letter for letter, _f, _t, _k in COLUMNS]


def _registered(org, role, n, *, with_account=True):
    for _ in range(n):
        person = make_user().person if with_account else make_person()
        make_membership(person=person, role=role, organisation=org, start_date=date(2025, 9, 1))


@pytest.fixture
def district():
    municipality = make_municipality(name="Василеостровский район")
    school = make_organisation(municipality=municipality, short_name="ГБОУ СОШ № 1", messenger_org_id="55501")
    make_oo1(school, teachers=4, students=10)
    _registered(school, Role.TEACHER, 2)
    _registered(school, Role.STAFF, 1)
    _registered(school, Role.STUDENT, 3)
    _registered(school, Role.STUDENT, 2, with_account=False)  # on the roster, no account: not registered
    _registered(school, Role.PARENT, 4)
    _registered(school, Role.DIRECTOR, 1)
    make_active(school, "teachers", 3, on=ON)
    make_active(school, "students", 3, on=ON)
    make_active(school, "parents", 2, on=ON)
    imported = make_organisation(municipality=municipality, short_name="ГБОУ Лицей № 2")
    make_snapshot(imported, on=ON, org_type="Общеобразовательная", municipality_name="Василеостровский",
                  region_name="г. Санкт-Петербург", region_code="78", platform_org_id="777", is_active=True,
                  people_total=420, teachers_total=20, students_total=200, parents_total=200, registrations_total=300,
                  teachers_registered=20, teachers_linked=18, students_registered=150, students_linked=100,
                  parents_registered=130, parents_linked=90, students_active=80, parents_active=60,
                  teachers_active=16, teachers_with_calls=4)
    return municipality, school, imported


def _rows_by_org(**kw):
    return {r.organisation.pk: r for r in statistics_table(actor=system_operator(), on=ON, **kw)}


def test_r31_computed_row_has_the_exact_column_meanings(district):
    municipality, school, _ = district
    row = _rows_by_org()[school.pk]
    assert row.source == "events"
    assert row.values == {
        "A": ON, "B": "ГБОУ СОШ № 1", "C": "Общеобразовательная", "D": "Василеостровский район",
        "E": municipality.region.name, "F": municipality.region.code, "G": "", "H": "55501", "I": True,
        "J": 24, "K": 4, "L": 10, "M": 10,
        "N": 11,  # 3 teachers + 3 students + 4 parents + the director, all with accounts
        "O": 3,   # «Учитель» and «Сотрудник»
        "P": None, "Q": 3, "R": None, "S": 4, "T": None,
        "U": 3, "V": 2, "W": school.inn, "X": 3, "Y": 0,  # no call events
    }


def test_r31_y_counts_teachers_with_a_call_in_the_week_from_call_events():
    """Y: distinct teachers («Учитель», «Сотрудник») with at least one call in the 7 days before the date,
    whether or not the call counts as activity under R30; students' calls and older calls are not Y."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from sreda.stats.events import events_ingest

    school = make_organisation()
    make_oo1(school, teachers=3, students=5)
    people = {name: make_user().person for name in ("t1", "t2", "staff", "student")}
    roles = {"t1": Role.TEACHER, "t2": Role.TEACHER, "staff": Role.STAFF, "student": Role.STUDENT}
    for name, person in people.items():
        make_membership(person=person, role=roles[name], organisation=school, start_date=date(2025, 9, 1))
    msk = ZoneInfo("Europe/Moscow")

    def call(name, day, counts=True):
        return {"organisation_id": school.pk, "person_id": people[name].pk, "role": roles[name], "source": "call",
                "kind": "call", "occurred_at": datetime(2025, 11, day, 12, 0, tzinfo=msk), "counts": counts,
                "external_id": f"call-{name}-{day}-{counts}"}

    result = events_ingest(actor=system_operator(), events=[
        call("t1", 14), call("t1", 18),  # one teacher, two calls
        call("staff", 19, counts=False),  # «Сотрудник», not R30 activity: still a call
        call("t2", 12),  # the 8th day before: outside the week
        call("student", 18),
    ])
    assert result.stored == 5
    row = _rows_by_org()[school.pk]
    assert row["Y"] == 2
    assert row["X"] == 1  # only t1's counting calls made a teacher active


def test_r31_imported_row_is_the_platforms_own(district):
    _, _, imported = district
    row = _rows_by_org()[imported.pk]
    assert row.source == "import"
    assert [row[letter] for letter in "HJKLMNOPQRSTUVXY"] == [
        "777", 420, 20, 200, 200, 300, 20, 18, 150, 100, 130, 90, 80, 60, 16, 4]
    assert row["B"] == "ГБОУ Лицей № 2" and row["W"] == imported.inn  # blank in the snapshot → from the card


def test_r31_r32_filters_and_sort(district):
    _, school, imported = district
    preschool = make_organisation(municipality=school.municipality, kind=OrganisationType.PRESCHOOL)
    make_oo1(preschool, teachers=10, students=40)
    make_active(preschool, "teachers", 9, on=ON)
    make_active(preschool, "parents", 12, on=ON)  # 30 %: meets
    below = statistics_table(actor=system_operator(), on=ON, below_target=True)
    assert {r.organisation for r in below} == {school}  # parents 20 %; the lyceum: 80 %, 40 %, exactly 30 %
    assert [r.organisation for r in statistics_table(actor=system_operator(), on=ON, kind="preschool")] == [preschool]
    by_x = statistics_table(actor=system_operator(), on=ON, sort="-X")
    assert [r["X"] for r in by_x] == [16, 9, 3]
    by_share = statistics_table(actor=system_operator(), on=ON, sort="share_students")
    assert by_share[-1].organisation == preschool  # students not counted → last


def test_r31_xlsx_has_the_letters_and_titles_and_reads_back(district):
    _, school, imported = district
    rows = statistics_table(actor=system_operator(), on=ON)
    wb = load_workbook(io.BytesIO(exports.table_xlsx(rows)))
    ws = wb.active
    assert [ws[f"{letter}1"].value for letter in LETTERS] == TITLES
    assert ws["Z1"].value is None
    by_name = {ws[f"B{i}"].value: i for i in range(2, ws.max_row + 1)}
    line = by_name["ГБОУ СОШ № 1"]
    assert ws[f"A{line}"].value.date() == ON
    assert (ws[f"K{line}"].value, ws[f"X{line}"].value, ws[f"I{line}"].value, ws[f"P{line}"].value) == (4, 3, "да", None)
    assert ws[f"W{line}"].value == school.inn
    assert ws[f"Y{by_name['ГБОУ Лицей № 2']}"].value == 4


def test_r31_csv_has_the_titles_and_russian_dates(district):
    rows = statistics_table(actor=system_operator(), on=ON)
    text = exports.table_csv(rows).decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(text)))
    assert lines[0] == TITLES
    school_line = next(line for line in lines if line[1] == "ГБОУ СОШ № 1")
    assert school_line[0] == "20.11.2025" and school_line[8] == "да" and school_line[15] == ""  # P empty


# --- the page ---------------------------------------------------------------------------------------------


def test_r31_page_shows_district_rows_with_red_and_green_shares(client, district):
    municipality, school, imported = district
    elsewhere = make_organisation(short_name="Чужая школа")
    user, methodist = make_member(role=Role.METHODIST, municipality=municipality)
    act_as(client, user, methodist)
    response = client.get(reverse("stats:table"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "20.11.2025" in html  # default date: the latest imported report date
    assert "ГБОУ СОШ № 1" in html and "ГБОУ Лицей № 2" in html and "Чужая школа" not in html
    assert 'class="share-ok" title="3 из 4; цель 75 %">75,0 %' in html  # exactly 75 % is green
    assert 'class="share-bad" title="2 из 10; цель 30 %">20,0 %' in html
    assert "Скачать XLSX" in html
    response = client.get(reverse("stats:table"), {"date": "2025-11-20", "sort": "-K"})
    assert response.content.decode().index("ГБОУ Лицей № 2") < response.content.decode().index("ГБОУ СОШ № 1")
    response = client.get(reverse("stats:table"), {"date": "bad"})
    assert "не распознана" in response.content.decode()
    assert elsewhere.short_name not in response.content.decode()


def test_r31_htmx_refreshes_only_the_results_and_pages(client, district):
    municipality, school, _ = district
    for n in range(55):
        make_organisation(municipality=municipality, short_name=f"ГБОУ ЦО № {100 + n}")
    user, methodist = make_member(role=Role.METHODIST, municipality=municipality)
    act_as(client, user, methodist)
    response = client.get(reverse("stats:table"), {"date": "2025-11-20", "municipality": municipality.pk},
                          HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "<html" not in html and 'data-testid="stats-table"' in html
    assert "Показано 1–50 из 57" in html and "Страница 1 из 2" in html
    page2 = client.get(reverse("stats:table"), {"date": "2025-11-20", "page": 2}).content.decode()
    assert "Показано 51–57 из 57" in page2


def test_r31_page_downloads(client, district):
    municipality, _, _ = district
    user, methodist = make_member(role=Role.METHODIST, municipality=municipality)
    act_as(client, user, methodist)
    response = client.get(reverse("stats:table_xlsx"), {"date": "2025-11-20"})
    assert response["Content-Disposition"] == 'attachment; filename="statistika-2025-11-20.xlsx"'
    ws = load_workbook(io.BytesIO(response.content)).active
    assert ws["K1"].value == "Учителей в школе всего" and ws.max_row == 3
    response = client.get(reverse("stats:table_csv"), {"date": "2025-11-20", "below": "1"})
    assert response.content.decode("utf-8-sig").splitlines()[0].startswith("Дата,Краткое название,Тип ОО")


def test_r1_director_sees_only_own_school_and_teacher_is_refused(client, district):
    _, school, imported = district
    user, director = make_member(role=Role.DIRECTOR, organisation=school)
    act_as(client, user, director)
    html = client.get(reverse("stats:table"), {"date": "2025-11-20"}).content.decode()
    assert "ГБОУ СОШ № 1" in html and "ГБОУ Лицей № 2" not in html
    user, teacher = make_member(role=Role.TEACHER, organisation=school)
    act_as(client, user, teacher)
    assert client.get(reverse("stats:table")).status_code == 403


def test_r31_page_query_count_does_not_grow_with_rows(client):
    municipality = make_municipality()
    user, methodist = make_member(role=Role.METHODIST, municipality=municipality)
    act_as(client, user, methodist)

    def add(n):
        for _ in range(n):
            org = make_organisation(municipality=municipality)
            make_oo1(org, teachers=5, students=10)
            make_active(org, "teachers", 2, on=ON)
            make_snapshot(org, on=date(2025, 11, 13), teachers_total=5)

    client.get(reverse("stats:table"))  # the session's first request warms caches: not in the count
    counts = []
    for n in (2, 20):
        add(n)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("stats:table")).status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1]


# --- the API ----------------------------------------------------------------------------------------------


def test_r32_api_indicators_in_the_tokens_scope(client, district):
    municipality, school, imported = district
    make_organisation(short_name="Чужая школа")
    secret = issue(role=Role.METHODIST, municipality=municipality)
    data = client.get("/api/v1/stats/indicators", {"date": "2025-11-20"}, **bearer(secret)).json()
    assert data["date"] == "2025-11-20"
    by_name = {o["short_name"]: o for o in data["organisations"]}
    assert set(by_name) == {"ГБОУ СОШ № 1", "ГБОУ Лицей № 2"}
    assert by_name["ГБОУ СОШ № 1"]["teachers"] == {"total": 4, "active": 3, "share": 0.75, "meets": True}
    assert by_name["ГБОУ Лицей № 2"]["source"] == "import"
    assert data["municipalities"] == [{"name": "Василеостровский район", "organisations": 2, "meeting_all": 1, "share": 0.5}]
    other = make_municipality()
    response = client.get("/api/v1/stats/indicators", {"municipality_id": other.pk}, **bearer(secret))
    assert response.status_code == 404
    teacher_token = issue(role=Role.TEACHER, organisation=school)
    response = client.get("/api/v1/stats/indicators", **bearer(teacher_token))
    assert response.status_code == 403 and "Показатели видят" in response.json()["detail"]


def test_r31_api_table_paginated_with_columns(client, district):
    municipality, school, _ = district
    secret = issue(role=Role.METHODIST, municipality=municipality, scopes=(SCOPE_READ,))
    data = client.get("/api/v1/stats/table", {"date": "2025-11-20", "sort": "-X", "limit": 1}, **bearer(secret)).json()
    assert data["count"] == 2 and len(data["items"]) == 1
    assert data["columns"][10] == {"letter": "K", "title": "Учителей в школе всего"}
    item = data["items"][0]
    assert item["values"]["X"] == 16 and item["source"] == "import" and item["shares"]["teachers"] == 0.8
    data = client.get("/api/v1/stats/table", {"date": "2025-11-20", "sort": "-X", "offset": 1}, **bearer(secret)).json()
    assert data["items"][0]["org_id"] == school.pk and data["items"][0]["values"]["P"] is None
    assert data["items"][0]["values"]["A"] == "2025-11-20"


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_r31_r35_an_export_of_the_table_imports_back_unchanged(district, tmp_path, fmt):
    """The exported A–Y file is a platform-style export: importing it (R35) recreates the same rows."""
    from sreda.stats.imports import stats_import
    from sreda.stats.models import StatsSnapshot

    before = {pk: row.values for pk, row in _rows_by_org().items()}
    data = exports.table_xlsx(list(_rows_by_org().values())) if fmt == "xlsx" else exports.table_csv(list(_rows_by_org().values()))
    StatsSnapshot.objects.all().delete()
    path = tmp_path / f"export.{fmt}"
    path.write_bytes(data)
    result = stats_import(actor=system_operator(), path_or_file=path, file_name=path.name)
    assert result.as_dict() == {"imported": 2, "unchanged": 0, "unmatched": [], "errors": []}
    after = _rows_by_org()
    assert {row.source for row in after.values()} == {"import"}
    assert {pk: row.values for pk, row in after.items()} == before
