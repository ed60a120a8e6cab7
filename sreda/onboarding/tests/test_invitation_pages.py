"""The invitation pages (R10–R11): the administrator's list with tabs, search and pages; the form with
Russian errors; an invitation's history with «Отправить повторно» / «Отозвать»; the invitee's page behind
the link in every state, reached through sign-in, consent and the role choice."""
from datetime import timedelta
from urllib.parse import quote

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sreda.core.models import AuditEntry
from sreda.core.testing import DEFAULT_PASSWORD, act_as, active_role_of, make_member
from sreda.onboarding import services
from sreda.onboarding.models import Invitation, InvitationEvent
from sreda.onboarding.tests.factories import invite, make_invitee, make_school, path_of, token_of
from sreda.people.models import Membership
from sreda.people.roles import Role

pytestmark = pytest.mark.django_db

FORM = {"surname": "Петрова", "name": "Мария", "patronymic": "Ивановна", "email": "petrova@school.ru",
        "snils": "", "role": Role.TEACHER}


@pytest.fixture
def school():
    return make_school(short_name="МБОУ СОШ № 5")


@pytest.fixture
def admin_client(client, school):
    act_as(client, school.admin, school.admin_membership)
    return client


def every_state(school):
    """One invitation in each tab: pending, expired, accepted, replaced, revoked."""
    invite(school, email="pending@school.ru")
    invite(school, email="expired@school.ru")
    Invitation.objects.filter(email="expired@school.ru").update(expires_at=timezone.now() - timedelta(days=1))
    invitee = make_invitee()
    accepted = invite(school, invitee=invitee, email="accepted@school.ru")
    services.invitation_accept(actor=active_role_of(invitee), token=token_of(accepted.link))
    replaced = invite(school, email="replaced@school.ru")
    services.invitation_resend(actor=school.admin_role, invitation=replaced.invitation)
    revoked = invite(school, email="revoked@school.ru")
    services.invitation_revoke(actor=school.admin_role, invitation=revoked.invitation)


# --- the administrator's list ---------------------------------------------------------------------------

def test_r11_the_administrator_sees_each_state_in_its_tab_with_counts(admin_client, school):
    every_state(school)

    page = admin_client.get("/onboarding/invitations/").content.decode()

    for tab in ("Все: 6", "Ожидают: 2", "Приняты: 1", "Истекли: 1", "Заменены и отозваны: 2"):
        assert tab in page
    # the resent one has its new pending invitation, so two are pending
    expired = admin_client.get("/onboarding/invitations/?state=expired").content.decode()
    assert "expired@school.ru" in expired and "Истекло" in expired
    assert "pending@school.ru" not in expired
    closed = admin_client.get("/onboarding/invitations/?state=closed").content.decode()
    assert "Заменено новой ссылкой" in closed and "Отозвано" in closed
    accepted = admin_client.get("/onboarding/invitations/?state=accepted").content.decode()
    assert "accepted@school.ru" in accepted and "Принято" in accepted


def test_search_ignores_case_and_yo(admin_client, school):
    services.invitation_send(actor=school.admin_role, organisation=school.organisation, surname="Ёлкина",
                             name="Алёна", email="elkina@school.ru", role=Role.STAFF)
    invite(school, email="petrova@school.ru")

    page = admin_client.get("/onboarding/invitations/", {"q": "ЕЛКИНА алена"}).content.decode()
    assert "Ёлкина Алёна" in page and "petrova@school.ru" not in page

    by_mail = admin_client.get("/onboarding/invitations/", {"q": "PETROVA@"}, HTTP_HX_REQUEST="true",
                               HTTP_HX_TARGET="results").content.decode()
    assert "petrova@school.ru" in by_mail and "Ёлкина" not in by_mail
    assert "<h1>" not in by_mail  # HTMX gets the results only


def test_the_list_is_paginated_and_masks_the_snils(admin_client, school):
    for n in range(30):
        invite(school, email=f"t{n}@school.ru", snils="112-233-445 95" if n == 0 else "")

    first = admin_client.get("/onboarding/invitations/").content.decode()
    second = admin_client.get("/onboarding/invitations/?page=2").content.decode()

    assert "Показано 1–25 из 30" in first and "Показано 26–30 из 30" in second
    assert "***-***-445 **" in first + second and "112-233-445 95" not in first + second


