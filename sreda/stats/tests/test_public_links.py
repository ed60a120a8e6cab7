"""Public dashboard links (R35, issue 4 item 6): a municipality's read-only dashboard by a secret link,
without sign-in and without personal data; the methodologist revokes it and it stops opening at once."""
import hashlib
import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections
from django.urls import reverse

from sreda.api.models import SCOPE_READ, SCOPE_STATS_WRITE
from sreda.api.tests.factories import bearer, issue
from sreda.core.models import AuditEntry
from sreda.core.testing import act_as, active_role_of, make_member, make_municipality
from sreda.people.roles import Role
from sreda.stats.models import PublicDashboardLink
from sreda.stats.public_links import public_actor, public_link_by_token, public_link_create, public_link_revoke
from sreda.stats.tests.test_dashboard import school

pytestmark = pytest.mark.django_db


@pytest.fixture
def district():
    municipality = make_municipality(name="Петроградский район")
    yakor = school(municipality, "ГБОУ СОШ № 9 «Якорь»", teachers=(10, 5),
                   director={"surname": "Сидорова", "name": "Мария", "patronymic": "Ивановна",
                             "email": "sidorova@school9.ru", "phone": "+79110000009"})
    user, membership = make_member(role=Role.METHODIST, municipality=municipality)
    return {"municipality": municipality, "yakor": yakor, "user": user, "membership": membership,
            "actor": active_role_of(user, membership)}


def test_r35_only_the_hash_of_the_token_is_stored_and_the_creation_is_audited(district):
    link, token = public_link_create(actor=district["actor"], municipality=district["municipality"], label="  Для  комитета ")
    stored = PublicDashboardLink.objects.get(pk=link.pk)
    assert len(token) >= 40
    assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(PublicDashboardLink.objects.filter(pk=link.pk).values().get())
    assert stored.label == "Для комитета" and stored.created_by == district["user"]
    entry = AuditEntry.objects.get(action="public_link.create")
    assert entry.actor == district["user"] and entry.details["municipality_id"] == district["municipality"].pk
    assert token not in str(entry.details)


def test_r35_only_methodists_and_operators_in_scope_issue_links(district):
    other_methodist = make_member(role=Role.METHODIST, municipality=make_municipality(region=district["municipality"].region))
    with pytest.raises(PermissionDenied, match="вне области"):
        public_link_create(actor=active_role_of(*other_methodist), municipality=district["municipality"])
    director = make_member(role=Role.DIRECTOR, organisation=district["yakor"])
    with pytest.raises(PermissionDenied, match="методист района и оператор региона"):
        public_link_create(actor=active_role_of(*director), municipality=district["municipality"])
    operator = make_member(role=Role.REGIONAL_OPERATOR, region=district["municipality"].region)
    link, _ = public_link_create(actor=active_role_of(*operator), municipality=district["municipality"])
    assert link.pk
    with pytest.raises(ValidationError, match="не длиннее 200"):
        public_link_create(actor=district["actor"], municipality=district["municipality"], label="я" * 201)
    assert PublicDashboardLink.objects.count() == 1


