"""Managing regions, municipalities and organisations (R4): who may, and what is refused and why."""
import pytest

from sreda.core.models import AuditEntry
from sreda.core.testing import act_as, make_member, make_municipality, make_organisation, make_region, make_user
from sreda.orgs.models import Municipality, Organisation, Region
from sreda.people.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator_client(client):
    client.force_login(make_user(superuser=True))
    client.post("/role/", {"key": "operator"})
    return client


def organisation_data(municipality, **kw):
    data = {"municipality": municipality.pk, "full_name": "Муниципальное бюджетное общеобразовательное учреждение «Школа № 77»",
            "short_name": "МБОУ Школа № 77", "kind": "general", "inn": "7830002293", "ogrn": "1027700132195"}
    data.update(kw)
    return data


def test_operator_creates_a_region_and_it_is_audited(operator_client):
    response = operator_client.post("/orgs/regions/new/", {"name": "Новгородская область", "code": "53", "timezone": "Europe/Moscow"})
    assert response.status_code == 302
    region = Region.objects.get(code="53")
    assert AuditEntry.objects.filter(action="region.create", object_id=str(region.pk)).exists()


def test_region_with_unknown_timezone_is_refused_with_the_reason(operator_client):
    response = operator_client.post("/orgs/regions/new/", {"name": "Регион Х", "code": "99", "timezone": "Mars/Olympus"})
    assert response.status_code == 400
    assert "Часовой пояс «Mars/Olympus» неизвестен" in response.content.decode()
    assert not Region.objects.filter(code="99").exists()


def test_regional_operator_cannot_create_regions(client):
    region = make_region()
    user, membership = make_member(role=Role.REGIONAL_OPERATOR, region=region)
    act_as(client, user, membership)
    response = client.post("/orgs/regions/new/", {"name": "Ещё регион", "code": "98", "timezone": "Europe/Moscow"})
    assert response.status_code == 403
    assert "Регионы ведёт оператор платформы." in response.content.decode()
    assert not Region.objects.filter(code="98").exists()


def test_regional_operator_creates_an_organisation_in_own_region(client):
    municipality = make_municipality()
    user, membership = make_member(role=Role.REGIONAL_OPERATOR, region=municipality.region)
    act_as(client, user, membership)
    response = client.post("/orgs/new/", organisation_data(municipality, inn="78 300 022 93"))
    assert response.status_code == 302
    organisation = Organisation.objects.get(inn="7830002293")
    assert response.url == f"/orgs/{organisation.pk}/"
    assert AuditEntry.objects.filter(action="organisation.create", organisation=organisation).exists()


def test_regional_operator_cannot_create_in_another_region(client):
    mine, other = make_municipality(), make_municipality()
    user, membership = make_member(role=Role.REGIONAL_OPERATOR, region=mine.region)
    act_as(client, user, membership)
    response = client.post("/orgs/new/", organisation_data(other))
    assert response.status_code == 400  # the other region's municipality is not even a valid choice
    assert not Organisation.objects.filter(inn="7830002293").exists()


@pytest.mark.parametrize("field,value,message", [
    ("inn", "7830002294", "ИНН «7830002294»: не сходится контрольное число"),
    ("inn", "78300022", "ИНН «78300022»: должно быть 10 цифр, а указано 8"),
    ("inn", "500100732259", "должно быть 10 цифр, а указано 12"),
    ("ogrn", "1027700132196", "ОГРН «1027700132196»: не сходится контрольная цифра"),
])
def test_invalid_inn_or_ogrn_says_which_and_why(operator_client, field, value, message):
    municipality = make_municipality()
    response = operator_client.post("/orgs/new/", organisation_data(municipality, **{field: value}))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Organisation.objects.count() == 0


def test_duplicate_inn_is_refused(operator_client):
    existing = make_organisation(inn="7830002293")
    response = operator_client.post("/orgs/new/", organisation_data(existing.municipality))
    assert response.status_code == 400
    assert "ИНН уже существует" in response.content.decode()


def test_operator_edits_an_organisation(operator_client):
    organisation = make_organisation()
    data = organisation_data(organisation.municipality, inn=organisation.inn, short_name="МБОУ СОШ № 5 им. Пушкина",
                             is_active="on")
    response = operator_client.post(f"/orgs/{organisation.pk}/edit/", data)
    assert response.status_code == 302
    organisation.refresh_from_db()
    assert organisation.short_name == "МБОУ СОШ № 5 им. Пушкина"
    entry = AuditEntry.objects.get(action="organisation.update")
    assert "short_name" in entry.details["changed"]


def test_regional_operator_adds_a_municipality_but_not_in_another_region(client):
    mine, other = make_region(), make_region()
    user, membership = make_member(role=Role.REGIONAL_OPERATOR, region=mine)
    act_as(client, user, membership)
    assert client.post("/orgs/municipalities/new/", {"region": mine.pk, "name": "Новый район"}).status_code == 302
    assert Municipality.objects.filter(region=mine, name="Новый район").exists()
    assert client.post("/orgs/municipalities/new/", {"region": other.pk, "name": "Чужой район"}).status_code == 400
    assert not Municipality.objects.filter(name="Чужой район").exists()


@pytest.mark.parametrize("role", [Role.METHODIST, Role.DIRECTOR, Role.TEACHER])
def test_other_roles_cannot_manage(client, role):
    municipality = make_municipality()
    organisation = make_organisation(municipality=municipality)
    scope = {"municipality": municipality} if role == Role.METHODIST else {"organisation": organisation}
    user, membership = make_member(role=role, **scope)
    act_as(client, user, membership)
    assert client.get("/orgs/regions/").status_code == 403
    assert client.get("/orgs/new/").status_code == 403
    assert client.post(f"/orgs/{organisation.pk}/edit/", organisation_data(municipality)).status_code == 403


def test_regions_page_lists_municipalities_with_organisation_counts(operator_client):
    municipality = make_municipality(name="Колпинский район")
    make_organisation(municipality=municipality)
    make_organisation(municipality=municipality)
    page = operator_client.get("/orgs/regions/").content.decode()
    assert "Колпинский район" in page
    assert f'?municipality={municipality.pk}">2</a>' in page


@pytest.mark.parametrize("path", ["/orgs/regions/", "/orgs/new/", "/orgs/regions/new/", "/orgs/municipalities/new/"])
def test_anonymous_cannot_reach_management(client, path):
    response = client.get(path)
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")
