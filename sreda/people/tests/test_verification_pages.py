"""Director verification on pages (R6–R8): the director's page with the «why» block, the form and its
errors; the operator's queue, request and decision; the document served only to the operator and the
owner; the decision told by e-mail (a real SMTP server)."""
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sreda.core.models import AuditEntry
from sreda.core.testing import act_as, active_role_of, make_member, make_municipality, make_organisation, make_user
from sreda.people import verification as v
from sreda.people.models import Confirmation, DirectorVerification, VerificationMethod, VerificationStatus
from sreda.people.roles import Role
from sreda.people.tests.test_verification_fixtures import (  # noqa: F401 — fixtures
    GOOD_PASSPORT, exe_bytes, image_bytes, pdf_bytes, stored_files, upload, world,
)

PAGE = "/people/verification/"
QUEUE = "/people/verification/queue/"
M, S = VerificationMethod, VerificationStatus


def detail_url(pk):
    return f"/people/verification/{pk}/"


def document_url(pk):
    return f"/people/verification/{pk}/document/"


def form_data(w, **kw):
    data = {"method": M.EMPLOYMENT_CERTIFICATE, "region": w.region.pk, "consent": "on"}
    data.update(kw)
    return {key: value for key, value in data.items() if value is not None}


def submit_pdf(w):
    return v.verification_submit(actor=w.director_role, method=M.EMPLOYMENT_CERTIFICATE, region=w.region,
                                 consent=True, document=upload(pdf_bytes()))


def text(response) -> str:
    return response.content.decode()


# --- the director's page ----------------------------------------------------------------------------------

def test_anonymous_is_sent_to_sign_in(client, world):
    verification = submit_pdf(world)
    for url in (PAGE, QUEUE, detail_url(verification.pk), document_url(verification.pk)):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith("/accounts/login/"), url


def test_r8_the_unconfirmed_director_sees_why_and_the_two_steps_and_the_form(client, world):
    act_as(client, world.director_user, world.director)

    page = text(client.get(PAGE))

    assert "Почему нет функций «Педагогические работники и обучающиеся»" in page
    assert "Шаг 1." in page and "Шаг 2." in page and "3–5 дней" in page
    for label in ("Скан справки с места работы", "Скан или фото паспорта", "Паспортные данные (ввести вручную)"):
        assert label in page
    assert "Подтверждаю согласие на обработку персональных данных" in page and "152-ФЗ" in page
    assert "Оператор региона — Курская область" in page
    assert f'value="{world.region.pk}"' in page and "checked" in page  # «Куда отправить» preselected
    assert world.operator_user.person.full_name in page


def test_r6_r7_the_director_submits_a_scan_and_sees_the_due_date_and_history(client, world, settings):
    act_as(client, world.director_user, world.director)

    response = client.post(PAGE, form_data(world, document=upload(pdf_bytes())), follow=True)

    due = timezone.localdate() + timedelta(days=5)
    page = text(response)
    assert "Заявка отправлена оператору региона" in page
    assert "На рассмотрении" in page and f"до {due:%d.%m.%Y}" in page
    assert "Отправить заявку" not in page  # no second request while one is under review
    assert "Отозвать заявку" in page and "История" in page
    assert len(stored_files(settings)) == 1


def test_r6_the_director_submits_passport_data(client, world):
    act_as(client, world.director_user, world.director)
    response = client.post(PAGE, form_data(world, method=M.PASSPORT_DATA, **GOOD_PASSPORT), follow=True)
    assert "На рассмотрении" in text(response)
    assert "** ** ****56" in text(response) and "123456" not in text(response)  # masked for the owner


