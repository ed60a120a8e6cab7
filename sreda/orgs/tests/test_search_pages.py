"""Organisation search (R5) and the public card (R4)."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sreda.core.testing import act_as, make_member, make_municipality, make_organisation, make_user
from sreda.orgs.models import OrganisationType
from sreda.people.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def private_client(client):
    act_as(client, make_user())
    return client


def test_find_by_short_name_full_name_and_inn_ignoring_case_and_yo(private_client):
    """R5: full legal name, short name or INN; «ё» is «е», case does not matter."""
    make_organisation(short_name="МБОУ Школа «Зелёный берег»", full_name="Муниципальное учреждение «Озёрная школа»",
                               inn="7830002293")
    make_organisation(short_name="ГБОУ Гимназия № 1")
    for query in ("зеленый БЕРЕГ", "озерная", "7830002293"):
        page = private_client.get("/orgs/", {"q": query}).content.decode()
        assert "Зелёный берег" in page, query
        assert "Гимназия № 1" not in page, query


def test_filters_by_municipality_and_type(private_client):
    north, south = make_municipality(name="Северный район"), make_municipality(name="Южный район")
    make_organisation(municipality=north, short_name="Школа Север")
    make_organisation(municipality=south, short_name="Школа Юг")
    make_organisation(municipality=north, short_name="Детсад Север", kind=OrganisationType.PRESCHOOL)
    page = private_client.get("/orgs/", {"municipality": north.pk}).content.decode()
    assert "Школа Север" in page and "Детсад Север" in page and "Школа Юг" not in page
    page = private_client.get("/orgs/", {"municipality": north.pk, "kind": "preschool"}).content.decode()
    assert "Детсад Север" in page and "Школа Север" not in page


def test_results_are_paginated_with_a_summary(private_client):
    municipality = make_municipality()
    for n in range(30):
        make_organisation(municipality=municipality, short_name=f"Школа {n:02d}")
    page = private_client.get("/orgs/", {"municipality": municipality.pk}).content.decode()
    assert "Показано 1–25 из 30" in page
    assert page.count('href="/orgs/') >= 25
    page2 = private_client.get("/orgs/", {"municipality": municipality.pk, "page": 2}).content.decode()
    assert "Показано 26–30 из 30" in page2


def test_htmx_search_returns_only_the_results(private_client):
    make_organisation(short_name="Школа Ромашка")
    response = private_client.get("/orgs/", {"q": "ромашка"}, HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert "Школа Ромашка" in page and "<html" not in page


def test_search_query_count_does_not_grow_with_rows(private_client):
    """Queries are bounded: 5 or 40 organisations, the same number of queries."""
    def queries_for(count):
        municipality = make_municipality()
        for _ in range(count):
            make_organisation(municipality=municipality)
        private_client.get("/orgs/")  # warm-up: the session caches the consent check
        with CaptureQueriesContext(connection) as ctx:
            assert private_client.get("/orgs/", {"municipality": municipality.pk}).status_code == 200
        return len(ctx)

    assert queries_for(5) == queries_for(40)


def test_card_shows_public_fields_to_everyone_but_roster_links_only_in_scope(client):
    """R4: names, type, INN, OGRN, municipality, region for all; classes and people for the school's staff."""
    school = make_organisation(short_name="МБОУ СОШ № 5", inn="7830002293")
    act_as(client, make_user())
    page = client.get(f"/orgs/{school.pk}/").content.decode()
    for text in (school.full_name, "МБОУ СОШ № 5", "7830002293", school.ogrn, school.municipality.name,
                 school.municipality.region.name, "Общеобразовательная"):
        assert text in page
    assert f"/orgs/{school.pk}/classes/" not in page
    user, membership = make_member(role=Role.TEACHER, organisation=school)
    act_as(client, user, membership)
    page = client.get(f"/orgs/{school.pk}/").content.decode()
    assert f"/orgs/{school.pk}/classes/" in page and f"/orgs/{school.pk}/people/" in page


def test_card_of_a_missing_organisation_is_404(private_client):
    assert private_client.get("/orgs/999999/").status_code == 404
