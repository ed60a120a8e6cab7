"""Invitations through the API (R10–R11): the four clients, the same Russian refusals as the pages, and
bad input changing nothing."""
import json

import pytest

from sreda.api.models import SCOPE_READ, SCOPE_STAFF_WRITE
from sreda.api.tests.factories import bearer, issue
from sreda.onboarding.models import Invitation, InvitationEvent
from sreda.onboarding.tests.factories import invite, make_school
from sreda.people.roles import Role

pytestmark = pytest.mark.django_db

BODY = {"surname": "Петрова", "name": "Мария", "patronymic": "Ивановна", "email": "petrova@school.ru",
        "snils": "112-233-445 95", "role": "teacher"}
WRITE = (SCOPE_READ, SCOPE_STAFF_WRITE)


@pytest.fixture
def school():
    return make_school(short_name="МБОУ СОШ № 5")


def token(school, role=Role.ADMINISTRATOR, scopes=WRITE):
    return bearer(issue(role=role, organisation=school.organisation, scopes=scopes))


def post(client, url, body=None, **headers):
    return client.post(url, data=json.dumps(body or {}), content_type="application/json", **headers)


def test_r10_create_list_detail(client, school, mailoutbox, django_capture_on_commit_callbacks):
    headers = token(school)
    url = f"/api/v1/organisations/{school.organisation.pk}/invitations"

    with django_capture_on_commit_callbacks(execute=True):
        created = post(client, url, BODY, **headers)

    assert created.status_code == 201, created.json()
    data = created.json()
    assert data["full_name"] == "Петрова Мария Ивановна" and data["snils"] == "***-***-445 **"
    assert (data["status"], data["state"], data["status_label"]) == ("pending", "pending", "Ожидает ответа")
    assert "link" not in data and "token" not in json.dumps(data)
    assert [m.to for m in mailoutbox] == [["petrova@school.ru"]]

    listed = client.get(url, {"state": "pending", "q": "ПЕТРОВА"}, **headers).json()
    assert listed["count"] == 1 and listed["items"][0]["id"] == data["id"]
    assert client.get(url, {"state": "expired"}, **headers).json()["count"] == 0

    detail = client.get(f"/api/v1/invitations/{data['id']}", **headers).json()
    assert [e["kind"] for e in detail["events"]] == ["sent", "mail_sent"]
    assert detail["events"][0]["kind_label"] == "Приглашение отправлено"


@pytest.mark.parametrize("field, value, message", [
    ("snils", "112-233-445 96", "не сходится контрольное число"),
    ("email", "не почта", "это не адрес электронной почты"),
    ("surname", " ", "Укажите фамилию"),
])
def test_bad_input_is_422_in_russian_and_creates_nothing(client, school, field, value, message, mailoutbox):
    response = post(client, f"/api/v1/organisations/{school.organisation.pk}/invitations", {**BODY, field: value},
                    **token(school))

    assert response.status_code == 422 and message in response.json()["detail"]
    assert not Invitation.objects.exists() and not mailoutbox


def test_a_role_that_cannot_be_invited_is_422(client, school):
    response = post(client, f"/api/v1/organisations/{school.organisation.pk}/invitations", {**BODY, "role": "director"},
                    **token(school))

    assert response.status_code == 422 and "role" in response.json()["detail"]
    assert not Invitation.objects.exists()


def test_r11_resend_then_a_second_resend_is_409(client, school):
    sent = invite(school)
    headers = token(school)

    first = post(client, f"/api/v1/invitations/{sent.invitation.pk}/resend", **headers)
    second = post(client, f"/api/v1/invitations/{sent.invitation.pk}/resend", **headers)

    assert first.status_code == 201 and first.json()["id"] != sent.invitation.pk
    assert second.status_code == 409 and "уже заменено новой ссылкой" in second.json()["detail"]
    old = client.get(f"/api/v1/invitations/{sent.invitation.pk}", **headers).json()
    assert old["status"] == "replaced" and old["replaced_by_id"] == first.json()["id"]
    assert Invitation.objects.count() == 2


def test_revoke_with_a_reason_then_again_is_409(client, school):
    sent = invite(school)
    headers = token(school)

    revoked = post(client, f"/api/v1/invitations/{sent.invitation.pk}/revoke", {"reason": "Ошиблись адресом"}, **headers)
    again = post(client, f"/api/v1/invitations/{sent.invitation.pk}/revoke", **headers)

    assert revoked.status_code == 200 and revoked.json()["status"] == "revoked"
    assert InvitationEvent.objects.filter(kind="revoked", note="Ошиблись адресом").exists()
    assert again.status_code == 409 and "отозвано" in again.json()["detail"]


# --- the four clients -------------------------------------------------------------------------------------

def endpoints(school, sent):
    org, inv = school.organisation.pk, sent.invitation.pk
    return [
        ("get", f"/api/v1/organisations/{org}/invitations", None),
        ("post", f"/api/v1/organisations/{org}/invitations", {**BODY, "email": "new@school.ru"}),
        ("get", f"/api/v1/invitations/{inv}", None),
        ("post", f"/api/v1/invitations/{inv}/resend", None),
        ("post", f"/api/v1/invitations/{inv}/revoke", {}),
    ]


def call(client, method, url, body, headers):
    if method == "get":
        return client.get(url, **headers)
    return post(client, url, body, **headers)


def test_anonymous_gets_401(client, school):
    for method, url, body in endpoints(school, invite(school)):
        assert call(client, method, url, body, {}).status_code == 401, url


def test_another_school_gets_404_and_changes_nothing(client, school):
    sent = invite(school)
    other = make_school()
    for method, url, body in endpoints(school, sent):
        response = call(client, method, url, body, token(other))
        assert response.status_code == 404, url
        assert "недоступ" in response.json()["detail"]
    assert list(Invitation.objects.values_list("status", flat=True)) == ["pending"]


@pytest.mark.parametrize("role", [Role.TEACHER, Role.STAFF, Role.PARENT])
def test_the_wrong_role_gets_403_with_the_reason(client, school, role):
    sent = invite(school)
    for method, url, body in endpoints(school, sent):
        response = call(client, method, url, body, token(school, role=role))
        assert response.status_code == 403, url
        assert "руководитель и администратор ОО" in response.json()["detail"]
    assert Invitation.objects.count() == 1


def test_a_read_only_token_cannot_write(client, school):
    sent = invite(school)
    headers = token(school, scopes=(SCOPE_READ,))
    for method, url, body in endpoints(school, sent):
        response = call(client, method, url, body, headers)
        if method == "get":
            assert response.status_code == 200, url
        else:
            assert response.status_code == 403 and "staff:write" in response.json()["detail"], url
    assert Invitation.objects.count() == 1


@pytest.mark.parametrize("role", [Role.ADMINISTRATOR, Role.DIRECTOR])
def test_the_right_role_may_do_everything(client, school, role):
    sent = invite(school)
    codes = [call(client, method, url, body, token(school, role=role)).status_code
             for method, url, body in endpoints(school, sent)]
    # revoke comes after resend: the resent invitation is already replaced, which is a 409 with a reason
    assert codes == [200, 201, 200, 201, 409]


def test_the_api_says_accepting_is_done_in_a_browser(client):
    spec = client.get("/api/v1/openapi.json").json()
    create = spec["paths"]["/api/v1/organisations/{organisation_id}/invitations"]["post"]
    assert "в браузере" in create["description"]
    assert not any("/invite" in path for path in spec["paths"])
