"""The invitation letter through a real local SMTP server (aiosmtpd, the `smtp_server` fixture): the
invitee receives a link that opens the invitation; resending mails a new one; a dead mail server is
written to the history for the administrator (R10–R11)."""
import re

import pytest

from sreda.core.testing import act_as
from sreda.onboarding import services
from sreda.onboarding.models import Invitation
from sreda.onboarding.tests.factories import invite, make_invitee, make_school, path_of

pytestmark = pytest.mark.django_db

LINK = re.compile(r"https?://\S+/onboarding/invite/[A-Za-z0-9_-]+/")


def test_r10_the_invitee_receives_a_letter_with_a_working_link(smtp_server, settings, client,
                                                               django_capture_on_commit_callbacks):
    settings.SITE_URL = "https://sreda.example.ru"
    school = make_school(short_name="МБОУ СОШ № 5")
    invitee = make_invitee(snils="11223344595")

    with django_capture_on_commit_callbacks(execute=True):
        sent = invite(school, invitee=invitee, snils="112-233-445 95", email="petrova@school.ru")

    [message] = smtp_server.wait_for(1)
    assert message["To"] == "petrova@school.ru"
    assert message["Subject"].strip() == "Приглашение в МБОУ СОШ № 5: роль «Учитель»"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    [link] = LINK.findall(text)
    assert link == sent.link and link.startswith("https://sreda.example.ru/onboarding/invite/")
    assert link in html
    assert "Соколов Пётр Андреевич приглашает" in text
    assert "Ссылка действует 60 дней" in text and "только один раз" in text
    assert "Приглашение выписано на ваш СНИЛС" in text and "445" not in text  # the number itself is not mailed
    assert "подтверждённой учётной записью" in text
    assert [e.kind for e in Invitation.objects.get().events.all()] == ["sent", "mail_sent"]

    act_as(client, invitee)
    page = client.get(path_of(link))
    assert page.status_code == 200
    assert "Принять приглашение" in page.content.decode()


def test_r11_resending_mails_a_new_link_and_the_old_one_stops(smtp_server, client, django_capture_on_commit_callbacks):
    school = make_school()
    invitee = make_invitee()
    with django_capture_on_commit_callbacks(execute=True):
        first = invite(school, invitee=invitee)
    with django_capture_on_commit_callbacks(execute=True):
        services.invitation_resend(actor=school.admin_role, invitation=first.invitation)

    first_mail, second_mail = smtp_server.wait_for(2)
    [old_link] = LINK.findall(first_mail.get_body(("plain",)).get_content())
    [new_link] = LINK.findall(second_mail.get_body(("plain",)).get_content())
    assert old_link != new_link

    act_as(client, invitee)
    old_page = client.get(path_of(old_link))
    assert old_page.status_code == 410
    assert "ссылка заменена новой — проверьте почту" in old_page.content.decode()
    assert client.get(path_of(new_link)).status_code == 200


def test_a_mail_server_that_is_down_is_in_the_history_and_the_invitation_stays(settings,
                                                                               django_capture_on_commit_callbacks):
    """No server listens on the port: the letter fails after the commit; the administrator sees why."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 2
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    school = make_school()

    with django_capture_on_commit_callbacks(execute=True):
        invite(school)

    invitation = Invitation.objects.get()
    assert invitation.status == "pending"
    failed = invitation.events.last()
    assert failed.kind == "mail_failed" and "отправьте приглашение повторно" in failed.note


def test_names_with_quotes_reach_the_letter_as_typed(smtp_server, django_capture_on_commit_callbacks):
    """Plain text is not HTML: a school called ГБОУ «Лицей "Ступени" & K°» must not become &quot;…&amp;."""
    school = make_school(short_name='ГБОУ «Лицей "Ступени" & K°»')

    with django_capture_on_commit_callbacks(execute=True):
        invite(school)

    [message] = smtp_server.wait_for(1)
    assert message["Subject"].strip() == 'Приглашение в ГБОУ «Лицей "Ступени" & K°»: роль «Учитель»'
    assert "&quot;" not in message.get_body(("plain",)).get_content()
    assert "&quot;Ступени&quot;" in message.get_body(("html",)).get_content()
