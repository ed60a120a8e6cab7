"""Two requests at once end in exactly one effect (R11: a link works once; resending voids the old link).

Real concurrent HTTP requests against the live server, each in its own server thread with its own database
connection; the service locks the invitation (SELECT … FOR UPDATE) and changes it only while it is still
pending (UPDATE … WHERE status = 'pending'). These run on PostgreSQL; on SQLite they are skipped, because
the live server's in-memory SQLite database is one shared connection, so requests cannot overlap there.
"""
import re

import httpx
import pytest
from django.db import connection

from sreda.api.models import SCOPE_READ, SCOPE_STAFF_WRITE
from sreda.api.tests.factories import issue
from sreda.core.testing import act_as, run_at_once
from sreda.onboarding.models import Invitation, InvitationEvent
from sreda.onboarding.tests.factories import invite, make_invitee, make_school, path_of
from sreda.people.models import Membership, MembershipOrigin
from sreda.people.roles import Role

pytestmark = pytest.mark.django_db(transaction=True)

ROUNDS = 3
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("Concurrent requests need PostgreSQL: the live server's SQLite test database is one shared "
                    "connection (see the module docstring).")


def browser_session(live_server, client_factory, user, path: str) -> httpx.Client:
    """An HTTP client signed in as `user` (private person) that has opened the link, so it holds the CSRF
    cookie and the form's token."""
    django_client = client_factory()
    act_as(django_client, user)
    http = httpx.Client(base_url=live_server.url, follow_redirects=False, timeout=30)
    http.cookies.set("sessionid", django_client.cookies["sessionid"].value)
    page = http.get(path)
    assert page.status_code == 200, page.text[:500]
    http.csrf = CSRF.search(page.text).group(1)
    return http



def accept_call(http: httpx.Client, path: str):
    return lambda: http.post(path, data={"csrfmiddlewaretoken": http.csrf},
                             headers={"Referer": str(http.base_url) + path})


def test_r11_two_people_accepting_one_link_at_once_one_joins(live_server, settings):
    from django.test import Client

    school = make_school()
    for round_ in range(ROUNDS):
        path = path_of(invite(school, email=f"race{round_}@school.ru").link)
        first, second = make_invitee(surname=f"Первая{round_}"), make_invitee(surname=f"Вторая{round_}")
        clients = [browser_session(live_server, Client, user, path) for user in (first, second)]

        responses = run_at_once(*(accept_call(http, path) for http in clients))

        codes = sorted(r.status_code for r in responses)
        assert codes == [302, 410], [r.text[:300] for r in responses]
        loser = next(r for r in responses if r.status_code == 410)
        assert "уже использовано" in loser.text
        invitation = Invitation.objects.get(email=f"race{round_}@school.ru")
        assert invitation.status == "accepted"
        joined = Membership.objects.filter(person__in=[first.person, second.person], organisation=school.organisation,
                                           origin=MembershipOrigin.INVITATION)
        assert joined.count() == 1 and joined.get() == invitation.membership
        assert invitation.events.filter(kind="accepted").count() == 1


def test_r11_one_person_double_clicking_accept_gets_one_role(live_server):
    from django.test import Client

    school = make_school()
    invitee = make_invitee()
    path = path_of(invite(school, invitee=invitee).link)
    http_a = browser_session(live_server, Client, invitee, path)
    http_b = browser_session(live_server, Client, invitee, path)

    responses = run_at_once(accept_call(http_a, path), accept_call(http_b, path))

    assert sorted(r.status_code for r in responses) == [302, 410]
    assert Membership.objects.filter(person=invitee.person, organisation=school.organisation).count() == 1
    assert InvitationEvent.objects.filter(kind="accepted").count() == 1


def test_r11_two_administrators_resending_at_once_make_one_new_link(live_server, mailoutbox):
    school = make_school()
    tokens = [issue(role=Role.ADMINISTRATOR, organisation=school.organisation, scopes=(SCOPE_READ, SCOPE_STAFF_WRITE),
                    name=f"ИС {n}") for n in (1, 2)]
    for round_ in range(ROUNDS):
        sent = invite(school, email=f"resend{round_}@school.ru")
        mailoutbox.clear()
        url = f"{live_server.url}/api/v1/invitations/{sent.invitation.pk}/resend"

        def resend(secret):
            return lambda: httpx.post(url, headers={"Authorization": f"Bearer {secret}"}, timeout=30)

        responses = run_at_once(*(resend(secret) for secret in tokens))

        assert sorted(r.status_code for r in responses) == [201, 409], [r.text for r in responses]
        refused = next(r for r in responses if r.status_code == 409)
        assert "уже заменено новой ссылкой" in refused.json()["detail"]
        chain = Invitation.objects.filter(email=f"resend{round_}@school.ru")
        assert chain.count() == 2
        old = chain.get(pk=sent.invitation.pk)
        assert old.status == "replaced" and old.replaced_by.status == "pending"
        assert old.events.filter(kind="replaced").count() == 1
        assert [m.to for m in mailoutbox] == [[f"resend{round_}@school.ru"]]
