import pytest

from sreda.core import active_role as ar
from sreda.core.testing import make_member, make_municipality, make_organisation, make_region
from sreda.people.roles import Role
from sreda.roster.tests.factories import inn


@pytest.fixture
def operator():
    return ar.system_operator()


@pytest.fixture
def region():
    return make_region(name="Санкт-Петербург", code="78", external_id="reg78", timezone="Europe/Moscow")


@pytest.fixture
def school(region):
    """An existing school known to the OneRoster set as «sch1»."""
    municipality = make_municipality(region=region, name="Калининский район", external_id="dist1")
    return make_organisation(municipality=municipality, inn=inn(), external_id="sch1")


@pytest.fixture
def admin_of(db):
    def build(org, role=Role.ADMINISTRATOR):
        user, membership = make_member(role=role, organisation=org)
        return ar.for_membership(membership, user=user), user, membership
    return build


@pytest.fixture
def other_school(region):
    return make_organisation(municipality=make_municipality(region=region), inn=inn())
