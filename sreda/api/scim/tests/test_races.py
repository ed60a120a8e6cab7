"""The same user provisioned twice at once (an IS retrying a timed-out POST): one person, the other 409.

Unique indexes on Person.external_id and User.username decide; the loser's IntegrityError becomes a SCIM
409 uniqueness. Runs on PostgreSQL, where the two calls overlap in their own connections; SQLite's
in-memory test database is one shared connection, so it is skipped there.
"""
import pytest
from django.db import connection

from sreda.api.auth import find_token, token_active_role
from sreda.api.scim import mapping, selectors, services
from sreda.api.scim.mapping import ScimError
from sreda.api.scim.tests.helpers import scim_token, user_body
from sreda.api.tests.factories import make_school
from sreda.core.testing import run_at_once
from sreda.people.models import Person, User

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("Concurrent calls need PostgreSQL (see the module docstring).")


@pytest.mark.parametrize("first, second", [
    (("kuz", "para-1"), ("kuz-retry", "para-1")),  # same externalId
    (("kuz", "para-1"), ("kuz", "para-2")),  # same userName
])
def test_two_simultaneous_posts_of_one_user_create_one_person(first, second):
    school = make_school(students=0)
    token = find_token(scim_token(school))
    scope = selectors.scope_of(token, token_active_role(token))

    def post(user_name, external_id):
        return lambda: services.user_create(
            scope=scope, data=mapping.parse_user(user_body(user_name, external_id=external_id)))

    results = run_at_once(post(*first), post(*second))
    created = [r for r in results if isinstance(r, Person)]
    refused = [r for r in results if isinstance(r, ScimError)]
    assert len(created) == 1 and len(refused) == 1, results
    assert refused[0].status == 409 and refused[0].scim_type == "uniqueness"
    assert Person.objects.filter(external_id__in=["para-1", "para-2"]).count() == 1
    assert User.objects.filter(username__in=["kuz", "kuz-retry"]).count() == 1
