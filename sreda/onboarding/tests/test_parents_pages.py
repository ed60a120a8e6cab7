"""Parent invitation pages (R21): issue with link and QR (PNG/SVG), the class sheet, the parent's page,
the administrator's corrections page."""
import re
from urllib.parse import urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sreda.core.testing import act_as, make_member
from sreda.onboarding import parents
from sreda.onboarding.models import (
    ChildDataCorrection,
    CorrectionStatus,
    ParentConsent,
    ParentInvitation,
)
from sreda.onboarding.tests.test_joining_builders import (
    joined_student,
    make_requester,
    make_school,
    roster_student,
)
from sreda.people.models import Person, User
from sreda.people.roles import Role

pytestmark = pytest.mark.django_db
LINK = re.compile(r'value="(http[^"]+/onboarding/parents/invite/[^"]+/)"')


def issue_through_page(client, school, student):
    response = client.post(reverse("onboarding:parent_invitation_issue"),
                           {"class": school.class_5a.pk, "student": student.person_id})
    assert response.status_code == 200, response.content.decode()[:500]
    html = response.content.decode()
    return html, LINK.search(html).group(1)


def test_the_class_teacher_issues_a_link_with_its_qr_code_png_and_svg(client):
    school = make_school()
    student = joined_student(school)
    act_as(client, school.teacher, school.teacher_membership)
    listing = client.get(reverse("onboarding:parent_invitations")).content.decode()
    assert "Орлов0 Пётр Ильич" in listing and "Выдать приглашение" in listing
    html, link = issue_through_page(client, school, student)
    assert "<svg" in html
    token = urlsplit(link).path.rstrip("/").rsplit("/", 1)[1]
    png = client.get(reverse("onboarding:parent_invitation_qr", args=[token, "png"]))
    svg = client.get(reverse("onboarding:parent_invitation_qr", args=[token, "svg"]))
    assert png["Content-Type"] == "image/png" and png.content.startswith(b"\x89PNG")
    assert svg["Content-Type"] == "image/svg+xml" and b"<svg" in svg.content


def test_a_teacher_who_does_not_lead_the_class_cannot_issue(client):
    school = make_school()
    student = joined_student(school)
    other, other_m = make_member(role=Role.TEACHER, organisation=school.organisation)
    act_as(client, other, other_m)
    response = client.post(reverse("onboarding:parent_invitation_issue"),
                           {"class": school.class_5a.pk, "student": student.person_id})
    assert response.status_code == 404
    assert not ParentInvitation.objects.exists()


def test_the_printable_sheet_has_one_qr_per_joined_student(client):
    school = make_school(students=3)
    joined_student(school, surname="Орлов0")
    joined_student(school, surname="Орлов2")
    act_as(client, school.admin, school.admin_membership)
    html = client.post(reverse("onboarding:parent_invitation_sheet", args=[school.class_5a.pk])).content.decode()
    assert html.count('data-testid="sheet-card"') == 2 and html.count("<svg") == 2


def test_the_invitation_page_query_count_does_not_grow_with_the_class(client):
    school = make_school(students=3)
    act_as(client, school.admin, school.admin_membership)
    url = reverse("onboarding:parent_invitations") + f"?class={school.class_5a.pk}"
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    for i in range(20):
        roster_student(school.class_5a, surname=f"Ещё{i}")
    with CaptureQueriesContext(connection) as large:
        client.get(url)
    assert len(large) == len(small)


def test_the_parent_signs_in_checks_corrects_and_consents(client):
    """R21: anonymous → sign in; the child's data; a correction; consent; then a parent of the class."""
    school = make_school()
    student = joined_student(school)
    act_as(client, school.admin, school.admin_membership)
    _, link = issue_through_page(client, school, student)
    path = urlsplit(link).path
    client.logout()
    anonymous = client.get(path).content.decode()
    assert "Войти" in anonymous and "Зарегистрироваться" in anonymous and "Орлов0" not in anonymous
    parent = make_requester(surname="Орлова", name="Анна", patronymic="Ивановна")
    act_as(client, parent)
    page = client.get(path).content.decode()
    assert 'value="Орлов0"' in page and "Я даю согласие на использование платформы моим ребёнком" in page
    form = {"surname": "Орлов0", "name": "Павел", "patronymic": "Ильич", "birth_date": "2014-03-08", "sex": "M"}
    no_consent = client.post(path, form)
    assert no_consent.status_code == 400 and not ParentConsent.objects.exists()
    done = client.post(path, {**form, "consent": "on"}, follow=True)
    assert "подтверждён(а)" in done.content.decode()
    assert ParentConsent.objects.filter(child=student.person, parent=parent.person).exists()
    again = client.get(path)
    assert again.status_code == 410

    # The administrator accepts the correction: the new values go to the child's record.
    act_as(client, school.admin, school.admin_membership)
    html = client.get(reverse("onboarding:parent_corrections")).content.decode()
    assert "Пётр" in html and "Павел" in html
    correction = ChildDataCorrection.objects.get()
    client.post(reverse("onboarding:parent_correction_accept", args=[correction.pk]))
    correction.refresh_from_db()
    assert correction.status == CorrectionStatus.ACCEPTED
    child = Person.objects.get(pk=student.person_id)
    assert (child.name, child.sex) == ("Павел", "M")