def test_r35_the_public_page_opens_without_sign_in_and_shows_no_personal_data(client, district):
    _, token = public_link_create(actor=district["actor"], municipality=district["municipality"])
    foreign = school(make_municipality(region=district["municipality"].region), "Школа соседнего района")
    response = client.get(reverse("stats:public", args=[token]), {"on": "20.11.2025"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Показатели: Петроградский район" in html and "ГБОУ СОШ № 9 «Якорь»" in html and "Ниже цели" in html
    assert "50\u00a0%" in html
    assert foreign.short_name not in html
    for personal in ("Сидорова", "sidorova@school9.ru", "79110000009", "Руководитель", "mailto:", "tel:"):
        assert personal not in html, personal
    assert reverse("stats:school", args=[district["yakor"].pk]) not in html  # no way into the school pages
    assert response["X-Robots-Tag"] == "noindex, nofollow" and response["Referrer-Policy"] == "no-referrer"
    assert PublicDashboardLink.objects.get().last_opened_at is not None


def test_r35_the_public_role_sees_only_its_municipality(district):
    link, _ = public_link_create(actor=district["actor"], municipality=district["municipality"])
    actor = public_actor(link)
    assert actor.user is None and actor.role == Role.METHODIST and actor.municipality_id == district["municipality"].pk
    assert actor.membership.pk is None  # never saved


def test_r35_a_revoked_link_stops_opening_at_once_and_cannot_be_revoked_twice(client, district):
    link, token = public_link_create(actor=district["actor"], municipality=district["municipality"])
    url = reverse("stats:public", args=[token])
    assert client.get(url).status_code == 200
    public_link_revoke(actor=district["actor"], link=link)
    response = client.get(url)
    assert response.status_code == 404
    assert "Ссылка не найдена или отозвана" in response.content.decode()
    assert public_link_by_token(token) is None
    with pytest.raises(ValidationError, match="уже отозвана"):
        public_link_revoke(actor=district["actor"], link=link)
    assert AuditEntry.objects.filter(action="public_link.revoke").count() == 1


def test_an_unknown_token_is_not_found(client):
    for token in ("nope", "x" * 43, "x" * 300):
        response = client.get(reverse("stats:public", args=[token]))
        assert response.status_code == 404


def test_the_public_page_works_for_someone_signed_in_without_consent(client, district):
    """The consent and role gates do not stand before a public link (its prefix is open)."""
    _, token = public_link_create(actor=district["actor"], municipality=district["municipality"])
    user, _ = make_member(role=Role.TEACHER, organisation=district["yakor"], consented=False)
    client.force_login(user)
    assert client.get(reverse("stats:public", args=[token])).status_code == 200


def test_r35_methodist_creates_and_revokes_a_link_on_the_page(client, district):
    act_as(client, district["user"], district["membership"])
    page = client.get(reverse("stats:public_links"))
    assert page.status_code == 200 and "Ссылок пока нет" in page.content.decode()
    created = client.post(reverse("stats:public_links"), {"municipality": district["municipality"].pk,
                                                          "label": "Для комитета"})
    html = created.content.decode()
    assert created.status_code == 200 and "скопируйте его сейчас" in html
    url = created.context["created_url"]
    assert url.startswith("http://testserver/stats/public/")
    link = PublicDashboardLink.objects.get()
    assert "Для комитета" in html and "действует" in html
    response = client.post(reverse("stats:public_link_revoke", args=[link.pk]), follow=True)
    assert "отозвана" in response.content.decode()
    client.logout()
    assert client.get(url.removeprefix("http://testserver")).status_code == 404


def test_the_links_page_refuses_bad_input_and_foreign_municipalities(client, district):
    act_as(client, district["user"], district["membership"])
    foreign = make_municipality(region=district["municipality"].region)
    response = client.post(reverse("stats:public_links"), {"municipality": foreign.pk, "label": ""})
    assert response.status_code == 400 and "Выберите муниципалитет из списка" in response.content.decode()
    assert not PublicDashboardLink.objects.exists()
    other_user, other_membership = make_member(role=Role.METHODIST, municipality=foreign)
    link, _ = public_link_create(actor=active_role_of(other_user, other_membership), municipality=foreign)
    assert client.post(reverse("stats:public_link_revoke", args=[link.pk])).status_code == 404
    assert PublicDashboardLink.objects.get(pk=link.pk).revoked_at is None


def test_a_director_has_no_links_page(client, district):
    user, membership = make_member(role=Role.DIRECTOR, organisation=district["yakor"])
    act_as(client, user, membership)
    assert client.get(reverse("stats:public_links")).status_code == 403


# --- API -------------------------------------------------------------------------------------------------


def test_api_trend_of_a_school_and_a_municipality(client, district):
    headers = bearer(issue(role=Role.METHODIST, municipality=district["municipality"], scopes=(SCOPE_READ,)))
    answer = client.get("/api/v1/stats/trend", {"organisation_id": district["yakor"].pk, "end": "2025-11-20",
                                                "weeks": 4}, **headers)
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["scope"] == "organisation" and [p["on"] for p in body["points"]] == [
        "2025-10-30", "2025-11-06", "2025-11-13", "2025-11-20"]
    assert body["points"][-1]["teachers"] == 0.5 and body["targets"]["teachers"] == 0.75
    municipal = client.get("/api/v1/stats/trend", {"municipality_id": district["municipality"].pk,
                                                   "end": "2025-11-20"}, **headers).json()
    assert municipal["scope"] == "municipality" and len(municipal["points"]) == 12
    foreign = make_municipality()
    missing = client.get("/api/v1/stats/trend", {"municipality_id": foreign.pk}, **headers)
    assert missing.status_code == 404 and missing.json()["detail"]
    both = client.get("/api/v1/stats/trend", {"municipality_id": 1, "organisation_id": 1}, **headers)
    assert both.status_code == 422 and "не оба" in both.json()["detail"]
    too_long = client.get("/api/v1/stats/trend", {"weeks": 53}, **headers)
    assert too_long.status_code == 422


def test_api_public_links_need_stats_write_and_work_end_to_end(client, district):
    reader = bearer(issue(role=Role.METHODIST, municipality=district["municipality"], scopes=(SCOPE_READ,)))
    writer = bearer(issue(role=Role.METHODIST, municipality=district["municipality"], scopes=(SCOPE_STATS_WRITE,)))
    payload = {"municipality_id": district["municipality"].pk, "label": "Для прокуратуры"}
    refused = client.post("/api/v1/stats/public-links", payload, content_type="application/json", **reader)
    assert refused.status_code == 403 and "stats:write" in refused.json()["detail"]
    created = client.post("/api/v1/stats/public-links", payload, content_type="application/json", **writer)
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["municipality"]["name"] == "Петроградский район" and body["revoked_at"] is None
    assert client.get(body["url"].removeprefix("http://testserver")).status_code == 200
    listed = client.get("/api/v1/stats/public-links", **reader).json()
    assert listed["count"] == 1 and "token" not in listed["items"][0]
    revoked = client.delete(f"/api/v1/stats/public-links/{body['id']}", **writer)
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    assert client.get(body["url"].removeprefix("http://testserver")).status_code == 404
    again = client.delete(f"/api/v1/stats/public-links/{body['id']}", **writer)
    assert again.status_code == 422 and again.json()["detail"] == "Ссылка уже отозвана."
    foreign = client.post("/api/v1/stats/public-links", {"municipality_id": make_municipality().pk},
                          content_type="application/json", **writer)
    assert foreign.status_code == 404


@pytest.mark.django_db(transaction=True)
def test_two_revocations_at_once_end_in_exactly_one(district):
    """Real concurrency: two threads with their own connections revoke the same link; one succeeds, the
    other is told it is already revoked; one audit entry. Skipped on SQLite (its writers serialise on the
    file lock and a second thread would just wait or fail with «database is locked»)."""
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers; the race runs on PostgreSQL.")
    link, _ = public_link_create(actor=district["actor"], municipality=district["municipality"])
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def revoke():
        try:
            barrier.wait()
            public_link_revoke(actor=district["actor"], link=link)
            outcomes.append("revoked")
        except ValidationError:
            outcomes.append("already")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=revoke) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["already", "revoked"]
    assert AuditEntry.objects.filter(action="public_link.revoke").count() == 1