def test_the_list_costs_the_same_queries_for_3_or_30_invitations(admin_client, school):
    def queries():
        with CaptureQueriesContext(connection) as ctx:
            assert admin_client.get("/onboarding/invitations/").status_code == 200
        return len(ctx)

    for n in range(3):
        invite(school, email=f"a{n}@school.ru")
    queries()  # the first request also caches the consent in the session
    few = queries()
    for n in range(27):
        invite(school, email=f"b{n}@school.ru")
    assert queries() == few


def test_r10_a_teacher_is_told_who_invites(client, school):
    user, membership = make_member(role=Role.TEACHER, organisation=school.organisation)
    act_as(client, user, membership)

    response = client.get("/onboarding/invitations/")

    assert response.status_code == 403
    assert "Сотрудников приглашают и редактируют руководитель и администратор ОО" in response.content.decode()


def test_another_schools_invitation_is_not_found(client, school):
    sent = invite(school)
    other = make_school()
    act_as(client, other.admin, other.admin_membership)

    assert client.get(f"/onboarding/invitations/{sent.invitation.pk}/").status_code == 404
    assert client.post(f"/onboarding/invitations/{sent.invitation.pk}/resend/").status_code == 404
    assert client.post(f"/onboarding/invitations/{sent.invitation.pk}/revoke/").status_code == 404
    assert Invitation.objects.get().status == "pending"


# --- the form -------------------------------------------------------------------------------------------