BAD = {
    "a 50 MB file": (dict(document=lambda: upload(b"%PDF-1.4\n" + bytes(50 * 1024 * 1024))), "больше 10 МБ"),
    "an .exe renamed .pdf": (dict(document=lambda: upload(exe_bytes())), "не является PDF, JPEG или PNG"),
    "a file AND passport data": (dict(document=lambda: upload(pdf_bytes()), **GOOD_PASSPORT), "не то и другое сразу"),
    "none of them": (dict(method=None), "Выберите один из трёх способов"),
    "missing consent": (dict(document=lambda: upload(pdf_bytes()), consent=None),
                        "Без согласия на обработку персональных данных"),
    "a bad passport series": (dict(method=M.PASSPORT_DATA, **{**GOOD_PASSPORT, "passport_series": "45"}),
                              "Серия паспорта — 4 цифры"),
    "a bad passport number": (dict(method=M.PASSPORT_DATA, **{**GOOD_PASSPORT, "passport_number": "1234567"}),
                              "Номер паспорта — 6 цифр"),
}


@pytest.mark.parametrize("case", list(BAD), ids=list(BAD))
def test_r6_bad_input_on_the_page_gives_a_russian_message_and_changes_nothing(client, world, settings, case):
    extra, message = BAD[case]
    extra = {key: value() if callable(value) else value for key, value in extra.items()}
    act_as(client, world.director_user, world.director)

    response = client.post(PAGE, form_data(world, **extra))

    assert response.status_code == 400
    assert message in text(response) and "Заявка не отправлена" in text(response)
    assert DirectorVerification.objects.count() == 0 and stored_files(settings) == []
    assert not AuditEntry.objects.filter(action__startswith="verification.").exists()


def test_the_form_is_protected_by_csrf(world):
    client = Client(enforce_csrf_checks=True)
    act_as(client, world.director_user, world.director)
    response = client.post(PAGE, form_data(world, document=upload(pdf_bytes())))
    assert response.status_code == 403 and DirectorVerification.objects.count() == 0


@pytest.mark.parametrize("role", [Role.TEACHER, Role.ADMINISTRATOR])
def test_r6_other_roles_of_the_school_are_told_who_submits(client, world, role):
    user, membership = make_member(role=role, organisation=world.school)
    act_as(client, user, membership)
    response = client.get(PAGE)
    assert response.status_code == 403 and "только сам руководитель" in text(response)


def test_r8_the_confirmed_director_is_told_so(client, world):
    verification = submit_pdf(world)
    v.verification_approve(actor=world.operator_role, verification=verification)
    world.director.refresh_from_db()
    act_as(client, world.director_user, world.director)

    page = text(client.get(PAGE))

    assert "Вы подтверждены как руководитель ОО" in page
    assert "Почему нет функций" not in page and "Отправить заявку" not in page


def test_the_director_withdraws_from_the_page(client, world):
    verification = submit_pdf(world)
    act_as(client, world.director_user, world.director)
    response = client.post(f"/people/verification/{verification.pk}/withdraw/", follow=True)
    assert "Заявка отозвана" in text(response) and "Отправить заявку" in text(response)
    verification.refresh_from_db()
    assert verification.status == S.WITHDRAWN


# --- the operator's queue and request ---------------------------------------------------------------------

def test_r7_the_queue_shows_the_regions_requests_due_dates_overdue_and_counts(client, world):
    late = submit_pdf(world)
    DirectorVerification.objects.filter(pk=late.pk).update(due_date=timezone.localdate() - timedelta(days=2))
    user_b, director_b = make_member(role=Role.DIRECTOR, organisation=world.other_school)
    foreign = v.verification_submit(actor=active_role_of(user_b, director_b), method=M.PASSPORT_DATA,
                                    region=world.other_region, consent=True, passport=GOOD_PASSPORT)
    act_as(client, world.operator_user, world.operator)

    page = text(client.get(QUEUE))

    assert world.director_user.person.full_name in page and "МБОУ «Лицей № 21»" in page
    assert user_b.person.full_name not in page  # another region's request
    assert 'class="is-overdue"' in page and "просрочено" in page
    assert f"до {(timezone.localdate() - timedelta(days=2)):%d.%m.%Y}" in page
    assert "На рассмотрении<strong>1</strong>" in page and 'Просрочено<strong class="overdue">1</strong>' in page
    assert client.get(detail_url(foreign.pk)).status_code == 404


