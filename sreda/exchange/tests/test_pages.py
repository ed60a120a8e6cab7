"""Issue #10, item 3: «Журнал обмена» of a school and «Состояние обмена» of the district — the district sees
which schools' exchanges failed or have not run for more than a day (problems first); a school never sees
another school's runs; four kinds of client; constant query counts as runs and schools grow; XLSX."""
from datetime import timedelta
from io import BytesIO

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from sreda.core.testing import act_as, make_member, make_municipality, make_organisation
from sreda.exchange.models import RunKind, RunStatus
from sreda.exchange.tests.factories import make_run
from sreda.people.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def district():
    """A district of three schools: one whose last chat sync failed, one silent for two days, one healthy;
    and a school of another district."""
    municipality = make_municipality(name="Приморский район")
    failed = make_organisation(municipality=municipality, short_name="ГБОУ СОШ № 3")
    silent = make_organisation(municipality=municipality, short_name="ГБОУ Гимназия № 2")
    healthy = make_organisation(municipality=municipality, short_name="ГБОУ СОШ № 1")
    make_run(failed, ago=timedelta(hours=3))
    make_run(failed, kind=RunKind.CHAT_SYNC, status=RunStatus.FAILED, ago=timedelta(hours=1))
    make_run(silent, ago=timedelta(days=2))
    make_run(healthy, ago=timedelta(hours=2))
    make_run(healthy, kind=RunKind.CHAT_SYNC, ago=timedelta(minutes=5))
    elsewhere = make_organisation(short_name="ГБОУ Лицей № 9")
    make_run(elsewhere, status=RunStatus.FAILED)
    return municipality, failed, silent, healthy, elsewhere


def sign_in(client, role, **where):
    user, membership = make_member(role=role, **where)
    act_as(client, user, membership)
    return user


def rows_of(html: str) -> list[str]:
    body = html.split('id="exchange-health"', 1)[1]
    return [part.split("</a>", 1)[0].rsplit(">", 1)[1] for part in body.split('data-testid="health-row"')[1:]]


# --- the district ---------------------------------------------------------------------------------------------

def test_the_district_sees_the_failed_school_first_then_the_silent_one(client, district):
    """Given a school whose chat sync failed and one with no run for two days, the methodologist's page lists
    them first with «ошибка» and «нет обмена более суток»; a school of another district is not shown."""
    municipality, failed, silent, healthy, elsewhere = district
    sign_in(client, Role.METHODIST, municipality=municipality)

    page = client.get("/exchange/district/").content.decode()

    assert rows_of(page) == ["ГБОУ СОШ № 3", "ГБОУ Гимназия № 2", "ГБОУ СОШ № 1"]
    first, second, third = page.split('data-testid="health-row"')[1:]
    assert "ошибка" in first and "нет обмена более суток" not in first
    assert "нет обмена более суток" in second and "ошибка" not in second.split("</td>", 2)[1]
    assert "ошибка" not in third and "нет обмена" not in third
    assert "Лицей № 9" not in page


def test_only_problems_and_search_by_inn(client, district):
    municipality, failed, silent, healthy, _ = district
    sign_in(client, Role.METHODIST, municipality=municipality)

    assert rows_of(client.get("/exchange/district/", {"problems": "1"}).content.decode()) == [
        "ГБОУ СОШ № 3", "ГБОУ Гимназия № 2"]
    assert rows_of(client.get("/exchange/district/", {"q": healthy.inn}).content.decode()) == ["ГБОУ СОШ № 1"]
    assert rows_of(client.get("/exchange/district/", {"q": "гимназия"}).content.decode()) == ["ГБОУ Гимназия № 2"]


def test_a_school_that_never_exchanged_is_silent(client):
    municipality = make_municipality()
    make_organisation(municipality=municipality, short_name="Новая школа")
    sign_in(client, Role.METHODIST, municipality=municipality)
    page = client.get("/exchange/district/").content.decode()
    assert rows_of(page) == ["Новая школа"] and "нет обмена более суток" in page and "не было" in page


