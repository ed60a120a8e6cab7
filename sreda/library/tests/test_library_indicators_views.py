"""R19 on the page «Показатели библиотеки», its XLSX, the API, the CLI and the stats dashboards: the same
figures, scoped like the stats dashboards (R1)."""
from __future__ import annotations

import io
import json
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from sreda.api.models import SCOPE_LIBRARY_READ, SCOPE_READ, SCOPE_STATS_READ
from sreda.api.tests.factories import bearer, issue
from sreda.core.testing import act_as, make_member, make_municipality, make_region
from sreda.library.tests.test_library_indicators import School
from sreda.library.models import CatalogueItem, Course
from sreda.orgs.models import Subject
from sreda.people.roles import Role

pytestmark = pytest.mark.django_db
PERIOD = {"from": "01.11.2025", "to": "30.11.2025"}


@pytest.fixture
def region():
    """Two districts of one region: «Северный» with a school meeting R19 and one below it, «Южный» with one
    school below it. Each school has a director with an e-mail."""
    subject, _ = Subject.objects.get_or_create(name="Математика", defaults={"supported": True})
    course = Course.objects.create(title="Математика 5", subject=subject, grade=5)
    item = CatalogueItem.objects.create(course=course, title="Дроби", grade=5, subject=subject)
    reg = make_region(name="Тестовая область")
    north, south = make_municipality(region=reg, name="Северный район"), make_municipality(region=reg, name="Южный район")
    good = School(item, teachers=5, students=10, municipality=north)
    good.org.short_name = "Школа «Сильная»"
    good.org.save()
    for teacher in good.teachers[:3]:
        assignment = good.active_teacher(teacher)
    for student in good.students[:3]:
        good.opened(student, assignment)
    weak = School(item, teachers=5, students=10, municipality=north)
    weak.org.short_name = "Школа «Слабая»"
    weak.org.save()
    weak.active_teacher(weak.teachers[0])
    far = School(item, teachers=2, students=2, municipality=south)
    far.org.short_name = "Школа «Дальняя»"
    far.org.save()
    directors = {}
    for school in (good, weak, far):
        directors[school.org.pk] = make_member(role=Role.DIRECTOR, organisation=school.org)
        person = directors[school.org.pk][0].person
        person.email = f"director{school.org.pk}@school.ru"
        person.save()
    return {"region": reg, "north": north, "south": south, "good": good, "weak": weak, "far": far,
            "directors": directors, "item": item}


def test_r19_methodist_sees_only_their_municipality_below_target_first(client, region):
    """R19 page, scoped (R1): the methodist of «Северный» sees its two schools, the weak one first with its
    director's e-mail, and never «Дальняя»."""
    user, membership = make_member(role=Role.METHODIST, municipality=region["north"])
    act_as(client, user, membership)
    page = client.get(reverse("library:indicators"), PERIOD)
    html = page.content.decode()
    assert page.status_code == 200
    assert "Дальняя" not in html
    assert html.index("Школа «Слабая»") < html.index("Школа «Сильная»")
    assert f"director{region['weak'].org.pk}@school.ru" in html
    assert "60\u00a0% <span class=\"muted\">(3 из 5)" in html and "20\u00a0% <span class=\"muted\">(1 из 5)" in html
    assert "1 из 2" in html  # schools meeting both among known


def test_r19_regional_operator_drills_down_and_a_foreign_municipality_is_404(client, region):
    """The regional operator sees both districts with their counts; the drill-down shows one district; a
    methodist asking for another district gets «not found»."""
    user, membership = make_member(role=Role.REGIONAL_OPERATOR, region=region["region"])
    act_as(client, user, membership)
    html = client.get(reverse("library:indicators"), PERIOD).content.decode()
    assert 'data-testid="municipalities"' in html and "Южный район" in html and "Дальняя" in html
    drill = client.get(reverse("library:indicators"), {**PERIOD, "municipality": region["south"].pk}).content.decode()
    assert "Дальняя" in drill and "Слабая" not in drill
    methodist, role = make_member(role=Role.METHODIST, municipality=region["north"])
    act_as(client, methodist, role)
    assert client.get(reverse("library:indicators"), {"municipality": region["south"].pk}).status_code == 404


def test_r19_director_sees_own_school_and_a_teacher_is_refused(client, region):
    user, membership = region["directors"][region["weak"].org.pk]
    act_as(client, user, membership)
    html = client.get(reverse("library:indicators"), PERIOD).content.decode()
    assert "Школа «Слабая»" in html and "Школа «Сильная»" not in html
    teacher, role = make_member(role=Role.TEACHER, organisation=region["weak"].org)
    act_as(client, teacher, role)
    assert client.get(reverse("library:indicators")).status_code == 403
    assert client.get(reverse("library:indicators_xlsx")).status_code == 403


def test_r19_bad_period_is_explained_and_the_current_month_shown(client, region):
    user, membership = make_member(role=Role.METHODIST, municipality=region["north"])
    act_as(client, user, membership)
    html = client.get(reverse("library:indicators"), {"from": "30.11.2025", "to": "01.11.2025"}).content.decode()
    assert "позже его конца" in html and "Показан текущий месяц" in html
    html = client.get(reverse("library:indicators"), {"from": "вчера"}).content.decode()
    assert "Дата «вчера» не распознана" in html


