"""R30 (and R26 for the mirror): the application-service transactions endpoint, fed directly with the
transactions a homeserver sends (the end-to-end push from a real Synapse is in test_appservice_push.py)."""
from datetime import UTC, date, datetime, timedelta

import pytest

from sreda.chats.models import (
    AccountStatus,
    AppServiceTransaction,
    Chat,
    ChatKind,
    ChatMember,
    MessengerAccount,
    MessengerSettings,
)
from sreda.core.testing import (
    make_class,
    make_membership,
    make_organisation,
    make_person,
)
from sreda.people.models import Confirmation
from sreda.people.roles import Role
from sreda.stats.models import ActivityEvent

pytestmark = pytest.mark.django_db
HS_TOKEN = "hs_test_token"
BOT = "@sreda_bot:sreda.test"
ROOM = "!staffroom:sreda.test"
PARENTS_ROOM = "!parents5a:sreda.test"


@pytest.fixture(autouse=True)
def hs_token(settings):
    settings.SREDA_MATRIX_HS_TOKEN = HS_TOKEN


@pytest.fixture
def school():
    org = make_organisation()
    MessengerSettings.objects.create(organisation=org, homeserver_url="http://127.0.0.1:1", server_name="sreda.test",
                                     service_token="t", service_user_id=BOT)
    cls = make_class(organisation=org)
    staff = Chat.objects.create(organisation=org, key="staff", kind=ChatKind.STAFF, title="Учительская", room_id=ROOM)
    parents = Chat.objects.create(organisation=org, key=f"parents:{cls.pk}", kind=ChatKind.PARENTS,
                                  school_class=cls, title="5А — родители", room_id=PARENTS_ROOM)
    return org, cls, staff, parents


def linked(person, user_id):
    return MessengerAccount.objects.create(person=person, user_id=user_id, status=AccountStatus.LINKED)


def member(org, role, user_id, **kw):
    person = make_person()
    make_membership(person=person, role=role, organisation=org, start_date=date(2025, 9, 1),
                    confirmation=Confirmation.CONFIRMED, **kw)
    linked(person, user_id)
    return person


def message(sender, room=ROOM, *, event_id="$ev1", minutes_ago=5, **content):
    ts = datetime.now(UTC) - timedelta(minutes=minutes_ago)
    return {"type": "m.room.message", "room_id": room, "sender": sender, "event_id": event_id,
            "origin_server_ts": int(ts.timestamp() * 1000),
            "content": {"msgtype": "m.text", "body": "Добрый день", **content}}


def join(user_id, room=ROOM, **unsigned):
    return {"type": "m.room.member", "room_id": room, "sender": user_id, "state_key": user_id,
            "event_id": f"$join{user_id}", "origin_server_ts": int(datetime.now(UTC).timestamp() * 1000),
            "content": {"membership": "join"}, "unsigned": unsigned}


def leave(user_id, room=ROOM, membership="leave"):
    return {"type": "m.room.member", "room_id": room, "sender": BOT, "state_key": user_id, "event_id": f"$leave{user_id}",
            "origin_server_ts": int(datetime.now(UTC).timestamp() * 1000),
            "content": {"membership": membership}}


def push(client, txn, events, token=HS_TOKEN, **extra):
    return client.put(f"/_matrix/app/v1/transactions/{txn}", data={"events": events}, content_type="application/json",
                      HTTP_AUTHORIZATION=f"Bearer {token}", **extra)


def test_r30_message_of_a_linked_teacher_becomes_an_activity_event(client, school):
    """R30: the event records the person, organisation, role, chat kind and time of the message."""
    org, _, _, _ = school
    teacher = member(org, Role.TEACHER, "@teacher:sreda.test")
    sent = message("@teacher:sreda.test")
    response = push(client, "t1", [sent])
    assert response.status_code == 200 and response.json() == {}
    event = ActivityEvent.objects.get()
    assert (event.person_id, event.organisation_id, event.role, event.chat_kind, event.source, event.kind,
            event.external_id, event.counts) == (teacher.pk, org.pk, Role.TEACHER, ChatKind.STAFF, "chat", "message",
                                                 "$ev1", True)
    assert event.occurred_at == datetime.fromtimestamp(sent["origin_server_ts"] / 1000, tz=UTC)


def a_teacher_and_parent_writes_in_both_chats(client, school) -> None:
    """One person, a teacher and a parent at the school, writes once in the staff room ($staff) and once in the
    class's parents' chat ($parents)."""
    org, _, _, _ = school
    person = member(org, Role.TEACHER, "@both:sreda.test")
    make_membership(person=person, role=Role.PARENT, organisation=org, start_date=date(2025, 9, 1),
                    confirmation=Confirmation.CONFIRMED)
    push(client, "t1", [message("@both:sreda.test", event_id="$staff"),
                        message("@both:sreda.test", room=PARENTS_ROOM, event_id="$parents")])


def test_r30_the_chat_kind_of_each_message_is_recorded(client, school):
    """R30: a message in the class's parents' chat is recorded with the kind «parents», one in the staff room
    with «staff» — the statistics can tell them apart."""
    a_teacher_and_parent_writes_in_both_chats(client, school)
    kinds = dict(ActivityEvent.objects.values_list("external_id", "chat_kind"))
    assert kinds == {"$staff": ChatKind.STAFF, "$parents": ChatKind.PARENTS}


def test_r30_every_chat_kind_of_sreda_is_a_kind_the_statistics_accept():
    """R30: the ingest would reject a chat kind it does not know; Sreda's own kinds are all known to it."""
    from sreda.stats.models import EventChatKind

    assert set(ChatKind.values) <= set(EventChatKind.values)


