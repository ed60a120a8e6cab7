"""The page «Чаты школы» (R24, R27, R28), the API and the CLI of the plan; scope: school A never sees school B."""
from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from sreda.api.models import SCOPE_CHATS, SCOPE_LIBRARY_READ, SCOPE_READ
from sreda.api.tests.factories import bearer, issue
from sreda.chats.models import Chat, ChatMember
from sreda.chats.tests.test_plan import link, school_class, staff
from sreda.core.audit import AuditEntry
from sreda.core.testing import act_as, make_member, make_organisation, make_user
from sreda.people.roles import Role

pytestmark = pytest.mark.django_db


def admin_of(org):
    return make_member(role=Role.ADMINISTRATOR, organisation=org, confirmation="confirmed")


def roster(org):
    """A class «5А» whose class teacher linked the messenger; one of two parents linked."""
    c, teacher, kids = school_class(org)
    teacher.surname = "Учителева"
    teacher.save()
    link(teacher)
    link(kids[0][1])
    return c, teacher, kids


def test_r24_page_lists_chats_members_and_what_sync_would_do(client):
    org = make_organisation()
    _c, _teacher, _kids = roster(org)
    act_as(client, *admin_of(org))
    html = client.get("/chats/").content.decode()
    assert "5А — родители" in html and "5А — ученики" in html and "Сотрудники" in html
    assert "не привязан мессенджер" in html  # R27: the unlinked parent is listed
    assert "будет создан" in html and "добавить: Учителева" in html
    assert 'data-testid="plan-counts"' in html


def test_r24_search_by_person_keeps_only_their_chats(client):
    org = make_organisation()
    _c, _teacher, kids = roster(org)
    kid = kids[0][0]
    kid.surname = "Редкофамильный"
    kid.save()
    act_as(client, *admin_of(org))
    html = client.get("/chats/?q=редкофамильн").content.decode()
    assert "5А — ученики" in html and "5А — родители" not in html
    assert "Никого не найдено" in client.get("/chats/?q=никтотакой").content.decode()


def test_r28_read_only_toggle_is_saved_audited_and_survives_the_plan(client):
    org = make_organisation()
    c, _teacher, _ = roster(org)
    act_as(client, *admin_of(org))
    key = f"parents:{c.pk}"
    response = client.post("/chats/read-only/", {"key": key, "read_only": "1"})
    assert response.status_code == 302
    chat = Chat.objects.get(organisation=org, key=key)
    assert chat.read_only and chat.room_id == "" and chat.title == "5А — родители"
    assert AuditEntry.objects.filter(action="chats.read_only", object_id=str(chat.pk)).exists()
    assert "Разрешить писать всем" in client.get("/chats/").content.decode()
    client.post("/chats/read-only/", {"key": key, "read_only": "0"})
    chat.refresh_from_db()
    assert not chat.read_only


def test_r28_toggle_of_an_unknown_chat_changes_nothing(client):
    org = make_organisation()
    act_as(client, *admin_of(org))
    response = client.post("/chats/read-only/", {"key": "parents:999999", "read_only": "1"}, follow=True)
    assert "Такого чата нет в плане школы" in response.content.decode()
    assert not Chat.objects.filter(organisation=org).exists()


def test_plan_page_is_closed_to_a_teacher_and_open_to_the_operator_with_org(client):
    org = make_organisation()
    roster(org)
    act_as(client, *make_member(role=Role.TEACHER, organisation=org, confirmation="confirmed"))
    assert client.get("/chats/").status_code == 403
    assert client.post("/chats/read-only/", {"key": "staff", "read_only": "1"}).status_code == 403
    operator = make_user(superuser=True)
    act_as(client, operator)
    session = client.session
    session["sreda_active_role"] = "operator"
    session.save()
    assert client.get("/chats/").status_code == 403
    assert "5А — родители" in client.get(f"/chats/?org={org.pk}").content.decode()


