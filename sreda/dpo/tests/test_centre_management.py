"""The centre's management pages (R36): renaming a DPO organisation, deleting a group nobody applied to (one
with applications is kept and the page says to close its intake instead), and the queue filtered by school."""
import pytest
from django.urls import reverse

from sreda.core.testing import act_as, make_municipality
from sreda.dpo.models import DpoOrganisation, Group
from sreda.dpo.statuses import Status
from sreda.dpo.tests.factories import make_application, make_centre, make_group, make_school

pytestmark = pytest.mark.django_db


def _centre(client, region):
    centre = make_centre(region)
    act_as(client, centre.user, centre.membership)
    return centre


def test_r36_centre_renames_a_dpo_organisation_of_its_region_only(client):
    school = make_school()
    group = make_group(region=school.region)
    organisation = group.program.organisation
    other = make_group(region=make_school().region).program.organisation
    _centre(client, school.region)

    page = client.post(reverse("dpo:organisation_edit", args=[organisation.pk]),
                       {"name": "ГБУ ДПО «ЧИРО»", "short_name": "ЧИРО"}, follow=True)
    assert "Организация ДПО «ЧИРО» сохранена" in page.content.decode()
    organisation.refresh_from_db()
    assert (organisation.name, organisation.short_name) == ("ГБУ ДПО «ЧИРО»", "ЧИРО")

    empty = client.post(reverse("dpo:organisation_edit", args=[organisation.pk]), {"name": " "}, follow=True)
    assert "Укажите наименование" in empty.content.decode()
    organisation.refresh_from_db()
    assert organisation.short_name == "ЧИРО"  # bad input changes nothing
    assert client.post(reverse("dpo:organisation_edit", args=[other.pk]), {"name": "Чужая"}).status_code == 404
    assert DpoOrganisation.objects.get(pk=other.pk).name != "Чужая"


def test_r36_centre_deletes_an_unused_group_but_keeps_one_with_applications(client):
    school = make_school()
    unused = make_group(region=school.region)
    used = make_group(region=school.region)
    make_application(school=school, group=used)
    _centre(client, school.region)

    client.post(reverse("dpo:group_delete", args=[unused.program_id, unused.pk]))
    assert not Group.objects.filter(pk=unused.pk).exists()
    page = client.post(reverse("dpo:group_delete", args=[used.program_id, used.pk]), follow=True).content.decode()
    assert "удалить её нельзя, закройте набор" in page
    assert Group.objects.filter(pk=used.pk).exists()


def test_r37_centre_queue_is_filtered_by_school(client):
    school = make_school(short_name="МБОУ СОШ № 1")
    neighbour = make_school(municipality=make_municipality(region=school.region), short_name="МБОУ СОШ № 2")
    group = make_group(region=school.region)
    mine = make_application(school=school, group=group, status=Status.APPROVED)
    theirs = make_application(school=neighbour, group=group, status=Status.APPROVED)
    _centre(client, school.region)

    page = client.get(reverse("dpo:centre")).content.decode()
    assert "МБОУ СОШ № 1</option>" in page and "МБОУ СОШ № 2</option>" in page
    filtered = client.get(reverse("dpo:centre"), {"school": neighbour.organisation.pk}).content.decode()
    assert f'row-{theirs.pk}"' in filtered and f'row-{mine.pk}"' not in filtered
