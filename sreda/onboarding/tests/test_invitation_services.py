"""Invitations by the services (R10–R11): what the administrator and the invitee see change, every step
in the history and the audit log, and every refusal changing nothing."""
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from sreda.core.identifiers import make_snils
from sreda.core.models import AuditEntry
from sreda.core.testing import active_role_of, make_member, make_membership, make_organisation
from sreda.onboarding import services
from sreda.onboarding.models import Invitation, InvitationEvent, InvitationStatus
from sreda.onboarding.selectors import link_problem, token_hash
from sreda.onboarding.tests.factories import invite, make_invitee, make_school, token_of
from sreda.people.models import Confirmation, Membership, MembershipOrigin
from sreda.people.roles import Role

pytestmark = pytest.mark.django_db

VALID_SNILS = "112-233-445 95"


def snapshot():
    """Everything an invitation step may change, to compare before and after a refusal."""
    return (
        list(Invitation.objects.order_by("pk").values_list("pk", "status", "token_hash", "replaced_by_id", "membership_id")),
        Membership.objects.count(),
        InvitationEvent.objects.count(),
    )


# --- sending (R10) ----------------------------------------------------------------------------------------

def test_r10_send_keeps_only_the_hash_of_the_link_and_sets_60_days(settings):
    school = make_school()

    sent = invite(school, snils=VALID_SNILS)

    invitation = Invitation.objects.get()
    token = token_of(sent.link)
    assert sent.link.startswith(settings.SITE_URL + "/onboarding/invite/")
    assert invitation.token_hash == token_hash(token) and token not in invitation.token_hash
    assert invitation.expires_at - invitation.sent_at == timedelta(days=60)
    assert (invitation.snils, invitation.status, invitation.invited_by) == ("11223344595", "pending", school.admin)
    assert [e.kind for e in invitation.events.all()] == ["sent"]
    assert AuditEntry.objects.filter(action="invitation.send", object_id=str(invitation.pk),
                                     organisation=school.organisation).exists()


def test_r10_the_director_may_invite_too_and_the_email_is_stored_in_lower_case():
    school = make_school()

    sent = invite(school, actor=school.director_role, email="Petrova@School.RU", role=Role.ADMINISTRATOR)

    assert sent.invitation.email == "petrova@school.ru"
    assert sent.invitation.invited_by == school.director


@pytest.mark.parametrize("field, value, message", [
    ("snils", "112-233-445 96", "не сходится контрольное число"),
    ("snils", "12345", "должно быть 11 цифр"),
    ("email", "petrova.school.ru", "это не адрес электронной почты"),
    ("email", "", "Укажите e-mail"),
    ("surname", "  ", "Укажите фамилию"),
    ("role", Role.DIRECTOR, "приглашением можно назначить только"),
    ("role", Role.STUDENT, "приглашением можно назначить только"),
])
def test_bad_input_is_refused_in_russian_and_changes_nothing(field, value, message):
    school = make_school()
    data = {"surname": "Петрова", "name": "Мария", "patronymic": "", "email": "p@school.ru", "snils": "",
            "role": Role.TEACHER, field: value}
    before = snapshot()

    with pytest.raises(ValidationError) as exc:
        services.invitation_send(actor=school.admin_role, organisation=school.organisation, **data)

    assert message in " ".join(exc.value.message_dict[field])
    assert snapshot() == before
    assert not AuditEntry.objects.filter(action="invitation.send").exists()


def test_r10_a_live_invitation_to_the_same_address_is_not_duplicated():
    school = make_school()
    invite(school)

    with pytest.raises(ValidationError) as exc:
        invite(school, email="PETROVA@school.ru")

    assert "уже отправлено приглашение" in exc.value.message_dict["email"][0]
    assert "Отправить повторно" in exc.value.message_dict["email"][0]
    assert Invitation.objects.count() == 1


def test_r10_someone_already_in_the_role_is_not_invited_again():
    school = make_school()
    snils = make_snils(__import__("random").Random(5))
    make_membership(role=Role.TEACHER, organisation=school.organisation, person=make_invitee(snils=snils).person)

    with pytest.raises(ValidationError) as exc:
        invite(school, snils=snils, email="other@school.ru")

    assert "уже работает в школе в роли «Учитель»" in exc.value.message_dict["snils"][0]