def test_r10_inviting_through_the_form(admin_client, school, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post("/onboarding/invitations/new/", {**FORM, "snils": "112 233 445 95"})

    invitation = Invitation.objects.get()
    assert response.status_code == 302 and response.url == f"/onboarding/invitations/{invitation.pk}/"
    assert invitation.snils == "11223344595" and invitation.invited_by == school.admin
    page = admin_client.get(response.url).content.decode()
    assert "Приглашение отправлено на petrova@school.ru" in page
    assert "Письмо передано почтовому серверу" in page  # the history
    assert [m.to for m in mailoutbox] == [["petrova@school.ru"]]


@pytest.mark.parametrize("field, value, message", [
    ("snils", "112-233-445 96", "не сходится контрольное число"),
    ("email", "petrova(at)school.ru", "это не адрес электронной почты"),
    ("surname", "", "Укажите фамилию"),
    ("role", Role.DIRECTOR, "Выберите корректный вариант"),
])
def test_bad_input_in_the_form_is_explained_and_nothing_is_sent(admin_client, field, value, message, mailoutbox):
    response = admin_client.post("/onboarding/invitations/new/", {**FORM, field: value})

    assert response.status_code == 400
    page = response.content.decode()
    assert "Приглашение не отправлено" in page and message in page
    assert not Invitation.objects.exists() and not mailoutbox


# --- one invitation: history, resend, revoke -------------------------------------------------------------

def test_r11_resend_from_the_page_then_the_second_click_is_told_it_is_done(admin_client, school):
    sent = invite(school)
    detail = admin_client.get(f"/onboarding/invitations/{sent.invitation.pk}/").content.decode()
    assert "Отправить повторно" in detail and "Отозвать" in detail and "Приглашение отправлено" in detail

    response = admin_client.post(f"/onboarding/invitations/{sent.invitation.pk}/resend/")

    new = Invitation.objects.exclude(pk=sent.invitation.pk).get()
    assert response.status_code == 302 and response.url == f"/onboarding/invitations/{new.pk}/"
    page = admin_client.get(response.url).content.decode()
    assert "Новая ссылка отправлена на petrova@school.ru" in page and "Заменяет" in page

    again = admin_client.post(f"/onboarding/invitations/{sent.invitation.pk}/resend/")
    assert again.status_code == 409
    assert "уже заменено новой ссылкой" in again.content.decode()
    assert Invitation.objects.count() == 2


def test_revoke_from_the_page(admin_client, school):
    sent = invite(school)

    response = admin_client.post(f"/onboarding/invitations/{sent.invitation.pk}/revoke/", {"reason": "Ошиблись"})

    assert response.status_code == 302
    page = admin_client.get(response.url).content.decode()
    assert "Приглашение отозвано: ссылка больше не действует" in page
    assert "Отозвано" in page and "Ошиблись" in page
    assert "Отправить повторно" not in page  # a revoked invitation is final


# --- the invitee's page behind the link -------------------------------------------------------------------

def test_r10_the_link_brings_the_invitee_back_through_sign_in_consent_and_role_choice(client, school):
    invitee = make_invitee(consented=False)
    path = path_of(invite(school, invitee=invitee).link)

    to_login = client.get(path)
    assert to_login.status_code == 302 and to_login.url == f"/accounts/login/?next={quote(path)}"
    signed_in = client.post("/accounts/login/", {"username": invitee.username, "password": DEFAULT_PASSWORD,
                                                 "next": path})
    assert signed_in.url == path
    to_consent = client.get(path)
    assert to_consent.url == f"/consent/?next={quote(path, safe='/')}"
    consented = client.post("/consent/", {"agree": "on", "next": path})
    assert consented.url == path
    to_role = client.get(path)
    assert to_role.url == f"/role/?next={quote(path, safe='/')}"
    chosen = client.post("/role/", {"key": "private", "next": path})
    assert chosen.url == path

    page = client.get(path)
    assert page.status_code == 200
    text = page.content.decode()
    for shown in ("МБОУ СОШ № 5", "Учитель", "Соколов Пётр Андреевич, Администратор ОО", "Принять приглашение"):
        assert shown in text


def test_r12_after_accepting_the_role_is_offered_and_the_person_is_an_employee(client, school):
    invitee = make_invitee()
    path = path_of(invite(school, invitee=invitee).link)
    act_as(client, invitee)

    response = client.post(path)

    assert response.status_code == 302 and response.url == "/role/"
    choice = client.get("/role/").content.decode()
    assert "Приглашение принято: вы — «Учитель» в МБОУ СОШ № 5" in choice
    assert "Учитель — МБОУ СОШ № 5" in choice
    act_as(client, school.admin, school.admin_membership)
    employees = client.get("/people/employees/").content.decode()
    assert "Петрова Мария Ивановна" in employees


def states(school):
    """Links in each state the invitee can meet, by name."""
    links = {}
    links["valid"] = invite(school, email="valid@school.ru").link
    links["expired"] = invite(school, email="expired@school.ru").link
    Invitation.objects.filter(email="expired@school.ru").update(expires_at=timezone.now() - timedelta(days=2))
    used = invite(school, email="used@school.ru")
    someone = make_invitee(surname="Сидорова")
    services.invitation_accept(actor=active_role_of(someone), token=token_of(used.link))
    links["used"] = used.link
    replaced = invite(school, email="replaced@school.ru")
    services.invitation_resend(actor=school.admin_role, invitation=replaced.invitation)
    links["replaced"] = replaced.link
    revoked = invite(school, email="revoked@school.ru")
    services.invitation_revoke(actor=school.admin_role, invitation=revoked.invitation)
    links["revoked"] = revoked.link
    token = token_of(links["valid"])
    links["tampered"] = links["valid"].replace(token, token[:-2] + ("xy" if token[-2:] != "xy" else "zz"))
    links["unknown"] = links["valid"].replace(token, "A" * 43)
    links["garbage"] = links["valid"].replace(token, "%3Cscript%3E")
    return links


@pytest.mark.parametrize("state, status, text", [
    ("expired", 410, "Срок действия ссылки истёк"),
    ("used", 410, "уже использовано"),
    ("replaced", 410, "ссылка заменена новой — проверьте почту"),
    ("revoked", 410, "Приглашение отозвано школой"),
    ("tampered", 404, "Ссылка недействительна"),
    ("unknown", 404, "Ссылка недействительна"),
    ("garbage", 404, "Ссылка недействительна"),
])
def test_r11_every_closed_link_says_why_with_its_status_and_changes_nothing(client, school, state, status, text):
    links = states(school)
    invitee = make_invitee()
    act_as(client, invitee)
    before = (list(Invitation.objects.values_list("pk", "status")), Membership.objects.count(),
              InvitationEvent.objects.exclude(kind="refused").count())

    shown = client.get(path_of(links[state]))
    posted = client.post(path_of(links[state]))

    for response in (shown, posted):
        assert response.status_code == status
        page = response.content.decode()
        assert text in page and "Принять приглашение</button>" not in page
    assert (list(Invitation.objects.values_list("pk", "status")), Membership.objects.count(),
            InvitationEvent.objects.exclude(kind="refused").count()) == before
    assert not Membership.objects.filter(person=invitee.person).exists()


def test_r11_the_expired_page_names_who_can_resend(client, school):
    links = states(school)
    act_as(client, make_invitee())

    page = client.get(path_of(links["expired"])).content.decode()

    assert f"Новое приглашение может отправить: Соколов Пётр Андреевич, Администратор ОО, МБОУ СОШ № 5" in page


def test_r10_an_unconfirmed_account_sees_how_to_confirm_and_no_button(client, school):
    invitee = make_invitee(confirmed=False)
    path = path_of(invite(school, invitee=invitee).link)
    act_as(client, invitee)

    shown = client.get(path)
    posted = client.post(path)

    assert shown.status_code == posted.status_code == 403
    assert "Подтвердите учётную запись через Госуслуги (ЕСИА)" in shown.content.decode()
    assert "Принять приглашение</button>" not in shown.content.decode()
    assert not Membership.objects.filter(person=invitee.person).exists()
    assert InvitationEvent.objects.filter(kind="refused").count() == 1  # only the POST is an attempt
    assert AuditEntry.objects.filter(action="invitation.accept_refused").count() == 1


def test_r10_a_namesake_is_refused_without_learning_the_snils(client, school):
    rightful = make_invitee(snils="11223344595")
    namesake = make_invitee()
    path = path_of(invite(school, invitee=rightful, snils="112-233-445 95").link)
    act_as(client, namesake)

    response = client.post(path)

    page = response.content.decode()
    assert response.status_code == 403 and "Приглашение выписано на другого человека" in page
    assert "445" not in page
    assert Invitation.objects.get().status == "pending"


def test_opening_the_link_changes_nothing_until_the_button_is_pressed(client, school):
    invitee = make_invitee()
    path = path_of(invite(school, invitee=invitee).link)
    act_as(client, invitee)

    for _ in range(3):
        assert client.get(path).status_code == 200

    assert Invitation.objects.get().status == "pending"
    assert not Membership.objects.filter(person=invitee.person).exists()


# --- the platform operator and the operator's admin -------------------------------------------------------

def test_the_platform_operator_names_the_school(client, school):
    from sreda.core.testing import make_user

    invite(school)
    operator = make_user(superuser=True)
    client.force_login(operator)
    client.post("/role/", {"key": "operator"})

    without = client.get("/onboarding/invitations/")
    assert without.status_code == 403 and "от имени школы" in without.content.decode()
    page = client.get(f"/onboarding/invitations/?org={school.organisation.pk}").content.decode()
    assert "petrova@school.ru" in page and f"?org={school.organisation.pk}" in page
    assert client.get(f"/people/employees/?org={school.organisation.pk}").status_code == 200


def test_the_operators_admin_lists_invitations_read_only(client, school):
    from sreda.core.testing import make_user

    sent = invite(school)
    client.force_login(make_user(superuser=True))
    client.post("/role/", {"key": "operator"})

    assert client.get("/admin/onboarding/invitation/", {"q": "петрова"}).status_code == 200
    assert client.get("/admin/onboarding/invitationevent/").status_code == 200
    detail = client.get(f"/admin/onboarding/invitation/{sent.invitation.pk}/change/")
    assert detail.status_code == 200 and sent.invitation.token_hash not in detail.content.decode()
    assert client.get("/admin/onboarding/invitation/add/").status_code == 403