def test_school_a_cannot_see_school_b(client):
    a, b = make_organisation(), make_organisation()
    roster(b)
    act_as(client, *admin_of(a))
    html = client.get(f"/chats/?org={b.pk}").content.decode()
    assert "5А — родители" not in html  # ?org= is the operator's; A's admin sees A
    secret = issue(role=Role.ADMINISTRATOR, organisation=a, scopes=(SCOPE_CHATS,))
    assert client.get(f"/api/v1/orgs/{b.pk}/chats/plan", **bearer(secret)).status_code == 404


def test_api_plan_has_the_cli_shape_plus_diff(client):
    org = make_organisation()
    _c, _teacher, _kids = roster(org)
    Chat.objects.create(organisation=org, key="students:424242", kind="students", title="9Я — ученики",
                        room_id="!gone:test")
    secret = issue(role=Role.DIRECTOR, organisation=org, scopes=(SCOPE_CHATS,))
    response = client.get(f"/api/v1/orgs/{org.pk}/chats/plan", **bearer(secret))
    assert response.status_code == 200
    rows = response.json()["items"]
    assert response.json()["count"] == len(rows)
    parents = next(r for r in rows if r["title"] == "5А — родители")
    assert parents["class"] == "5А" and parents["kind"] == "parents" and parents["read_only"] is False
    assert parents["diff"] == {"create": True, "rename": False, "read_only": None, "add": 2, "remove": 0,
                               "archive": False, "unarchive": False}
    assert set(parents["members"][0]) == {"person_id", "full_name", "role", "linked"}
    assert rows[-1]["title"] == "9Я — ученики" and rows[-1]["diff"]["archive"] is True
    read_only = issue(role=Role.DIRECTOR, organisation=org, scopes=(SCOPE_READ,))
    assert client.get(f"/api/v1/orgs/{org.pk}/chats/plan", **bearer(read_only)).status_code == 200
    other = issue(role=Role.DIRECTOR, organisation=org, scopes=(SCOPE_LIBRARY_READ,))
    assert client.get(f"/api/v1/orgs/{org.pk}/chats/plan", **bearer(other)).status_code == 403
    teacher_token = issue(role=Role.TEACHER, organisation=org, scopes=(SCOPE_CHATS,))
    assert client.get(f"/api/v1/orgs/{org.pk}/chats/plan", **bearer(teacher_token)).status_code == 403


def test_api_plan_is_paged_and_filtered_by_kind_and_by_pending_change(client):
    """The plan is a list like the others: `?limit=&offset=` → {count, items}; `kind` and `changed` narrow it."""
    org = make_organisation()
    c, _teacher, _kids = roster(org)
    Chat.objects.create(organisation=org, key="staff", kind="staff", title="Учительская", room_id="!s:test")
    headers = bearer(issue(role=Role.DIRECTOR, organisation=org, scopes=(SCOPE_CHATS,)))
    url = f"/api/v1/orgs/{org.pk}/chats/plan"
    whole = client.get(url, **headers).json()
    assert whole["count"] == len(whole["items"]) >= 3
    page = client.get(url, {"limit": 1, "offset": 1}, **headers).json()
    assert page == {"count": whole["count"], "items": whole["items"][1:2]}
    parents = client.get(url, {"kind": "parents"}, **headers).json()
    assert parents["count"] >= 1 and {row["kind"] for row in parents["items"]} == {"parents"}
    pending = client.get(url, {"changed": "true"}, **headers).json()["items"]
    assert pending and all(row["diff"]["create"] or row["diff"]["add"] or row["diff"]["remove"] or row["diff"]["rename"]
                           or row["diff"]["archive"] or row["diff"]["unarchive"] or row["diff"]["read_only"] is not None
                           for row in pending)
    assert client.get(url, {"kind": "nonsense"}, **headers).status_code == 422