@pytest.mark.parametrize("role", [Role.TEACHER, Role.STAFF, Role.PARENT])
def test_r10_only_the_director_and_administrator_invite(role):
    school = make_school()
    user, membership = make_member(role=role, organisation=school.organisation)

    with pytest.raises(PermissionDenied, match="руководитель и администратор ОО"):
        invite(school, actor=active_role_of(user, membership))

    assert not Invitation.objects.exists()


def test_r10_an_administrator_of_another_school_cannot_invite_into_this_one():
    school, other = make_school(), make_school()

    with pytest.raises(PermissionDenied):
        invite(school, actor=other.admin_role)


# --- accepting (R10, R11) -------------------------------------------------------------------------------

def test_r10_accepting_creates_a_confirmed_role_vouched_for_by_the_inviter():
    school = make_school()
    invitee = make_invitee()
    sent = invite(school, invitee=invitee, role=Role.TEACHER)

    membership = services.invitation_accept(actor=active_role_of(invitee), token=token_of(sent.link))

    assert (membership.person, membership.organisation, membership.role) == (invitee.person, school.organisation, "teacher")
    assert membership.origin == MembershipOrigin.INVITATION and membership.is_active
    assert membership.confirmation == Confirmation.CONFIRMED and membership.confirmed_by == school.admin
    invitation = Invitation.objects.get()
    assert invitation.status == InvitationStatus.ACCEPTED
    assert (invitation.accepted_by, invitation.membership) == (invitee, membership)
    assert [e.kind for e in invitation.events.all()] == ["sent", "accepted"]
    assert set(AuditEntry.objects.filter(organisation=school.organisation).values_list("action", flat=True)) >= {
        "invitation.send", "invitation.accept", "membership.create"}


def test_r10_accepting_reuses_an_identical_active_role():
    school = make_school()
    invitee = make_invitee()
    existing = Membership.objects.create(person=invitee.person, role=Role.STAFF, organisation=school.organisation)
    sent = invite(school, invitee=invitee, role=Role.STAFF)

    membership = services.invitation_accept(actor=active_role_of(invitee), token=token_of(sent.link))

    assert membership == existing
    assert Membership.objects.filter(person=invitee.person).count() == 1
    assert Invitation.objects.get().membership == existing


def test_r11_the_link_works_once():
    school = make_school()
    invitee = make_invitee()
    sent = invite(school, invitee=invitee)
    services.invitation_accept(actor=active_role_of(invitee), token=token_of(sent.link))
    before = snapshot()

    with pytest.raises(services.InvitationRefused) as exc:
        services.invitation_accept(actor=active_role_of(make_invitee(surname="Другая")), token=token_of(sent.link))

    assert exc.value.status == 410 and "уже использовано" in exc.value.messages[0]
    assert snapshot() == before


def test_r11_an_expired_link_says_when_it_expired_and_who_can_resend():
    school = make_school()
    invitee = make_invitee()
    sent = invite(school, invitee=invitee)
    Invitation.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    expired_on = timezone.localtime(timezone.now() - timedelta(minutes=1)).strftime("%d.%m.%Y")

    with pytest.raises(services.InvitationRefused) as exc:
        services.invitation_accept(actor=active_role_of(invitee), token=token_of(sent.link))

    message = exc.value.messages[0]
    assert exc.value.status == 410
    assert f"Срок действия ссылки истёк {expired_on}" in message
    who = f"Соколов Пётр Андреевич, Администратор ОО, {school.organisation.short_name}"
    assert f"Новое приглашение может отправить: {who}" in message
    invitation = Invitation.objects.get()
    assert invitation.status == "pending" and invitation.membership is None
    assert not Membership.objects.filter(person=invitee.person).exists()
    # The administrator sees the attempt in the history.
    assert invitation.events.last().kind == "refused" and "просрочена" in invitation.events.last().note


def test_r11_when_the_inviter_left_the_director_is_named():
    school = make_school()
    sent = invite(school)
    school.admin_membership.end_date = timezone.localdate()
    school.admin_membership.save()
    Invitation.objects.update(expires_at=timezone.now())

    problem = link_problem(Invitation.objects.select_related("organisation__municipality__region").get())

    assert "Кузнецова Ольга Сергеевна, Руководитель ОО" in problem.message
    assert sent.invitation.pk