def test_a_tampered_link_says_so_and_who_can_issue_a_new_one(client):
    school = make_school()
    student = joined_student(school)
    issued = parents.parent_invitation_issue(actor=school.admin_role, student=student.person,
                                             school_class=school.class_5a)
    act_as(client, make_requester(surname="Орлова"))
    bad = client.get(reverse("onboarding:parent_invite", args=[issued.token[:-2] + "zz"]))
    assert bad.status_code == 404 and "Ссылка недействительна" in bad.content.decode()
    parents.parent_invitation_issue(actor=school.admin_role, student=student.person, school_class=school.class_5a)
    revoked = client.get(reverse("onboarding:parent_invite", args=[issued.token]))
    assert revoked.status_code == 410 and "Смирнова Мария Ивановна" in revoked.content.decode()


def test_a_parent_without_an_account_registers_from_the_link_and_comes_back(client):
    """R21: «войти или зарегистрироваться»; registration works only from a live link."""
    school = make_school()
    student = joined_student(school)
    issued = parents.parent_invitation_issue(actor=school.admin_role, student=student.person,
                                             school_class=school.class_5a)
    url = reverse("onboarding:parent_register", args=[issued.token])
    form = {"surname": "Орлова", "name": "Анна", "patronymic": "Ивановна", "email": "orlova@example.ru",
            "username": "orlova", "password": "Сложный-пароль-1", "password2": "Сложный-пароль-2"}
    mismatch = client.post(url, form)
    assert mismatch.status_code == 400 and "Пароли не совпадают" in mismatch.content.decode()
    assert not User.objects.filter(username="orlova").exists()
    done = client.post(url, {**form, "password2": "Сложный-пароль-1"})
    assert done.status_code == 302 and done["Location"] == reverse("onboarding:parent_invite", args=[issued.token])
    user = User.objects.get(username="orlova")
    assert user.person.full_name == "Орлова Анна Ивановна"
    client.logout()
    bad = client.get(reverse("onboarding:parent_register", args=["x" * 43]))
    assert bad.status_code == 404


def test_the_corrections_page_query_count_does_not_grow_with_rows(client):
    from sreda.onboarding.models import ChildDataCorrection

    school = make_school(students=1)
    parent = make_requester(surname="Орлова")

    def add(n):
        for _ in range(n):
            ChildDataCorrection.objects.create(organisation=school.organisation, child=school.roster[0],
                                               parent=parent.person, changes={"name": {"old": "Пётр", "new": "Павел"}})

    act_as(client, school.admin, school.admin_membership)
    url = reverse("onboarding:parent_corrections")
    add(2)
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    add(20)
    with CaptureQueriesContext(connection) as large:
        assert client.get(url).content.decode().count(">Принять исправление<") == 22
    assert len(large) == len(small)


def test_four_clients_on_a_correction(client):
    """Anonymous → sign in; another school's administrator → 404; the class teacher → 403; the
    administrator → accepted. Refusals change nothing."""
    school = make_school()
    student = joined_student(school)
    issued = parents.parent_invitation_issue(actor=school.admin_role, student=student.person,
                                             school_class=school.class_5a)
    data = parents.ChildData(**{**parents.child_data(student.person).__dict__, "name": "Павел"})
    from sreda.core.testing import active_role_of

    done = parents.parent_confirm(actor=active_role_of(make_requester(surname="Орлова")), token=issued.token,
                                  data=data, consent=True)
    url = reverse("onboarding:parent_correction_accept", args=[done.correction.pk])
    assert client.post(url).status_code == 302 and "/accounts/login/" in client.post(url)["Location"]
    other = make_school()
    act_as(client, other.admin, other.admin_membership)
    assert client.post(url).status_code == 404
    act_as(client, school.teacher, school.teacher_membership)
    assert client.get(reverse("onboarding:parent_corrections")).status_code == 403
    assert client.post(url).status_code == 404
    assert Person.objects.get(pk=student.person_id).name == "Пётр"
    act_as(client, school.admin, school.admin_membership)
    client.post(url)
    assert Person.objects.get(pk=student.person_id).name == "Павел"