def test_api_counts_removals_from_the_mirror_r26(client):
    org = make_organisation()
    c, teacher, _kids = roster(org)
    chat = Chat.objects.create(organisation=org, key=f"students:{c.pk}", kind="students", title="5А — ученики",
                               room_id="!r:test", school_class=c)
    ChatMember.objects.create(chat=chat, user_id=f"@p{teacher.pk}:school.test")
    ChatMember.objects.create(chat=chat, user_id="@stranger:test")
    secret = issue(role=Role.ADMINISTRATOR, organisation=org, scopes=(SCOPE_CHATS,))
    rows = client.get(f"/api/v1/orgs/{org.pk}/chats/plan", **bearer(secret)).json()["items"]
    students = next(r for r in rows if r["title"] == "5А — ученики")
    assert students["diff"]["remove"] == 1 and students["diff"]["create"] is False


def test_r26_page_names_who_will_be_removed(client):
    org = make_organisation()
    c, teacher, _kids = roster(org)
    gone = make_user().person
    gone.surname = "Ушедшева"
    gone.save()
    gone_id = link(gone)
    chat = Chat.objects.create(organisation=org, key=f"students:{c.pk}", kind="students", title="5А — ученики",
                               room_id="!r:test", school_class=c)
    ChatMember.objects.create(chat=chat, user_id=f"@p{teacher.pk}:school.test")
    ChatMember.objects.create(chat=chat, user_id=gone_id)
    ChatMember.objects.create(chat=chat, user_id="@unknown:elsewhere")
    act_as(client, *admin_of(org))
    html = client.get("/chats/").content.decode()
    assert f"удалить: Ушедшева Анна Петровна ({gone_id}), @unknown:elsewhere" in html


def _cli(*args) -> str:
    out = StringIO()
    call_command("chats", "plan", *args, stdout=out)
    return out.getvalue()


def test_cli_json_is_exactly_the_issue_shape():
    org = make_organisation()
    director = staff(org, Role.DIRECTOR)
    link(director)
    _c, _teacher, _kids = roster(org)
    rows = json.loads(_cli("--org", org.inn, "--json"))
    assert [set(r) for r in rows] == [{"kind", "class", "title", "read_only", "members"}] * 3
    assert rows[0]["title"] == "Учительская" and rows[0]["class"] is None
    for row in rows:
        for m in row["members"]:
            assert set(m) == {"person_id", "full_name", "role", "linked"}
    parents = rows[1]
    assert parents == {"kind": "parents", "class": "5А", "title": "5А — родители", "read_only": False,
                       "members": parents["members"]}
    assert sorted(m["linked"] for m in parents["members"]) == [False, True, True]


def test_cli_summary_in_russian_and_unknown_inn():
    org = make_organisation()
    roster(org)
    text = _cli("--org", org.inn)
    assert "5А — родители" in text and "создать" in text and "Всего чатов: 3" in text
    with pytest.raises(CommandError, match="не найдена"):
        _cli("--org", "0000000000")


def test_r27_xlsx_lists_every_member_with_the_link_state(client):
    import io

    from openpyxl import load_workbook

    org = make_organisation()
    _c, teacher, _kids = roster(org)
    act_as(client, *admin_of(org))
    response = client.get("/chats/plan.xlsx")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0] == ("Чат", "ФИО", "Роль", "Мессенджер привязан")
    parents = [r for r in rows[1:] if r[0] == "5А — родители"]
    assert sorted(r[3] for r in parents) == ["да", "да", "нет"]
    only = list(load_workbook(io.BytesIO(client.get("/chats/plan.xlsx?q=Учителева").content)).active
                .iter_rows(values_only=True))
    assert {r[1].split()[0] for r in only[1:]} == {teacher.surname}


def test_r28_toggle_returns_to_the_same_search(client):
    org = make_organisation()
    c, _teacher, _kids = roster(org)
    act_as(client, *admin_of(org))
    response = client.post("/chats/read-only/", {"key": f"students:{c.pk}", "read_only": "1", "q": "Учителева",
                                                 "page": "1"})
    assert response["Location"] == "/chats/?q=%D0%A3%D1%87%D0%B8%D1%82%D0%B5%D0%BB%D0%B5%D0%B2%D0%B0&page=1"