def test_r10_an_unconfirmed_account_is_told_how_to_confirm_and_nothing_changes():
    school = make_school()
    invitee = make_invitee(confirmed=False)
    sent = invite(school, invitee=invitee)

    with pytest.raises(services.InvitationRefused) as exc:
        services.invitation_accept(actor=active_role_of(invitee), token=token_of(sent.link))

    assert exc.value.status == 403
    assert "подтверждённой учётной записи" in exc.value.messages[0] and "Госуслуги (ЕСИА)" in exc.value.messages[0]
    assert Invitation.objects.get().status == "pending"
    assert not Membership.objects.filter(person=invitee.person).exists()


def test_r10_with_snils_given_a_namesake_cannot_join_and_the_snils_is_not_revealed():
    school = make_school()
    rightful = make_invitee(snils="11223344595")
    namesake = make_invitee(snils=make_snils(__import__("random").Random(7)))  # same ФИО, another person
    sent = invite(school, invitee=rightful, snils=VALID_SNILS)

    with pytest.raises(services.InvitationRefused) as exc:
        services.invitation_accept(actor=active_role_of(namesake), token=token_of(sent.link))

    message = exc.value.messages[0]
    assert exc.value.status == 403 and "Приглашение выписано на другого человека" in message
    assert "445" not in message and "11223344595" not in message
    assert not Membership.objects.filter(person=namesake.person).exists()
    assert Invitation.objects.get().status == "pending"

    membership = services.invitation_accept(actor=active_role_of(rightful), token=token_of(sent.link))
    assert membership.person == rightful.person


@pytest.mark.parametrize("token", [
    "", "abc", "x" * 43, "../../etc/passwd", "A" * 200,
])
def test_an_unknown_or_mangled_link_is_invalid_and_changes_nothing(token):
    school = make_school()
    invitee = make_invitee()
    invite(school, invitee=invitee)
    before = snapshot()

    with pytest.raises(services.InvitationRefused) as exc:
        services.invitation_accept(actor=active_role_of(invitee), token=token)

    assert exc.value.status == 404 and "Ссылка недействительна" in exc.value.messages[0]
    assert snapshot() == before


def test_a_tampered_link_one_character_changed_is_invalid():
    school = make_school()
    invitee = make_invitee()
    token = token_of(invite(school, invitee=invitee).link)
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    before = snapshot()

    with pytest.raises(services.InvitationRefused, match="Ссылка недействительна"):
        services.invitation_accept(actor=active_role_of(invitee), token=tampered)

    assert snapshot() == before


# --- resending and revoking (R11) -----------------------------------------------------------------------

def test_r11_resending_voids_the_old_link_and_the_new_one_works():
    school = make_school()
    invitee = make_invitee()
    first = invite(school, invitee=invitee, snils=VALID_SNILS)

    second = services.invitation_resend(actor=school.director_role, invitation=first.invitation)

    old = Invitation.objects.get(pk=first.invitation.pk)
    new = second.invitation
    assert old.status == InvitationStatus.REPLACED and old.replaced_by == new
    assert (new.email, new.snils, new.role, new.status) == (old.email, old.snils, old.role, "pending")
    assert new.invited_by == school.director and new.token_hash != old.token_hash
    assert [e.kind for e in old.events.all()] == ["sent", "replaced"]
    assert [e.kind for e in new.events.all()] == ["sent"] and "Повторная отправка" in new.events.get().note
    assert AuditEntry.objects.filter(action="invitation.resend", object_id=str(old.pk)).exists()

    with pytest.raises(services.InvitationRefused) as exc:
        services.invitation_accept(actor=active_role_of(invitee), token=token_of(first.link))
    assert exc.value.status == 410 and "ссылка заменена новой — проверьте почту" in exc.value.messages[0]

    invitee.person.snils = "11223344595"
    invitee.person.save()
    services.invitation_accept(actor=active_role_of(invitee), token=token_of(second.link))
    assert Invitation.objects.get(pk=new.pk).status == "accepted"


