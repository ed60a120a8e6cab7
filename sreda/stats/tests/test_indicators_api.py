"""The monthly criterion (R32, Р-240) and the roadmap (R33) through the API, in the token's scope."""
from datetime import date
from decimal import Decimal

import pytest

from sreda.api.tests.factories import bearer, issue
from sreda.core.testing import make_municipality, make_organisation
from sreda.people.roles import Role
from sreda.stats.models import RoadmapStage
from sreda.stats.tests.stats_builders import make_active, make_active_month, make_oo1

pytestmark = pytest.mark.django_db


@pytest.fixture
def district():
    municipality = make_municipality(name="Невский район")
    uses = make_organisation(municipality=municipality, short_name="ГБОУ СОШ № 20")
    misses = make_organisation(municipality=municipality, short_name="ГБОУ СОШ № 21")
    for org in (uses, misses):
        make_oo1(org, teachers=4, students=10)
        make_active_month(org, "students", 3, month=date(2025, 10, 1))
        make_active_month(org, "parents", 3, month=date(2025, 10, 1))
    make_active_month(uses, "teachers", 3, month=date(2025, 10, 1))
    make_active_month(misses, "teachers", 2, month=date(2025, 10, 1))
    return municipality, uses, misses


def test_r32_monthly_criterion_and_the_district_share(client, district):
    municipality, uses, misses = district
    secret = issue(role=Role.METHODIST, municipality=municipality)
    data = client.get("/api/v1/stats/monthly", {"month": "2025-10-15"}, **bearer(secret)).json()
    assert data["month"] == "2025-10-01"
    by_name = {o["short_name"]: o for o in data["organisations"]}
    assert by_name["ГБОУ СОШ № 20"]["uses_service"] is True
    assert by_name["ГБОУ СОШ № 20"]["teachers"] == {"total": 4, "active": 3, "share": 0.75, "meets": True}
    assert by_name["ГБОУ СОШ № 21"]["uses_service"] is False
    assert data["municipalities"] == [{"name": "Невский район", "organisations": 2, "known": 2, "using": 1, "share": 0.5}]
    assert data["total"]["share"] == 0.5
    response = client.get("/api/v1/stats/monthly", **bearer(secret))
    assert response.status_code == 422  # the month is required


def test_r33_roadmap_stages_with_the_regions_current_share(client, district):
    municipality, uses, misses = district
    on = date(2025, 11, 20)
    make_active(uses, "teachers", 4, on=on)
    make_active(misses, "teachers", 2, on=on)  # together 6 of 8 = 75 %
    region = municipality.region
    RoadmapStage.objects.create(region=region, number=1, title="Активность на уровне максимума 2024/25 прежнего мессенджера",
                                due_date=date(2025, 10, 1), note="Сравнивается с максимумом 2024/25 региона")
    RoadmapStage.objects.create(region=region, number=2, title="Не менее 75 % сотрудников еженедельно",
                                due_date=date(2025, 12, 30), group="teachers", target_share=Decimal("0.75"))
    secret = issue(role=Role.REGIONAL_OPERATOR, region=region)
    page = client.get("/api/v1/stats/roadmap", {"date": "2025-11-20"}, **bearer(secret)).json()
    stages = page["items"]
    assert page["count"] == 2 and [s["number"] for s in stages] == [1, 2]
    assert stages[0]["meets"] is None and stages[0]["overdue"] is True
    assert stages[1] == {"number": 2, "title": "Не менее 75 % сотрудников еженедельно", "due_date": "2025-12-30",
                         "group": "teachers", "target_share": 0.75, "note": "", "current": 0.75, "meets": True,
                         "overdue": False}
    second = client.get("/api/v1/stats/roadmap", {"date": "2025-11-20", "limit": 1, "offset": 1}, **bearer(secret))
    assert second.json() == {"count": 2, "items": stages[1:]}
    other = make_organisation(municipality=make_municipality())
    response = client.get("/api/v1/stats/roadmap", {"region_id": other.municipality.region_id}, **bearer(secret))
    assert response.status_code == 404
