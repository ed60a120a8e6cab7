"""The gates in front of every page: consent (R3), then a chosen active role (R1)."""
from urllib.parse import parse_qs, urlsplit

from django.utils import timezone

from sreda.core.testing import act_as, make_member, make_organisation
from sreda.people.roles import Role


def test_the_way_back_keeps_the_whole_query_string(client, db):
    user, _ = make_member(role=Role.TEACHER, organisation=make_organisation())
    client.force_login(user)  # consented, no role chosen yet
    page = "/orgs/?q=%D1%88%D0%BA%D0%BE%D0%BB%D0%B0&page=2"  # «школа», as a browser sends it
    response = client.get(page)
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert location.path == "/role/"
    assert parse_qs(location.query) == {"next": [page]}


def test_a_poll_after_the_role_ended_redirects_the_whole_page_not_the_fragment(client, db):
    """A progress poll (HTMX) must not paste the role-choice page into the progress box."""
    school = make_organisation()
    user, membership = make_member(role=Role.ADMINISTRATOR, organisation=school)
    act_as(client, user, membership)
    membership.end_date = timezone.localdate()
    membership.save()

    response = client.get("/roster/import/", HTTP_HX_REQUEST="true", HTTP_HX_CURRENT_URL="http://testserver/roster/import/7/")

    assert response["HX-Redirect"] == "/role/?next=/roster/import/7/"