def test_r19_xlsx_has_every_school_of_the_scope_with_the_figures(client, region):
    user, membership = make_member(role=Role.METHODIST, municipality=region["north"])
    act_as(client, user, membership)
    response = client.get(reverse("library:indicators_xlsx"), PERIOD)
    assert response.status_code == 200 and "biblioteka-r19-2025-11-01-2025-11-30.xlsx" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][2] == "Краткое название"
    by_name = {row[2]: row for row in rows[1:]}
    assert set(by_name) == {"Школа «Сильная»", "Школа «Слабая»"}
    strong = by_name["Школа «Сильная»"]
    assert strong[6:14] == (5, 3, 0.6, "да", 10, 3, 0.3, "да") and strong[14] == "да"


def test_r19_page_query_count_does_not_grow_with_schools(client, region):
    user, membership = make_member(role=Role.REGIONAL_OPERATOR, region=region["region"])
    act_as(client, user, membership)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("library:indicators"), PERIOD).status_code == 200
        return len(ctx)

    queries()
    few = queries()
    for _ in range(4):
        School(region["item"], teachers=2, students=2, municipality=region["south"])
    assert queries() == few


def test_r19_api_scoped_by_token_and_shape(client, region):
    """GET /api/v1/library/indicators with library:read or stats:read; a methodist's token sees one district."""
    secret = issue(role=Role.METHODIST, municipality=region["north"], scopes=(SCOPE_LIBRARY_READ,))
    body = client.get("/api/v1/library/indicators", {"from": "2025-11-01", "to": "2025-11-30"}, **bearer(secret)).json()
    assert (body["from"], body["to"]) == ("2025-11-01", "2025-11-30")
    names = {o["short_name"]: o for o in body["organisations"]}
    assert set(names) == {"Школа «Сильная»", "Школа «Слабая»"}
    assert names["Школа «Сильная»"]["teachers"] == {"total": 5, "active": 3, "share": 0.6, "meets": True}
    assert names["Школа «Слабая»"]["meets_all"] is False
    [district] = body["municipalities"]
    assert (district["name"], district["organisations"], district["meeting_all"], district["share"]) == (
        "Северный район", 2, 1, 0.5)
    stats_token = issue(role=Role.REGIONAL_OPERATOR, region=region["region"], scopes=(SCOPE_STATS_READ,))
    response = client.get("/api/v1/library/indicators", {"from": "2025-11-01", "to": "2025-11-30",
                                                         "municipality_id": region["south"].pk}, **bearer(stats_token))
    assert [o["short_name"] for o in response.json()["organisations"]] == ["Школа «Дальняя»"]
    foreign = client.get("/api/v1/library/indicators", {"municipality_id": region["south"].pk}, **bearer(secret))
    assert foreign.status_code == 404
    read_only = issue(role=Role.METHODIST, municipality=region["north"], scopes=(SCOPE_READ,))
    assert client.get("/api/v1/library/indicators", **bearer(read_only)).status_code == 403
    bad = client.get("/api/v1/library/indicators", {"from": "2025-11-30", "to": "2025-11-01"}, **bearer(secret))
    assert bad.status_code == 422 and "позже его конца" in bad.json()["detail"]


def test_r19_cli_json_csv_and_xlsx(region, tmp_path):
    out = io.StringIO()
    call_command("library", "indicators", "--from", "2025-11-01", "--to", "2025-11-30",
                 "--municipality", "северный район", "--format", "json", stdout=out)
    body = json.loads(out.getvalue())
    assert {o["short_name"] for o in body["organisations"]} == {"Школа «Сильная»", "Школа «Слабая»"}
    out = io.StringIO()
    call_command("library", "indicators", "--from", "2025-11-01", "--to", "2025-11-30", "--format", "csv", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("ID организации в Среде") and len(lines) == 4
    target = tmp_path / "r19.xlsx"
    call_command("library", "indicators", "--from", "2025-11-01", "--to", "2025-11-30", "--format", "xlsx",
                 "--output", str(target), stderr=io.StringIO())
    assert load_workbook(target).active.max_row == 4
    with pytest.raises(CommandError, match="не найден"):
        call_command("library", "indicators", "--from", "2025-11-01", "--to", "2025-11-30", "--municipality", "Нет")
    with pytest.raises(CommandError, match="не распознана"):
        call_command("library", "indicators", "--from", "01/11/2025", "--to", "2025-11-30")


def test_r19_beside_the_messenger_figures_on_the_stats_dashboards(client, region):
    """The school's stats page shows its R19 figures for the 30 days before the report date; the
    municipality's page the district's together."""
    user, membership = make_member(role=Role.METHODIST, municipality=region["north"])
    act_as(client, user, membership)
    on = {"on": "01.12.2025"}  # the 30 days before: 01.11–30.11
    school = client.get(reverse("stats:school", args=[region["good"].org.pk]), on).content.decode()
    block = school[school.index('data-testid="library-indicators"'):]
    block = block[:block.index("</section>")]
    assert "60\u00a0%" in block and "(3 из 5)" in block and "выполнена" in block and "(3 из 10)" in block
    district = client.get(reverse("stats:municipality", args=[region["north"].pk]), on).content.decode()
    block = district[district.index('data-testid="library-indicators"'):]
    block = block[:block.index("</section>")]
    assert "(4 из 10)" in block and "школ, выполняющих цель: 1 из 2" in block
    later = client.get(reverse("stats:school", args=[region["good"].org.pk]), {"on": "15.01.2026"}).content.decode()
    block = later[later.index('data-testid="library-indicators"'):]
    assert "0\u00a0% <span class=\"muted\">(0 из 5)" in block[:block.index("</section>")]
