"""Dashboards (issue 4 item 5; R31–R32, R19, R1): region → municipality → school, the schools below target
first with the director's contact, trend charts, the library block without made-up numbers."""
from datetime import date
from xml.etree import ElementTree as ET

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sreda.core import active_role as ar
from sreda.core.testing import act_as, make_member, make_membership, make_municipality, make_organisation, make_person
from sreda.orgs.models import OrganisationType
from sreda.people.roles import Role
from sreda.stats.dashboards import LIBRARY_NO_DATA
from sreda.stats.models import RoadmapStage
from sreda.stats.tests.stats_builders import make_active, make_active_month, make_oo1

pytestmark = pytest.mark.django_db

ON = date(2025, 11, 20)
SVG = "{http://www.w3.org/2000/svg}"


def school(municipality, name, *, teachers=(10, 10), students=(100, 50), parents=50, kind=OrganisationType.GENERAL,
           director=None):
    """A school with ОО-1 totals and activity in the week before ON: teachers = (total, active), ..."""
    org = make_organisation(municipality=municipality, short_name=name, kind=kind)
    make_oo1(org, teachers=teachers[0], students=students[0])
    make_active(org, "teachers", teachers[1], on=ON)
    make_active(org, "students", students[1], on=ON)
    make_active(org, "parents", parents, on=ON)
    if director:
        make_membership(person=make_person(**director), role=Role.DIRECTOR, organisation=org)
    return org


@pytest.fixture
def district():
    municipality = make_municipality(name="Василеостровский район")
    # Alpha meets everything; Yakor is below target (teachers 50 %).
    alpha = school(municipality, "ГБОУ СОШ № 1 «Альфа»", director={"surname": "Петров", "name": "Пётр",
                                                                   "email": "petrov@school1.ru", "phone": "+79110000001"})
    yakor = school(municipality, "ГБОУ СОШ № 9 «Якорь»", teachers=(10, 5),
                   director={"surname": "Сидорова", "name": "Мария", "email": "sidorova@school9.ru",
                             "phone": "+79110000009"})
    methodist, membership = make_member(role=Role.METHODIST, municipality=municipality)
    return {"municipality": municipality, "alpha": alpha, "yakor": yakor, "methodist": (methodist, membership)}


def test_r32_methodist_sees_the_school_below_target_first_with_the_directors_contact(client, district):
    act_as(client, *district["methodist"])
    response = client.get(reverse("stats:dashboard"), {"on": "20.11.2025"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("stats:municipality", args=[district["municipality"].pk]))
    page = client.get(response["Location"])
    html = page.content.decode()
    assert page.status_code == 200
    assert html.index("«Якорь»") < html.index("«Альфа»")
    assert "Ниже цели" in html
    assert "Сидорова Мария" in html and "sidorova@school9.ru" in html and "tel:+79110000009" in html
    rows = page.context["page"].object_list
    assert [r.organisation.short_name for r in rows] == ["ГБОУ СОШ № 9 «Якорь»", "ГБОУ СОШ № 1 «Альфа»"]
    assert rows[0].indicators.teachers.share == 0.5  # from indicators, untouched
    assert "50\u00a0%" in html and "(5 из 10)" in html
    # The district indicator: 1 of 2 schools meets all three targets.
    summary = page.context["data"].summary
    assert (summary.organisations, summary.meeting_all) == (2, 1)
    assert "Доля выполняющих<strong>50\u00a0%" in html


def test_r19_library_block_says_no_data_when_nobody_used_the_library(client, district):
    act_as(client, *district["methodist"])
    html = client.get(reverse("stats:municipality", args=[district["municipality"].pk]), {"on": "20.11.2025"}).content.decode()
    block = html[html.index('data-testid="library-indicators"'):]
    block = block[:block.index("</section>")]
    assert block.count(LIBRARY_NO_DATA) == 2
    assert "не ниже 60&nbsp;%" in block and "не ниже 30&nbsp;%" in block


def test_municipality_page_query_count_does_not_grow_with_the_number_of_schools(client, district):
    act_as(client, *district["methodist"])
    url = reverse("stats:municipality", args=[district["municipality"].pk])
    client.get(url, {"on": "20.11.2025"})  # warm the session
    cache.clear()  # both requests draw the trend afresh
    with CaptureQueriesContext(connection) as few:
        assert client.get(url, {"on": "20.11.2025"}).status_code == 200
    for i in range(6):
        school(district["municipality"], f"ГБОУ СОШ № {100 + i}", teachers=(8, 2),
               director={"surname": f"Директор{i}", "name": "Иван"})
    cache.clear()
    with CaptureQueriesContext(connection) as many:
        response = client.get(url, {"on": "20.11.2025"})
    assert len(response.context["page"].object_list) == 8
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]


def test_region_operator_drills_down_from_the_region(client, district):
    region = district["municipality"].region
    other = make_municipality(region=region, name="Адмиралтейский район")
    school(other, "ГБОУ Лицей № 2", teachers=(4, 4), students=(10, 5), parents=5)
    foreign = make_municipality(name="Чужой район")
    school(foreign, "Школа другого региона")
    user, membership = make_member(role=Role.REGIONAL_OPERATOR, region=region)
    act_as(client, user, membership)
    page = client.get(reverse("stats:dashboard"), {"on": "20.11.2025"})
    html = page.content.decode()
    assert page.status_code == 200
    assert "Василеостровский район" in html and "Адмиралтейский район" in html
    assert "Чужой район" not in html
    rows = page.context["page"].object_list
    # The municipality with a school below target comes first.
    assert rows[0].municipality.name == "Василеостровский район" and rows[0].below == 1
    assert (page.context["data"].organisations, page.context["data"].meeting_all) == (3, 2)
    assert reverse("stats:municipality", args=[district["municipality"].pk]) in html
    # The region page has the combined weekly chart, the drill-down to a municipality works.
    assert ET.fromstring(page.context["data"].chart).tag == f"{SVG}svg"
    assert client.get(reverse("stats:municipality", args=[district["municipality"].pk])).status_code == 200
    assert client.get(reverse("stats:municipality", args=[foreign.pk])).status_code == 404


