"""The operator's admin of systems and access groups (R13): lists open, renaming keeps the search right,
changes are audited, members are read-only there."""
import pytest

from sreda.access.models import AccessGroup, AccessGroupMember, System
from sreda.access.selectors import UB_TSOK_GROUP_CODE
from sreda.core.models import AuditEntry
from sreda.core.testing import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator_client(client):
    operator = make_user(superuser=True)
    client.force_login(operator)
    client.post("/role/", {"key": "operator"})
    return client


@pytest.mark.parametrize("model", ["system", "accessgroup", "accessgroupmember"])
def test_changelists_open_with_search(operator_client, model):
    response = operator_client.get(f"/admin/access/{model}/", {"q": "педагоги"})
    assert response.status_code == 200


def test_the_seed_group_is_listed_with_its_owner(operator_client):
    page = operator_client.get("/admin/access/accessgroup/").content.decode()
    assert "Педагоги. Доступ к УБ ЦОК" in page and "Министерство цифрового развития" in page


def test_renaming_a_system_refreshes_its_groups_search_and_is_audited(operator_client):
    system = System.objects.get(code="gosuslugi-moya-shkola")
    group = AccessGroup.objects.get(code=UB_TSOK_GROUP_CODE)
    data = {
        "name": "Госуслуги Моя школа 2.0", "owner_name": system.owner_name, "owner_inn": system.owner_inn,
        "owner_organisation": "", "code": system.code,
        "groups-TOTAL_FORMS": "1", "groups-INITIAL_FORMS": "1", "groups-MIN_NUM_FORMS": "0", "groups-MAX_NUM_FORMS": "1000",
        "groups-0-id": str(group.pk), "groups-0-system": str(system.pk), "groups-0-name": group.name,
        "groups-0-code": group.code, "groups-0-description": group.description,
    }
    response = operator_client.post(f"/admin/access/system/{system.pk}/change/", data)

    assert response.status_code == 302, response.content.decode()[:2000]
    group.refresh_from_db()
    assert "госуслуги моя школа 2.0" in group.search_text
    assert AuditEntry.objects.filter(action="access_system.change", object_id=str(system.pk)).exists()


def test_members_cannot_be_edited_in_the_admin(operator_client):
    """Only the services add and remove members: they check the school and write the audit log."""
    assert operator_client.get("/admin/access/accessgroupmember/add/").status_code == 403
    assert not AccessGroupMember.objects.exists()
