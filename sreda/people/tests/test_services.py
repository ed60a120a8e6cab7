"""Services of people: consent (R3) and the active role choice (R1), called directly as the API does."""
import pytest
from django.conf import settings
from django.core.exceptions import ValidationError

from sreda.core import active_role as ar
from sreda.core.models import AuditEntry
from sreda.core.testing import make_member, make_organisation, make_user
from sreda.people.models import Consent
from sreda.people.roles import Role
from sreda.people.selectors import role_explanations
from sreda.people.services import active_role_choose, consent_give

pytestmark = pytest.mark.django_db


def test_consent_is_stored_once_per_version():
    user = make_user(consented=False)
    first = consent_give(user=user, ip_address="127.0.0.1")
    second = consent_give(user=user, ip_address="10.0.0.1")
    assert first.pk == second.pk
    assert Consent.objects.get(user=user).text_version == settings.CONSENT_VERSION
    assert AuditEntry.objects.filter(action="consent.give").count() == 1


def test_active_role_choose_stores_the_key_and_refuses_others():
    organisation = make_organisation()
    user, membership = make_member(role=Role.TEACHER, organisation=organisation)
    session = {}
    chosen = active_role_choose(user=user, key=f"m:{membership.pk}", session=session)
    assert session[ar.SESSION_KEY] == f"m:{membership.pk}" and chosen.role == Role.TEACHER
    with pytest.raises(ValidationError, match="Такой роли нет среди ваших"):
        active_role_choose(user=user, key="m:999999", session=session)
    assert session[ar.SESSION_KEY] == f"m:{membership.pk}"


def test_role_explanations_take_two_queries(django_assert_num_queries):
    """R2 for a person in several schools costs two queries, however many schools."""
    user, _ = make_member(role=Role.TEACHER, organisation=make_organisation())
    from sreda.core.testing import make_membership

    for _ in range(3):
        make_membership(person=user.person, role=Role.PARENT, organisation=make_organisation())
    with django_assert_num_queries(2):
        explanations = role_explanations(person=user.person)
    assert len(explanations) == 4
