"""A person's page: full СНИЛС and birth date only to roles that need them, and every such read audited."""
from datetime import date

import pytest

from sreda.core.identifiers import format_snils, mask_snils
from sreda.core.models import AuditEntry
from sreda.core.testing import act_as, make_member, make_organisation, make_user
from sreda.orgs.tests.factories import make_school_with_classes
from sreda.people.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def student():
    organisation, classes = make_school_with_classes(classes=1, students_per_class=1)
    person = classes[0].memberships.get().person
    person.birth_date = date(2014, 11, 20)
    person.save()
    return organisation, person


@pytest.mark.parametrize("role", [Role.DIRECTOR, Role.ADMINISTRATOR])
def test_director_and_administrator_see_full_data_and_the_read_is_audited(client, student, role):
    organisation, person = student
    user, membership = make_member(role=role, organisation=organisation)
    act_as(client, user, membership)
    page = client.get(f"/people/{person.pk}/").content.decode()
    assert format_snils(person.snils) in page
    assert "20.11.2014" in page
    entry = AuditEntry.objects.get(action="personal_data.view", object_id=str(person.pk))
    assert entry.actor == user and entry.organisation == organisation


def test_teacher_sees_masked_snils_no_birth_date_and_nothing_is_audited(client, student):
    organisation, person = student
    user, membership = make_member(role=Role.TEACHER, organisation=organisation)
    act_as(client, user, membership)
    page = client.get(f"/people/{person.pk}/").content.decode()
    assert mask_snils(person.snils) in page
    assert format_snils(person.snils) not in page
    assert "20.11.2014" not in page
    assert not AuditEntry.objects.filter(action="personal_data.view").exists()


def test_page_shows_roles_and_parents(client, student):
    organisation, person = student
    parent = person.parent_links.get().parent
    user, membership = make_member(role=Role.TEACHER, organisation=organisation)
    act_as(client, user, membership)
    page = client.get(f"/people/{person.pk}/").content.decode()
    assert "Обучающийся" in page and "5А" in page
    assert parent.full_name in page


def test_director_of_another_school_gets_404(client, student):
    _, person = student
    user, membership = make_member(role=Role.DIRECTOR, organisation=make_organisation())
    act_as(client, user, membership)
    assert client.get(f"/people/{person.pk}/").status_code == 404
    assert not AuditEntry.objects.filter(action="personal_data.view").exists()


def test_a_person_sees_their_own_data(client):
    user = make_user()
    act_as(client, user)
    page = client.get(f"/people/{user.person.pk}/").content.decode()
    assert format_snils(user.person.snils) in page


def test_the_card_shows_only_roles_in_the_viewers_school(client, student):
    """School A does not learn from a person's card that they also work in school B."""
    organisation, person = student
    elsewhere = make_organisation(short_name="МБОУ СОШ № 999")
    from sreda.core.testing import make_membership
    make_membership(person=person, role=Role.STAFF, organisation=elsewhere)
    user, membership = make_member(role=Role.ADMINISTRATOR, organisation=organisation)
    act_as(client, user, membership)

    page = client.get(f"/people/{person.pk}/").content.decode()

    assert organisation.short_name in page
    assert "МБОУ СОШ № 999" not in page