def test_r30_redelivered_transaction_and_repeated_event_count_once(client, school):
    org, _, _, _ = school
    member(org, Role.TEACHER, "@teacher:sreda.test")
    push(client, "t1", [message("@teacher:sreda.test")])
    assert push(client, "t1", [message("@teacher:sreda.test")]).json() == {}
    push(client, "t2", [message("@teacher:sreda.test")])  # the same event in another transaction
    assert ActivityEvent.objects.count() == 1
    assert AppServiceTransaction.objects.filter(txn_id="t1").count() == 1


def test_r30_strangers_service_account_and_other_rooms_are_ignored(client, school):
    org, _, _, _ = school
    member(org, Role.TEACHER, "@teacher:sreda.test")
    events = [message("@stranger:sreda.test", event_id="$a"), message(BOT, event_id="$b", msgtype="m.notice"),
              message("@teacher:sreda.test", room="!elsewhere:sreda.test", event_id="$c"),
              message("@teacher:sreda.test", event_id="$d", **{"m.relates_to": {"rel_type": "m.replace",
                                                                                   "event_id": "$x"}})]
    assert push(client, "t1", events).status_code == 200
    assert not ActivityEvent.objects.exists()


def test_r30_role_follows_the_chat_kind(client, school):
    """A class teacher who is also a parent writes as a parent in the parents' chat, as a teacher in the
    staff room."""
    a_teacher_and_parent_writes_in_both_chats(client, school)
    roles = dict(ActivityEvent.objects.values_list("external_id", "role"))
    assert roles == {"$staff": Role.TEACHER, "$parents": Role.PARENT}


def test_r30_linked_person_without_a_role_in_the_school_is_not_counted(client, school):
    linked(make_person(), "@outsider:sreda.test")
    push(client, "t1", [message("@outsider:sreda.test")])
    assert not ActivityEvent.objects.exists()


def test_wrong_or_missing_hs_token_is_refused_and_nothing_recorded(client, school):
    org, _, _, _ = school
    member(org, Role.TEACHER, "@teacher:sreda.test")
    response = push(client, "t1", [message("@teacher:sreda.test")], token="wrong")
    assert response.status_code == 403 and response.json()["errcode"] == "M_FORBIDDEN"
    response = client.put("/_matrix/app/v1/transactions/t1", data={"events": []}, content_type="application/json")
    assert response.status_code == 403
    assert not ActivityEvent.objects.exists() and not AppServiceTransaction.objects.exists()


def test_legacy_access_token_query_parameter_is_accepted(client, school):
    response = client.put(f"/_matrix/app/v1/transactions/q1?access_token={HS_TOKEN}", data={"events": []},
                          content_type="application/json")
    assert response.status_code == 200 and AppServiceTransaction.objects.filter(txn_id="q1").exists()


def test_users_and_rooms_are_never_created_on_demand(client):
    auth = {"HTTP_AUTHORIZATION": f"Bearer {HS_TOKEN}"}
    assert client.get("/_matrix/app/v1/users/@sreda_x:sreda.test", **auth).status_code == 404
    assert client.get("/_matrix/app/v1/rooms/%23sreda_x:sreda.test", **auth).status_code == 404
    assert client.get("/_matrix/app/v1/users/@sreda_x:sreda.test").status_code == 403


def test_r26_membership_events_update_the_mirror(client, school):
    """Join adds to the mirror, leave and ban remove; a linked parent who joined without Sreda's invite is
    marked as joined by link; someone Sreda invited is not."""
    org, _, _, parents = school
    parent = member(org, Role.PARENT, "@parent:sreda.test")
    teacher = member(org, Role.TEACHER, "@teacher:sreda.test")
    push(client, "m1", [join("@parent:sreda.test", PARENTS_ROOM),
                        join("@teacher:sreda.test", PARENTS_ROOM, prev_content={"membership": "invite"},
                             prev_sender=BOT),
                        join("@stranger:sreda.test", PARENTS_ROOM)])
    rows = {m.user_id: (m.person_id, m.via_link) for m in ChatMember.objects.filter(chat=parents)}
    assert rows == {"@parent:sreda.test": (parent.pk, True), "@teacher:sreda.test": (teacher.pk, False),
                    "@stranger:sreda.test": (None, False)}
    push(client, "m2", [leave("@stranger:sreda.test", PARENTS_ROOM), leave("@parent:sreda.test", PARENTS_ROOM, "ban")])
    assert set(ChatMember.objects.filter(chat=parents).values_list("user_id", flat=True)) == {"@teacher:sreda.test"}


def test_bad_body_is_refused_without_recording_the_transaction(client, school):
    response = client.put("/_matrix/app/v1/transactions/b1", data="not json", content_type="application/json",
                          HTTP_AUTHORIZATION=f"Bearer {HS_TOKEN}")
    assert response.status_code == 400
    assert not AppServiceTransaction.objects.exists()


def test_r30_a_busy_transaction_costs_as_many_queries_as_a_quiet_one(client, school):
    """Queries do not grow with the number of messages or writers in a transaction (no N+1)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    org, _, _, _ = school
    writers = [f"@teacher{i}:sreda.test" for i in range(10)]
    for user_id in writers:
        member(org, Role.TEACHER, user_id)
    with CaptureQueriesContext(connection) as quiet:
        push(client, "q1", [message(writers[0], event_id="$q")])
    with CaptureQueriesContext(connection) as busy:
        push(client, "q2", [message(w, event_id=f"$b{i}") for i, w in enumerate(writers * 3)])
    assert ActivityEvent.objects.count() == 31
    assert len(busy.captured_queries) == len(quiet.captured_queries)
