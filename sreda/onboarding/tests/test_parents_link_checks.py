"""Parent invitation links (R21) checked end to end: the printed QR code decodes to exactly the link; a link of
a child who has since moved to another class, or left the school, no longer attaches anyone (the parent would
join the wrong class); an expired link says so and who issues a new one."""
import io
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import zxingcpp
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from sreda.core.testing import act_as, active_role_of
from sreda.onboarding import parents
from sreda.onboarding.models import ChildDataCorrection, ParentConsent, ParentInvitation, ParentInvitationStatus
from sreda.onboarding.tests.test_joining_builders import joined_student, make_requester, make_school
from sreda.onboarding.tests.test_parents_pages import issue_through_page
from sreda.people.models import Guardianship, Membership, MembershipOrigin
from sreda.people.roles import Role

pytestmark = pytest.mark.django_db
ADMIN = "Соколов Пётр Андреевич"  # the school's administrator (builders)
CLASS_TEACHER = "Смирнова Мария Ивановна"  # the class teacher of 5А
FORM = {"surname": "Орлов0", "name": "Пётр", "patronymic": "Ильич", "birth_date": "2014-03-08", "sex": "",
        "consent": "on"}


def move(child, *, to=None):
    """The child leaves their class today (ended membership) and, with `to`, starts in that class."""
    Membership.objects.filter(person=child, role=Role.STUDENT, end_date__isnull=True).update(
        end_date=timezone.localdate())
    if to is not None:
        Membership.objects.create(person=child, role=Role.STUDENT, organisation=to.organisation, school_class=to,
                                  origin=MembershipOrigin.ROSTER)


def nothing_attached(parent, invitation):
    invitation.refresh_from_db()
    return (invitation.status == ParentInvitationStatus.PENDING and not ParentConsent.objects.exists()
            and not ChildDataCorrection.objects.exists()
            and not Guardianship.objects.filter(parent=parent.person).exists()
            and not Membership.objects.filter(person=parent.person, role=Role.PARENT).exists())


def confirm(user, issued):
    data = parents.child_data(issued.invitation.student)
    return parents.parent_confirm(actor=active_role_of(user), token=issued.token, data=data, consent=True)


# --- the QR code -------------------------------------------------------------------------------------------

def test_r21_the_png_qr_code_decodes_to_exactly_the_invitation_link(client):
    """R21: the PNG the school prints is read back by a real QR decoder (zxing-cpp): one code, the link itself."""
    school = make_school()
    student = joined_student(school)
    act_as(client, school.teacher, school.teacher_membership)
    _, link = issue_through_page(client, school, student)
    token = urlsplit(link).path.rstrip("/").rsplit("/", 1)[1]
    png = client.get(reverse("onboarding:parent_invitation_qr", args=[token, "png"]))
    assert png.status_code == 200
    codes = zxingcpp.read_barcodes(Image.open(io.BytesIO(png.content)))
    assert [(code.format, code.text) for code in codes] == [(zxingcpp.BarcodeFormat.QRCode, link)]
    assert parents.invitation_for_token(token).student_id == student.person_id  # the link of that child


# --- the child moved or left -------------------------------------------------------------------------------

def test_r21_a_link_of_a_child_moved_to_another_class_attaches_nobody():
    """R21: the child was moved to 5Б after the link for 5А was issued: confirming is refused, saying the
    invitation is no longer valid and who issues a new one; nothing changes."""
    school = make_school()
    student = joined_student(school)
    issued = parents.parent_invitation_issue(actor=school.admin_role, student=student.person,
                                             school_class=school.class_5a)
    move(student.person, to=school.class_5b)
    parent = make_requester(surname="Орлова", name="Анна")
    with pytest.raises(parents.LinkRefused) as refused:
        confirm(parent, issued)
    problem = refused.value.problem
    assert (problem.code, problem.status) == ("moved", 410)
    assert "больше не действует" in problem.message and "классный руководитель его нового класса" in problem.message
    assert ADMIN in problem.message
    assert nothing_attached(parent, issued.invitation)


def test_r21_a_link_of_a_child_who_left_the_school_attaches_nobody():
    school = make_school()
    student = joined_student(school)
    issued = parents.parent_invitation_issue(actor=school.admin_role, student=student.person,
                                             school_class=school.class_5a)
    move(student.person)
    parent = make_requester(surname="Орлова", name="Анна")
    with pytest.raises(parents.LinkRefused) as refused:
        confirm(parent, issued)
    problem = refused.value.problem
    assert problem.code == "left" and "больше не действует" in problem.message
    assert CLASS_TEACHER in problem.message and ADMIN in problem.message
    assert nothing_attached(parent, issued.invitation)


def test_r21_the_child_moved_while_the_parent_had_the_page_open(client):
    """R21 on the page: the form was shown while the child was in 5А; the child is moved before the parent
    submits — the submission is refused (410, with who issues a new link), the parent joins no class; opening
    the link again says the same. Anonymous visitors are not told the child's name."""
    school = make_school()
    student = joined_student(school)
    issued = parents.parent_invitation_issue(actor=school.admin_role, student=student.person,
                                             school_class=school.class_5a)
    path = urlsplit(issued.link).path
    parent = make_requester(surname="Орлова", name="Анна")
    act_as(client, parent)
    assert client.get(path).status_code == 200
    move(student.person, to=school.class_5b)
    refused = client.post(path, FORM)
    assert refused.status_code == 410
    html = refused.content.decode()
    assert "Приглашение больше не действует" in html and ADMIN in html
    assert nothing_attached(parent, issued.invitation)
    assert client.get(path).status_code == 410
    client.logout()
    anonymous = client.get(path)
    assert anonymous.status_code == 410 and "Орлов0" not in anonymous.content.decode()


# --- expired -----------------------------------------------------------------------------------------------

def test_r21_an_expired_link_opened_on_the_page_says_so_and_who_issues_a_new_one(client):
    """R21: a link opened after its expiry — signed in, anonymous, or from the registration page — says it
    expired (with the date) and names who issues a new one; a submission changes nothing."""
    school = make_school()
    student = joined_student(school)
    issued = parents.parent_invitation_issue(actor=school.admin_role, student=student.person,
                                             school_class=school.class_5a)
    expired_at = timezone.now() - timedelta(days=1)
    ParentInvitation.objects.filter(pk=issued.invitation.pk).update(expires_at=expired_at)
    path = urlsplit(issued.link).path
    when = timezone.localtime(expired_at).strftime("%d.%m.%Y")

    def says_expired(response):
        html = response.content.decode()
        return (response.status_code == 410 and f"Срок действия ссылки истёк {when}" in html
                and "Новое приглашение может выдать" in html and CLASS_TEACHER in html and ADMIN in html)

    assert says_expired(client.get(path))  # anonymous
    assert says_expired(client.get(reverse("onboarding:parent_register", args=[issued.token])))
    parent = make_requester(surname="Орлова", name="Анна")
    act_as(client, parent)
    assert says_expired(client.get(path))
    assert says_expired(client.post(path, FORM))
    assert nothing_attached(parent, issued.invitation)