def test_school_page_has_a_trend_chart_per_indicator(client, district):
    act_as(client, *district["methodist"])
    response = client.get(reverse("stats:school", args=[district["yakor"].pk]), {"on": "20.11.2025"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Школа ниже цели" in html and "Сидорова Мария" in html
    charts = response.context["data"].charts
    assert [c["group"] for c in charts] == ["teachers", "students", "parents"]
    teachers = ET.fromstring(charts[0]["svg"])
    points = teachers.findall(f".//{SVG}circle")
    assert len(points) == 12
    assert points[-1].find(f"{SVG}title").text == "Педагоги, 20.11.2025: 50\u00a0%"
    targets = [g.get("data-share") for g in teachers.iter(f"{SVG}g") if g.get("class") == "target"]
    assert targets == ["0.75"]
    assert 'data-testid="trend-teachers"' in html and "<script" not in html.split("<main", 1)[1]


def test_r32_preschool_has_no_students_chart(client, district):
    kindergarten = school(district["municipality"], "МБДОУ Детский сад № 3", kind=OrganisationType.PRESCHOOL)
    act_as(client, *district["methodist"])
    response = client.get(reverse("stats:school", args=[kindergarten.pk]), {"on": "20.11.2025"})
    assert [c["group"] for c in response.context["data"].charts] == ["teachers", "parents"]
    assert "не считаются для дошкольной организации" in response.content.decode()


def test_r1_director_goes_straight_to_their_school_and_never_sees_another(client, district):
    user, membership = make_member(role=Role.DIRECTOR, organisation=district["alpha"])
    act_as(client, user, membership)
    response = client.get(reverse("stats:dashboard"))
    assert response.status_code == 302 and response["Location"] == reverse("stats:school", args=[district["alpha"].pk])
    assert client.get(response["Location"]).status_code == 200
    assert client.get(reverse("stats:school", args=[district["yakor"].pk])).status_code == 404
    assert client.get(reverse("stats:municipality", args=[district["municipality"].pk])).status_code == 404


def test_r1_methodist_of_another_district_gets_not_found(client, district):
    user, membership = make_member(role=Role.METHODIST, municipality=make_municipality(region=district["municipality"].region))
    act_as(client, user, membership)
    assert client.get(reverse("stats:municipality", args=[district["municipality"].pk])).status_code == 404
    assert client.get(reverse("stats:school", args=[district["yakor"].pk])).status_code == 404


def test_a_teacher_may_not_see_the_dashboards(client, district):
    user, membership = make_member(role=Role.TEACHER, organisation=district["alpha"])
    act_as(client, user, membership)
    response = client.get(reverse("stats:dashboard"))
    assert response.status_code == 403
    assert client.get(reverse("stats:school", args=[district["alpha"].pk])).status_code == 403


def test_an_unreadable_date_is_explained_and_today_is_shown(client, district):
    act_as(client, *district["methodist"])
    response = client.get(reverse("stats:municipality", args=[district["municipality"].pk]), {"on": "31.02.2025"})
    assert response.status_code == 200
    assert "Дата «31.02.2025» не распознана" in response.content.decode()


def test_platform_operator_sees_every_region_and_can_open_any_school(client, district):
    elsewhere = make_municipality(name="Дальний район")
    far = school(elsewhere, "Школа в другом регионе")
    user, _ = make_member(role=Role.TEACHER, organisation=far, superuser=True)
    client.force_login(user)
    session = client.session
    session[ar.SESSION_KEY] = ar.PLATFORM_OPERATOR
    session.save()
    page = client.get(reverse("stats:dashboard"), {"on": "2025-11-20"})
    html = page.content.decode()
    assert page.status_code == 200
    assert "Василеостровский район" in html and "Дальний район" in html
    assert client.get(reverse("stats:school", args=[far.pk])).status_code == 200


def test_r32_r33_municipality_page_shows_last_months_criterion_and_the_roadmap(client, district):
    """R32 monthly (Р-240): October is the last complete month before 20.11.2025; Alpha used the service
    (8/10 teachers, 40/100 students, 35/100 parents), Yakor did not (5/10 teachers). R33: the stages are data."""
    october = date(2025, 10, 1)
    for org, (t, s, p) in ((district["alpha"], (8, 40, 35)), (district["yakor"], (5, 40, 35))):
        make_active_month(org, "teachers", t, month=october)
        make_active_month(org, "students", s, month=october)
        make_active_month(org, "parents", p, month=october)
    region = district["municipality"].region
    RoadmapStage.objects.create(region=region, number=2, title="Не менее 75% педагогов еженедельно",
                                due_date=date(2025, 12, 30), group="teachers", target_share="0.75")
    act_as(client, *district["methodist"])
    html = client.get(reverse("stats:municipality", args=[district["municipality"].pk]), {"on": "20.11.2025"}
                      ).content.decode()
    monthly = html[html.index('data-testid="monthly"'):html.index('data-testid="roadmap"')]
    assert "Октябрь 2025" in monthly and "<strong>1</strong> из 2" in monthly and "50\u00a0%" in monthly
    roadmap = html[html.index('data-testid="roadmap"'):]
    # the week before 20.11.2025: 10 + 5 active of 20 teachers = 75 % — exactly the target meets it
    assert "30.12.2025" in roadmap and "75&nbsp;%" in roadmap and "<td>да</td>" in roadmap