def test_r7_queue_search_and_filters_refresh_only_the_results_with_htmx(client, world):
    submit_pdf(world)
    act_as(client, world.operator_user, world.operator)

    found = client.get(QUEUE, {"q": "соколова"}, HTTP_HX_REQUEST="true")
    missing = client.get(QUEUE, {"q": "петров"}, HTTP_HX_REQUEST="true")
    decided = client.get(QUEUE, {"status": S.APPROVED})

    assert "<html" not in text(found) and "Соколова Ирина Павловна" in text(found)
    assert "Заявок не найдено" in text(missing)
    assert "Соколова" not in text(decided).split('id="results"')[1]


def test_r7_the_queue_page_costs_the_same_queries_for_3_and_12_requests(client, world):
    def add(n):
        for _ in range(n):
            user, director = make_member(role=Role.DIRECTOR, organisation=make_organisation(
                municipality=make_municipality(region=world.region)))
            v.verification_submit(actor=active_role_of(user, director), method=M.PASSPORT_DATA, region=world.region,
                                  consent=True, passport=GOOD_PASSPORT)

    act_as(client, world.operator_user, world.operator)
    client.get(QUEUE)  # the first request of a session also caches the consent check
    add(3)
    with CaptureQueriesContext(connection) as few:
        assert client.get(QUEUE).status_code == 200
    add(9)
    with CaptureQueriesContext(connection) as many:
        assert client.get(QUEUE).status_code == 200
    assert len(many) == len(few)


def test_r7_the_operator_sees_the_passport_data_and_the_display_is_audited(client, world):
    verification = v.verification_submit(actor=world.director_role, method=M.PASSPORT_DATA, region=world.region,
                                         consent=True, passport=GOOD_PASSPORT)
    act_as(client, world.operator_user, world.operator)

    page = text(client.get(detail_url(verification.pk)))

    assert "45 03 123456" in page and "ГУ МВД России по г. Москве" in page and "770-012" in page
    assert "Подтвердить" in page and "Отклонить" in page
    assert AuditEntry.objects.filter(action="verification.passport_view", actor=world.operator_user).count() == 1


@pytest.mark.parametrize("who", ["director", "other_operator", "teacher"])
def test_r7_the_request_page_is_the_reviewers_only(client, world, who):
    verification = submit_pdf(world)
    if who == "director":
        act_as(client, world.director_user, world.director)
    elif who == "other_operator":
        act_as(client, world.other_operator_user, world.other_operator)
    else:
        user, teacher = make_member(role=Role.TEACHER, organisation=world.school)
        act_as(client, user, teacher)
    assert client.get(detail_url(verification.pk)).status_code == 404
    assert client.post(f"/people/verification/{verification.pk}/approve/").status_code == 404
    verification.refresh_from_db()
    assert verification.status == S.SUBMITTED


# --- the document ------------------------------------------------------------------------------------------

def test_the_document_is_served_inline_with_its_checked_type_to_the_operator_and_the_owner(client, world):
    verification = v.verification_submit(
        actor=world.director_role, method=M.PASSPORT_SCAN, region=world.region, consent=True,
        document=SimpleUploadedFile("паспорт.pdf", image_bytes("PNG"), "application/pdf"),  # a PNG named .pdf
    )
    for user, membership in ((world.operator_user, world.operator), (world.director_user, world.director)):
        act_as(client, user, membership)
        response = client.get(document_url(verification.pk))
        assert response.status_code == 200
        assert response["Content-Type"] == "image/png"  # what the content is, not what it was called
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Disposition"].startswith("inline")
        assert "no-store" in response["Cache-Control"]
        assert b"".join(response.streaming_content) == image_bytes("PNG")
    assert AuditEntry.objects.filter(action="verification.document_view").count() == 2


def test_the_document_is_not_found_for_anyone_else(client, world):
    verification = submit_pdf(world)
    teacher_user, teacher = make_member(role=Role.TEACHER, organisation=world.school)
    other_user, other_director = make_member(role=Role.DIRECTOR, organisation=world.other_school)
    admin_user, admin = make_member(role=Role.ADMINISTRATOR, organisation=world.school)
    for user, membership in ((world.other_operator_user, world.other_operator), (teacher_user, teacher),
                             (other_user, other_director), (admin_user, admin), (world.director_user, None)):
        act_as(client, user, membership)  # None: the director acting as a private person (R1)
        assert client.get(document_url(verification.pk)).status_code == 404
    assert not AuditEntry.objects.filter(action="verification.document_view").exists()


