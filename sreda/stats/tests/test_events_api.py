"""POST /api/v1/events (R30): a source posts a batch, gets stored / duplicates / rejected with reasons."""
from __future__ import annotations

import pytest

from sreda.api.models import SCOPE_READ, SCOPE_STATS_WRITE
from sreda.api.tests.factories import bearer, issue
from sreda.people.roles import Role
from sreda.stats.events import MAX_BATCH
from sreda.stats.models import ActiveDay, ActivityEvent
from sreda.stats.tests.test_events import make_world

pytestmark = pytest.mark.django_db
URL = "/api/v1/events"


@pytest.fixture
def world():
    return make_world()


def methodist_token(world, scopes=(SCOPE_STATS_WRITE,)) -> dict:
    return bearer(issue(role=Role.METHODIST, municipality=world.organisation.municipality, scopes=scopes))


def body(world, *events) -> dict:
    return {"events": [
        {"organisation_id": world.organisation.pk, "person_id": world.people[role], "role": role, "source": "chat",
         "kind": "message", "occurred_at": at, **extra} for role, at, extra in events]}


def test_post_events_stores_and_reports_R30(client, world):
    payload = body(world, (Role.TEACHER, "2025-11-19T10:15:00+03:00", {"external_id": "msg-1"}),
                   (Role.STAFF, "2025-11-19T10:16:00+03:00", {"external_id": "msg-2", "role": "Сотрудник"}),
                   (Role.STUDENT, "2025-11-19T10:17:00", {"external_id": "msg-3"}))
    response = client.post(URL, payload, content_type="application/json", **methodist_token(world))
    assert response.status_code == 200, response.content
    assert response.json() == {"received": 3, "stored": 2, "duplicates": 0, "rejected": [
        {"index": 2, "external_id": "msg-3",
         "reason": "У времени события нет часового пояса: укажите смещение, например +03:00."}]}
    assert ActiveDay.objects.filter(group="teachers").count() == 2

    again = client.post(URL, payload, content_type="application/json", **methodist_token(world))
    assert again.json()["stored"] == 0 and again.json()["duplicates"] == 2
    assert ActivityEvent.objects.count() == 2


def test_post_events_takes_the_optional_chat_kind_R30(client, world):
    """R30: a messenger bridge may say in which kind of chat each message was written; without it, blank."""
    payload = body(world, (Role.PARENT, "2025-11-19T10:15:00+03:00", {"external_id": "k-1", "chat_kind": "parents"}),
                   (Role.TEACHER, "2025-11-19T10:16:00+03:00", {"external_id": "k-2"}),
                   (Role.TEACHER, "2025-11-19T10:17:00+03:00", {"external_id": "k-3", "chat_kind": "канал"}))
    response = client.post(URL, payload, content_type="application/json", **methodist_token(world))
    assert response.status_code == 200, response.content
    assert response.json()["stored"] == 2
    assert [r["external_id"] for r in response.json()["rejected"]] == ["k-3"]
    assert "вид чата" in response.json()["rejected"][0]["reason"]
    assert dict(ActivityEvent.objects.values_list("external_id", "chat_kind")) == {"k-1": "parents", "k-2": ""}


def test_post_events_needs_the_stats_write_scope(client, world):
    payload = body(world, (Role.TEACHER, "2025-11-19T10:15:00+03:00", {}))
    response = client.post(URL, payload, content_type="application/json",
                           **methodist_token(world, scopes=(SCOPE_READ,)))
    assert response.status_code == 403
    assert "stats:write" in response.json()["detail"]
    assert client.post(URL, payload, content_type="application/json").status_code == 401
    assert ActivityEvent.objects.count() == 0


def test_a_school_token_cannot_post_events(client, world):
    token = bearer(issue(role=Role.DIRECTOR, organisation=world.organisation, scopes=(SCOPE_STATS_WRITE,)))
    response = client.post(URL, body(world, (Role.TEACHER, "2025-11-19T10:15:00+03:00", {})),
                           content_type="application/json", **token)
    assert response.status_code == 403
    assert "методист района" in response.json()["detail"]


def test_a_batch_over_the_limit_is_refused_whole(client, world):
    one = body(world, (Role.TEACHER, "2025-11-19T10:15:00+03:00", {}))["events"][0]
    response = client.post(URL, {"events": [one] * (MAX_BATCH + 1)}, content_type="application/json",
                           **methodist_token(world))
    assert response.status_code == 422
    assert response.json()["detail"] == "В одном запросе не больше 10 000 событий; разбейте пакет на части."
    assert ActivityEvent.objects.count() == 0
