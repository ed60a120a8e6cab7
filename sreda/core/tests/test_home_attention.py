"""The home page tells each role what needs doing next: R8 (why the director's functions are missing),
R9 (a report is owed), R10–R11 (invitations waiting or expired), R7 (the operator's queue)."""
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from sreda.core.testing import act_as, active_role_of, make_class, make_member, make_membership, make_organisation, make_person
from sreda.onboarding.models import Invitation
from sreda.people.confirmation import members_decide
from sreda.people.models import Confirmation, DirectorVerification, VerificationMethod
from sreda.people.roles import Role

pytestmark = pytest.mark.django_db


def attention(client) -> str:
    html = client.get(reverse("home")).content.decode()
    start = html.find('data-testid="attention"')
    return html[start:html.find("</section>", start)] if start >= 0 else ""


def test_r8_an_unconfirmed_director_is_told_why_and_where_to_confirm(client):
    school = make_organisation()
    user, director = make_member(role=Role.DIRECTOR, organisation=school)
    act_as(client, user, director)
    panel = attention(client)
    assert "Подтвердите личность руководителя" in panel
    assert reverse("people:verification") in panel


def test_r7_a_director_waiting_for_the_operator_sees_the_due_date(client):
    school = make_organisation()
    user, director = make_member(role=Role.DIRECTOR, organisation=school)
    due = timezone.localdate() + timedelta(days=5)
    DirectorVerification.objects.create(
        membership=director, region=school.municipality.region, method=VerificationMethod.PASSPORT_DATA,
        consent_given_at=timezone.now(), due_date=due, submitted_by=user)
    act_as(client, user, director)
    panel = attention(client)
    assert "у оператора региона" in panel and due.strftime("%d.%m.%Y") in panel


def test_r9_a_confirmed_director_sees_pending_people_and_then_the_owed_report(client):
    school = make_organisation()
    user, director = make_member(role=Role.DIRECTOR, organisation=school, confirmation=Confirmation.CONFIRMED)
    students = [make_membership(person=make_person(), role=Role.STUDENT, organisation=school,
                                school_class=make_class(organisation=school, letter=letter)) for letter in "АБ"]
    act_as(client, user, director)
    assert "Ждут подтверждения педагоги и обучающиеся: 2." in attention(client)
    assert "Отчёт не отправлен" not in attention(client)

    members_decide(actor=active_role_of(user, director), organisation=school, decision=Confirmation.CONFIRMED,
                   membership_ids=[students[0].pk])
    panel = attention(client)
    assert "Отчёт не отправлен: 1 решение" in panel
    assert "Ждут подтверждения педагоги и обучающиеся: 1." in panel


def test_r11_the_administrator_sees_waiting_and_expired_invitations(client):
    school = make_organisation()
    user, admin = make_member(role=Role.ADMINISTRATOR, organisation=school)
    now = timezone.now()
    for n, expires in enumerate([now + timedelta(days=10), now - timedelta(days=1), now - timedelta(days=2)]):
        Invitation.objects.create(organisation=school, surname="Иванова", name="Анна", email=f"a{n}@school.ru",
                                  role=Role.TEACHER, token_hash=f"{n:064d}", sent_at=expires - timedelta(days=60),
                                  expires_at=expires)
    act_as(client, user, admin)
    panel = attention(client)
    assert "Приглашения ждут ответа: 1." in panel
    assert "Истекли 2 приглашения" in panel


def test_r7_the_regional_operator_sees_the_queue_and_what_is_overdue(client):
    school = make_organisation()
    region = school.municipality.region
    _, director = make_member(role=Role.DIRECTOR, organisation=school)
    DirectorVerification.objects.create(
        membership=director, region=region, method=VerificationMethod.PASSPORT_DATA,
        consent_given_at=timezone.now(), due_date=timezone.localdate() - timedelta(days=1))
    user, operator = make_member(role=Role.REGIONAL_OPERATOR, region=region)
    act_as(client, user, operator)
    panel = attention(client)
    assert "Заявок руководителей на рассмотрении: 1, из них просрочено: 1." in panel
    assert reverse("people:verification_queue") in panel


def test_a_teacher_has_nothing_to_do_here(client):
    school = make_organisation()
    user, teacher = make_member(role=Role.TEACHER, organisation=school)
    act_as(client, user, teacher)
    assert attention(client) == ""