def test_the_district_xlsx(client, district):
    municipality = district[0]
    sign_in(client, Role.METHODIST, municipality=municipality)
    response = client.get("/exchange/district/export.xlsx", {"problems": "1"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:5] == ("Организация", "ИНН", "Муниципалитет", "Ошибка", "Нет обмена более суток")
    assert [(r[0], r[3], r[4]) for r in rows[1:]] == [("ГБОУ СОШ № 3", "да", "нет"), ("ГБОУ Гимназия № 2", "нет", "да")]
    assert rows[1][rows[0].index("Синхронизация чатов")].startswith("не выполнен")


def test_the_district_page_query_count_is_constant_as_schools_grow(client):
    municipality = make_municipality()
    sign_in(client, Role.METHODIST, municipality=municipality)

    def queries() -> int:
        client.get("/exchange/district/")  # the first request of a session writes it; count the second
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/exchange/district/").status_code == 200
        return len(ctx.captured_queries)

    for _ in range(2):
        school = make_organisation(municipality=municipality)
        make_run(school)
        make_run(school, kind=RunKind.CHAT_SYNC, status=RunStatus.ERRORS)
    small = queries()
    for _ in range(10):
        school = make_organisation(municipality=municipality)
        for kind in RunKind.values:
            make_run(school, kind=kind)
    assert queries() == small


# --- the school's journal -------------------------------------------------------------------------------------

def test_the_journal_lists_the_school_runs_with_counts_and_filters(client):
    school = make_organisation()
    make_run(school, status=RunStatus.WARNINGS, warnings=[{"file": "a.csv", "line": 4, "column": "Телефон",
                                                           "reason": "телефон «123» — значение не загружено"}])
    make_run(school, kind=RunKind.CHAT_SYNC, status=RunStatus.FAILED, counts={"rooms_created": 0}, title="Задача № 5")
    sign_in(client, Role.DIRECTOR, organisation=school)

    page = client.get("/exchange/").content.decode()
    assert "Журнал обмена — " + school.short_name in page
    assert "Импорт контингента" in page and "Синхронизация чатов" in page
    assert "строк: 10, добавлено: 4" in page and "12 с" in page and "с предупреждениями" in page
    only_failed = client.get("/exchange/", {"status": "failed"}).content.decode()
    assert "Задача № 5" in only_failed and "kontingent.zip" not in only_failed
    only_roster = client.get("/exchange/", {"kind": "roster"}).content.decode()
    assert "kontingent.zip" in only_roster and "Задача № 5" not in only_roster


def test_a_run_page_lists_its_errors_and_warnings(client):
    school = make_organisation()
    run = make_run(school, status=RunStatus.ERRORS,
                   errors=[{"file": "users.csv", "line": 3, "column": "identifier", "reason": "СНИЛС не сходится"}],
                   warnings=[{"file": "users.csv", "line": 5, "column": "email", "reason": "e-mail не загружен"}])
    sign_in(client, Role.ADMINISTRATOR, organisation=school)

    page = client.get(f"/exchange/runs/{run.pk}/").content.decode()

    assert "users.csv, строка 3, столбец «identifier»" in page and "СНИЛС не сходится" in page
    assert "users.csv, строка 5, столбец «email»" in page and "e-mail не загружен" in page


def test_the_journal_xlsx(client):
    school = make_organisation()
    make_run(school, status=RunStatus.ERRORS)
    sign_in(client, Role.DIRECTOR, organisation=school)
    response = client.get("/exchange/export.xlsx")
    rows = list(load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0][:6] == ("Начало", "Окончание", "Длительность", "Вид", "Запуск", "Итог")
    assert rows[1][3:6] == ("Импорт контингента", "командная строка", "с ошибками") and rows[1][8] == 1


def test_the_journal_query_count_is_constant_as_runs_grow(client):
    school = make_organisation()
    user = sign_in(client, Role.DIRECTOR, organisation=school)
    from sreda.exchange.models import ExchangeRun

    def queries() -> int:
        client.get("/exchange/")  # the first request of a session writes it; count the second
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/exchange/").status_code == 200
        return len(ctx.captured_queries)

    for kind in (RunKind.ROSTER, RunKind.SCIM):
        make_run(school, kind=kind)
    small = queries()
    for n in range(30):
        make_run(school, kind=RunKind.values[n % 6], status=RunStatus.values[n % 5])
    ExchangeRun.objects.filter(organisation=school).update(created_by=user)
    assert queries() == small


# --- who sees what (R1): four kinds of client and tenant isolation ----------------------------------------

def test_anonymous_is_sent_to_sign_in_and_the_wrong_role_is_refused(client):
    school = make_organisation()
    run = make_run(school)
    for url in ("/exchange/", "/exchange/district/", f"/exchange/runs/{run.pk}/", "/exchange/export.xlsx"):
        assert client.get(url).status_code == 302
    sign_in(client, Role.TEACHER, organisation=school)
    for url in ("/exchange/", "/exchange/district/", "/exchange/export.xlsx", "/exchange/district/export.xlsx"):
        response = client.get(url)
        assert response.status_code == 403 and "Журнал обмена видят" in response.content.decode()
    assert client.get(f"/exchange/runs/{run.pk}/").status_code == 404


def test_a_school_never_sees_another_school_runs(client):
    """School A's director: A's journal only, B's run is «not found», `?org=B` changes nothing."""
    school_a, school_b = make_organisation(short_name="Школа А"), make_organisation(short_name="Школа Б")
    make_run(school_a, title="a.zip")
    run_b = make_run(school_b, title="b.zip", status=RunStatus.FAILED)
    sign_in(client, Role.DIRECTOR, organisation=school_a)

    page = client.get("/exchange/", {"org": school_b.pk}).content.decode()
    assert "a.zip" in page and "b.zip" not in page and "Школа Б" not in page
    assert client.get(f"/exchange/runs/{run_b.pk}/").status_code == 404
    district = client.get("/exchange/district/").content.decode()
    assert "Школа А" in district and "Школа Б" not in district
    xlsx = client.get("/exchange/export.xlsx", {"org": school_b.pk})
    assert b"b.zip" not in xlsx.content


def test_the_district_opens_its_schools_journals_but_not_another_district(client, district):
    municipality, failed, silent, healthy, elsewhere = district
    sign_in(client, Role.METHODIST, municipality=municipality)

    assert client.get("/exchange/").status_code == 302  # no school of its own: the district page
    page = client.get("/exchange/", {"org": failed.pk}).content.decode()
    assert "Журнал обмена — ГБОУ СОШ № 3" in page and "не выполнен" in page
    run = failed.exchange_runs.get(kind=RunKind.CHAT_SYNC)
    assert client.get(f"/exchange/runs/{run.pk}/").status_code == 200
    assert client.get("/exchange/", {"org": elsewhere.pk}).status_code == 404
    assert client.get(f"/exchange/runs/{elsewhere.exchange_runs.get().pk}/").status_code == 404


def test_the_menu_has_the_journal_for_the_school_and_the_health_for_the_district(client):
    school = make_organisation()
    sign_in(client, Role.DIRECTOR, organisation=school)
    home = client.get("/").content.decode()
    assert "Журнал обмена" in home and "Состояние обмена" not in home
    sign_in(client, Role.METHODIST, municipality=school.municipality)
    home = client.get("/").content.decode()
    assert "Состояние обмена" in home and "Журнал обмена" not in home
    sign_in(client, Role.TEACHER, organisation=school)
    home = client.get("/").content.decode()
    assert "Журнал обмена" not in home and "Состояние обмена" not in home