def test_r11_an_expired_invitation_can_be_resent():
    school = make_school()
    sent = invite(school)
    Invitation.objects.update(expires_at=timezone.now() - timedelta(days=1))

    again = services.invitation_resend(actor=school.admin_role, invitation=Invitation.objects.get())

    assert again.invitation.expires_at > timezone.now() + timedelta(days=59)
    assert Invitation.objects.get(pk=sent.invitation.pk).status == "replaced"


def test_r11_a_replaced_invitation_cannot_be_resent_again():
    school = make_school()
    sent = invite(school)
    services.invitation_resend(actor=school.admin_role, invitation=sent.invitation)
    before = snapshot()

    with pytest.raises(ValidationError, match="уже заменено новой ссылкой"):
        services.invitation_resend(actor=school.director_role, invitation=sent.invitation)

    assert snapshot() == before


def test_revoking_stops_the_link_and_is_in_the_history():
    school = make_school()
    invitee = make_invitee()
    sent = invite(school, invitee=invitee)

    services.invitation_revoke(actor=school.admin_role, invitation=sent.invitation, reason="Ошиблись адресом")

    invitation = Invitation.objects.get()
    assert invitation.status == "revoked"
    assert invitation.events.last().kind == "revoked" and invitation.events.last().note == "Ошиблись адресом"
    with pytest.raises(services.InvitationRefused) as exc:
        services.invitation_accept(actor=active_role_of(invitee), token=token_of(sent.link))
    assert exc.value.status == 410 and "отозвано" in exc.value.messages[0]


def test_an_accepted_invitation_cannot_be_revoked_or_resent():
    school = make_school()
    invitee = make_invitee()
    sent = invite(school, invitee=invitee)
    services.invitation_accept(actor=active_role_of(invitee), token=token_of(sent.link))
    before = snapshot()

    with pytest.raises(ValidationError, match="откройте раздел «Сотрудники»"):
        services.invitation_revoke(actor=school.admin_role, invitation=sent.invitation)
    with pytest.raises(ValidationError, match="уже принято"):
        services.invitation_resend(actor=school.admin_role, invitation=sent.invitation)

    assert snapshot() == before


def test_the_transition_table_is_the_whole_status_machine():
    """Only a pending invitation moves; accepted, replaced and revoked are final."""
    assert {(source, step): t.target for (source, step), t in services.TRANSITIONS.items()} == {
        ("pending", "resend"): "replaced",
        ("pending", "revoke"): "revoked",
        ("pending", "accept"): "accepted",
    }
    assert {t.who for t in services.TRANSITIONS.values()} == {"school", "invitee"}
    assert [step for (_, step), t in services.TRANSITIONS.items() if t.unexpired] == ["accept"]


def test_the_transition_itself_refuses_an_expired_link():
    """Even past the page's checks, the conditional update does not accept a link whose time ran out."""
    school = make_school()
    invitee = make_invitee()
    sent = invite(school, invitee=invitee)
    Invitation.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    invitation = Invitation.objects.select_related("organisation__municipality__region").get()
    invitation.expires_at = timezone.now() + timedelta(days=1)  # a stale copy that still looks valid

    with pytest.raises(ValidationError, match="Срок действия ссылки истёк"):
        services._apply(actor=active_role_of(invitee), invitation=invitation, step=services.ACCEPT,
                        accepted_at=timezone.now(), accepted_by=invitee)

    assert Invitation.objects.get().status == "pending" and sent.invitation.pk


def test_a_teacher_cannot_resend_or_revoke():
    school = make_school()
    sent = invite(school)
    user, membership = make_member(role=Role.TEACHER, organisation=school.organisation)
    teacher = active_role_of(user, membership)

    with pytest.raises(PermissionDenied):
        services.invitation_resend(actor=teacher, invitation=sent.invitation)
    with pytest.raises(PermissionDenied):
        services.invitation_revoke(actor=teacher, invitation=sent.invitation)

    assert Invitation.objects.get().status == "pending"


def test_the_platform_operator_may_invite_into_any_school():
    organisation = make_organisation()
    from sreda.core.testing import make_user

    operator = active_role_of(make_user(superuser=True))

    sent = services.invitation_send(actor=operator, organisation=organisation, surname="Петрова", name="Мария",
                                    email="p@school.ru", role=Role.STAFF)

    assert sent.invitation.organisation == organisation