# --- deciding and telling the director ------------------------------------------------------------------

def test_r7_approval_on_the_page_confirms_and_mails_the_director(client, world, smtp_server,
                                                                  django_capture_on_commit_callbacks):
    verification = submit_pdf(world)
    act_as(client, world.operator_user, world.operator)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/people/verification/{verification.pk}/approve/", follow=True)

    assert "подтверждён" in text(response) and "Подтверждено" in text(response)
    world.director.refresh_from_db()
    assert world.director.confirmation == Confirmation.CONFIRMED
    mail = smtp_server.wait_for(1)[0]
    assert mail["To"] == "director@school.example"
    assert mail["Subject"].strip() == "Вы подтверждены как руководитель ОО"
    body = mail.get_body().get_content()
    assert "МБОУ «Лицей № 21»" in body and "/people/verification/" in body


def test_r7_rejection_needs_a_reason_and_the_director_reads_it_by_mail_and_on_the_page(
        client, world, smtp_server, django_capture_on_commit_callbacks):
    verification = submit_pdf(world)
    act_as(client, world.operator_user, world.operator)

    empty = client.post(f"/people/verification/{verification.pk}/reject/", {"reason": "  "})
    assert empty.status_code == 400 and "Укажите причину отказа" in text(empty)
    verification.refresh_from_db()
    assert verification.status == S.SUBMITTED

    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/people/verification/{verification.pk}/reject/", {"reason": "Скан нечитаемый, нет печати"})

    mail = smtp_server.wait_for(1)[0]
    assert mail["Subject"].strip() == "Заявка на подтверждение руководителя отклонена"
    assert "Скан нечитаемый, нет печати" in mail.get_body().get_content()
    act_as(client, world.director_user, world.director)
    page = text(client.get(PAGE))
    assert "Отклонено" in page and "Скан нечитаемый, нет печати" in page and "Отправить заявку" in page


def test_r7_a_second_decision_on_the_page_is_refused_clearly(client, world, django_capture_on_commit_callbacks):
    verification = submit_pdf(world)
    v.verification_approve(actor=world.operator_role, verification=verification)
    act_as(client, world.operator_user, world.operator)

    response = client.post(f"/people/verification/{verification.pk}/reject/", {"reason": "Передумал"}, follow=True)

    assert "Заявка уже подтверждена" in text(response)
    verification.refresh_from_db()
    assert verification.status == S.APPROVED and verification.reject_reason == ""


def test_a_director_without_e_mail_is_told_on_the_page_only(world, smtp_server, django_capture_on_commit_callbacks):
    world.director_user.person.email = ""
    world.director_user.person.save()
    world.director_user.email = ""
    world.director_user.save()
    verification = submit_pdf(world)
    with django_capture_on_commit_callbacks(execute=True):
        v.verification_approve(actor=world.operator_role, verification=verification)
    assert smtp_server.wait_for(1, timeout=0.5) == []


def test_the_platform_operator_reviews_from_the_same_pages(client, world):
    verification = submit_pdf(world)
    operator = make_user(superuser=True)
    act_as(client, operator)
    session = client.session
    session["sreda_active_role"] = "operator"
    session.save()
    assert "Соколова" in text(client.get(QUEUE))
    assert client.get(document_url(verification.pk)).status_code == 200


def test_a_50_mb_upload_is_dropped_while_it_streams_in(client, world):
    """The size limit sits in front of Django's upload handlers: the oversized file never reaches the
    form (not kept in memory, not spooled to disk), the rest of the form is still there."""
    act_as(client, world.director_user, world.director)
    response = client.post(PAGE, form_data(world, document=upload(b"%PDF-1.4\n" + bytes(50 * 1024 * 1024))))
    form = response.context["form"]
    assert "document" not in form.files and form.cleaned_data["consent"] is True
    assert "больше 10 МБ" in form.errors["document"][0]
