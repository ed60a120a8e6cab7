"""Director verification services (R6–R8): submit, approve, reject, withdraw — the status machine, the
history the director sees, the audit log, and bad input that changes nothing."""
from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from sreda.core.models import AuditEntry
from sreda.core.testing import active_role_of, make_member, make_membership
from sreda.people import verification as v
from sreda.people.models import (
    Confirmation, DirectorVerification, VerificationEvent, VerificationMethod, VerificationStatus,
)
from sreda.people.roles import Role
from sreda.people.tests.test_verification_fixtures import (  # noqa: F401 — fixtures
    GOOD_PASSPORT, exe_bytes, image_bytes, pdf_bytes, stored_files, upload, world,
)

S = VerificationStatus
M = VerificationMethod


def submit_pdf(w, **kw):
    return v.verification_submit(actor=w.director_role, method=kw.pop("method", M.EMPLOYMENT_CERTIFICATE),
                                 region=w.region, consent=True, document=upload(pdf_bytes()), **kw)


def submit_passport(w, **kw):
    return v.verification_submit(actor=w.director_role, method=M.PASSPORT_DATA, region=w.region, consent=True,
                                 passport=kw.pop("passport", GOOD_PASSPORT), **kw)


def nothing_changed(settings):
    return (DirectorVerification.objects.count() == 0 and VerificationEvent.objects.count() == 0
            and not AuditEntry.objects.filter(action__startswith="verification.").exists()
            and stored_files(settings) == [])


# --- submitting (R6) -------------------------------------------------------------------------------------

def test_r6_a_scan_is_stored_under_a_random_name_with_a_due_date_five_days_ahead(world, settings):
    verification = submit_pdf(world)

    assert verification.status == S.SUBMITTED
    assert verification.due_date == timezone.localdate() + timedelta(days=5)  # R7
    assert verification.document_type == "application/pdf" and verification.document_name == "справка.pdf"
    files = stored_files(settings)
    assert len(files) == 1 and "справка" not in files[0].name and files[0].suffix == ".pdf"
    assert files[0].read_bytes() == pdf_bytes()
    assert verification.region == world.region and verification.consent_given_at is not None
    event = verification.events.get()
    assert (event.from_status, event.to_status, event.actor) == ("", S.SUBMITTED, world.director_user)
    entry = AuditEntry.objects.get(action="verification.submitted")
    assert entry.details["method"] == M.EMPLOYMENT_CERTIFICATE and entry.organisation == world.school


def test_r6_a_photo_of_the_passport_is_accepted_as_jpeg_or_png(world):
    jpeg = v.verification_submit(actor=world.director_role, method=M.PASSPORT_SCAN, region=world.region,
                                 consent=True, document=upload(image_bytes("JPEG"), "паспорт.jpg", "image/jpeg"))
    assert jpeg.document_type == "image/jpeg" and jpeg.document.name.endswith(".jpg")


def test_r6_typed_passport_data_is_normalised(world):
    verification = submit_passport(world)

    assert (verification.passport_series, verification.passport_number) == ("4503", "123456")
    assert verification.passport_department_code == "770-012"
    assert verification.passport_issue_date == date(2015, 11, 20)
    assert not verification.document
    # the audit log never carries the passport number itself
    assert "123456" not in str(AuditEntry.objects.filter(action__startswith="verification.").values_list("details"))


BAD_INPUT = {
    "an .exe renamed .pdf": (
        dict(method=M.EMPLOYMENT_CERTIFICATE, document=lambda: upload(exe_bytes(), "справка.pdf")),
        "document", "не является PDF, JPEG или PNG"),
    "a truncated PDF": (
        dict(method=M.EMPLOYMENT_CERTIFICATE, document=lambda: upload(pdf_bytes()[:200], "справка.pdf")),
        "document", "не целый PDF"),
    "a file AND passport data": (
        dict(method=M.PASSPORT_SCAN, document=lambda: upload(pdf_bytes()), passport=GOOD_PASSPORT),
        "__all__", "не то и другое сразу"),
    "neither a file nor passport data": (dict(method=""), "method", "Выберите один из трёх способов"),
    "a scan method without a file": (dict(method=M.PASSPORT_SCAN), "document", "Приложите файл"),
    "passport data method with a file": (
        dict(method=M.PASSPORT_DATA, document=lambda: upload(pdf_bytes())), "document", "файл не нужен"),
    "missing consent": (dict(method=M.PASSPORT_DATA, passport=GOOD_PASSPORT, consent=False), "consent",
                        "Без согласия на обработку персональных данных"),
    "a series of 3 digits": (
        dict(method=M.PASSPORT_DATA, passport={**GOOD_PASSPORT, "passport_series": "450"}),
        "passport_series", "Серия паспорта — 4 цифры"),
    "a number with letters": (
        dict(method=M.PASSPORT_DATA, passport={**GOOD_PASSPORT, "passport_number": "12З456"}),
        "passport_number", "Номер паспорта — 6 цифр"),
    "an issue date in the future": (
        dict(method=M.PASSPORT_DATA, passport={**GOOD_PASSPORT, "passport_issue_date": "01.01.2999"}),
        "passport_issue_date", "не может быть в будущем"),
    "an unknown method": (dict(method="selfie", document=lambda: upload(pdf_bytes())), "method", "Выберите способ"),
}


@pytest.mark.parametrize("case", list(BAD_INPUT), ids=list(BAD_INPUT))
def test_r6_bad_input_gives_a_russian_message_and_changes_nothing(world, settings, case):
    kwargs, field, message = BAD_INPUT[case]
    kwargs = {"consent": True, **kwargs}
    if callable(kwargs.get("document")):
        kwargs["document"] = kwargs["document"]()

    with pytest.raises(ValidationError) as exc:
        v.verification_submit(actor=world.director_role, region=world.region, **kwargs)

    assert any(message in text for text in exc.value.message_dict[field]), exc.value.message_dict
    assert nothing_changed(settings)
    world.director.refresh_from_db()
    assert world.director.confirmation == Confirmation.PENDING


def test_r6_every_bad_passport_field_is_named_at_once(world, settings):
    with pytest.raises(ValidationError) as exc:
        submit_passport(world, passport={"passport_series": "1", "passport_number": "2"})
    assert set(exc.value.message_dict) == {"passport_series", "passport_number", "passport_issued_by",
                                           "passport_issue_date", "passport_department_code"}
    assert nothing_changed(settings)


def test_r6_the_request_goes_only_to_the_operator_of_the_schools_region(world, settings):
    with pytest.raises(ValidationError) as exc:
        v.verification_submit(actor=world.director_role, method=M.PASSPORT_DATA, region=world.other_region,
                              consent=True, passport=GOOD_PASSPORT)
    assert "Курская область" in exc.value.message_dict["region"][0]
    assert nothing_changed(settings)
    assert v.submit_choices(actor=world.director_role) == [world.region]


def test_r6_one_open_request_at_a_time(world, settings):
    first = submit_pdf(world)
    with pytest.raises(ValidationError, match=f"срок — до {first.due_date:%d.%m.%Y}"):
        submit_passport(world)
    assert DirectorVerification.objects.count() == 1 and len(stored_files(settings)) == 1


@pytest.mark.parametrize("role", [Role.ADMINISTRATOR, Role.TEACHER])
def test_r6_only_the_director_submits(world, settings, role):
    user, membership = make_member(role=role, organisation=world.school)
    with pytest.raises(PermissionDenied, match="только сам руководитель"):
        v.verification_submit(actor=active_role_of(user, membership), method=M.PASSPORT_DATA, region=world.region,
                              consent=True, passport=GOOD_PASSPORT)
    assert nothing_changed(settings)


def test_r6_a_confirmed_director_needs_no_request(world, settings):
    world.director.confirmation = Confirmation.CONFIRMED
    world.director.save()
    with pytest.raises(ValidationError, match="уже подтверждены"):
        submit_passport(world)
    assert nothing_changed(settings)


def test_r7_the_due_date_is_the_regions_day(world):
    """Kamchatka is 9 hours ahead of Moscow: its «today» may already be tomorrow."""
    world.region.timezone = "Asia/Kamchatka"
    world.region.save()
    verification = submit_passport(world)
    assert verification.due_date == v.region_today(world.region) + timedelta(days=5)


# --- deciding (R7) ---------------------------------------------------------------------------------------

def test_r7_approval_confirms_the_director_and_is_in_the_history_and_the_audit(world):
    verification = submit_pdf(world)

    v.verification_approve(actor=world.operator_role, verification=verification)

    verification.refresh_from_db()
    world.director.refresh_from_db()
    assert verification.status == S.APPROVED and verification.reviewed_by == world.operator_user
    assert world.director.confirmation == Confirmation.CONFIRMED and world.director.confirmed_by == world.operator_user
    assert [(e.from_status, e.to_status) for e in verification.events.all()] == [
        ("", S.SUBMITTED), (S.SUBMITTED, S.APPROVED)]
    assert AuditEntry.objects.filter(action="verification.approved", object_id=str(verification.pk)).count() == 1
    state = v.director_state(actor=world.director_role)
    assert state.confirmed and state.step == 3 and not state.can_submit


def test_r7_rejection_needs_a_reason_the_director_then_reads(world):
    verification = submit_pdf(world)

    with pytest.raises(ValidationError, match="Укажите причину отказа"):
        v.verification_reject(actor=world.operator_role, verification=verification, reason="   ")
    verification.refresh_from_db()
    assert verification.status == S.SUBMITTED and verification.events.count() == 1

    v.verification_reject(actor=world.operator_role, verification=verification, reason="Скан нечитаемый")

    state = v.director_state(actor=world.director_role)
    assert state.current.status == S.REJECTED and state.current.reject_reason == "Скан нечитаемый"
    assert state.can_submit and state.step == 1
    assert state.events[-1].note == "Скан нечитаемый" and state.events[-1].status_label == "Отклонено"
    world.director.refresh_from_db()
    assert world.director.confirmation == Confirmation.PENDING


def test_r7_after_a_rejection_the_director_resubmits_and_sees_the_whole_history(world):
    first = submit_pdf(world)
    v.verification_reject(actor=world.operator_role, verification=first, reason="Нет печати")
    second = submit_passport(world)
    v.verification_approve(actor=world.operator_role, verification=second)

    state = v.director_state(actor=world.director_role)
    assert state.current == second
    assert [(e.verification_id, e.to_status) for e in state.events] == [
        (first.pk, S.SUBMITTED), (first.pk, S.REJECTED), (second.pk, S.SUBMITTED), (second.pk, S.APPROVED)]


@pytest.mark.parametrize("first, second", [("approve", "reject"), ("reject", "approve"), ("approve", "approve")])
def test_r7_a_decided_request_cannot_be_decided_again(world, first, second):
    verification = submit_pdf(world)
    decide = {"approve": lambda: v.verification_approve(actor=world.operator_role, verification=verification),
              "reject": lambda: v.verification_reject(actor=world.operator_role, verification=verification,
                                                      reason="Нет печати")}
    decide[first]()
    with pytest.raises(ValidationError, match="решение принято"):
        decide[second]()
    assert verification.events.count() == 2
    assert AuditEntry.objects.filter(action__in=["verification.approved", "verification.rejected"]).count() == 1


def test_r7_the_operator_of_another_region_cannot_decide(world):
    verification = submit_pdf(world)
    with pytest.raises(PermissionDenied):
        v.verification_approve(actor=world.other_operator_role, verification=verification)
    verification.refresh_from_db()
    assert verification.status == S.SUBMITTED


@pytest.mark.parametrize("role", ["director", "methodist"])
def test_r7_nobody_else_decides(world, role):
    verification = submit_pdf(world)
    if role == "director":
        actor = world.director_role
    else:
        user, membership = make_member(role=Role.METHODIST, municipality=world.school.municipality)
        actor = active_role_of(user, membership)
    with pytest.raises(PermissionDenied, match="оператор региона"):
        v.verification_approve(actor=actor, verification=verification)
    assert DirectorVerification.objects.get().status == S.SUBMITTED


def test_the_platform_operator_reviews_any_region(world):
    from sreda.core.testing import make_user

    operator = active_role_of(make_user(superuser=True))
    verification = submit_pdf(world)
    v.verification_approve(actor=operator, verification=verification)
    assert DirectorVerification.objects.get().status == S.APPROVED


def test_the_director_withdraws_a_request_under_review_and_may_send_another(world):
    verification = submit_pdf(world)
    with pytest.raises(PermissionDenied):
        v.verification_withdraw(actor=world.operator_role, verification=verification)

    v.verification_withdraw(actor=world.director_role, verification=verification)

    verification.refresh_from_db()
    assert verification.status == S.WITHDRAWN
    submit_passport(world)
    with pytest.raises(ValidationError, match="отозвана"):
        v.verification_approve(actor=world.operator_role, verification=verification)


def test_the_transitions_table_is_the_whole_status_machine():
    assert set(v.TRANSITIONS) == {("", S.SUBMITTED), (S.SUBMITTED, S.APPROVED), (S.SUBMITTED, S.REJECTED),
                                  (S.SUBMITTED, S.WITHDRAWN)}
    assert {to for _, to in v.TRANSITIONS} == set(S.values)


# --- reading personal data (R7, personal-data rules) -------------------------------------------------------

def test_passport_data_is_shown_to_the_reviewer_only_and_every_display_is_audited(world):
    verification = submit_passport(world)

    shown = v.verification_passport_view(actor=world.operator_role, verification=verification)

    assert (shown.series_display, shown.number) == ("45 03", "123456")
    assert AuditEntry.objects.filter(action="verification.passport_view", actor=world.operator_user).count() == 1
    with pytest.raises(PermissionDenied):
        v.verification_passport_view(actor=world.other_operator_role, verification=verification)
    with pytest.raises(PermissionDenied):
        v.verification_passport_view(actor=world.director_role, verification=verification)
    assert v.passport_of(verification).masked == "** ** ****56"


def test_opening_the_document_is_audited_and_refused_to_others(world):
    from django.http import Http404

    verification = submit_pdf(world)

    opened = v.verification_document_open(actor=world.operator_role, verification=verification)
    assert opened.file.read() == pdf_bytes() and opened.content_type == "application/pdf"
    opened.file.close()
    owner = v.verification_document_open(actor=world.director_role, verification=verification)
    owner.file.close()
    assert AuditEntry.objects.filter(action="verification.document_view").count() == 2
    user, teacher = make_member(role=Role.TEACHER, organisation=world.school)
    for actor in (world.other_operator_role, active_role_of(user, teacher)):
        with pytest.raises(Http404):
            v.verification_document_open(actor=actor, verification=verification)
    assert AuditEntry.objects.filter(action="verification.document_view").count() == 2


# --- the queue (R7) ---------------------------------------------------------------------------------------

def test_r7_the_queue_is_the_regions_by_due_date_with_filters_and_counts(world):
    from sreda.core.testing import make_municipality, make_organisation, make_person

    early = submit_pdf(world)
    DirectorVerification.objects.filter(pk=early.pk).update(due_date=timezone.localdate() - timedelta(days=1))
    other_school = make_organisation(municipality=make_municipality(region=world.region, name="Льговский район"),
                                     short_name="МКОУ «Ёлкинская СОШ»")
    user, director = make_member(role=Role.DIRECTOR, organisation=other_school,
                                 person=make_person(surname="Ёлкин", name="Пётр"))
    later = v.verification_submit(actor=active_role_of(user, director), method=M.PASSPORT_DATA, region=world.region,
                                  consent=True, passport=GOOD_PASSPORT)
    user_b, director_b = make_member(role=Role.DIRECTOR, organisation=world.other_school)
    v.verification_submit(actor=active_role_of(user_b, director_b), method=M.PASSPORT_DATA,
                          region=world.other_region, consent=True, passport=GOOD_PASSPORT)

    queue = list(v.verification_queue(actor=world.operator_role))
    assert queue == [early, later]  # the other region's request is not here
    assert queue[0].overdue and not queue[1].overdue
    assert list(v.verification_queue(actor=world.operator_role, overdue=True)) == [early]
    assert list(v.verification_queue(actor=world.operator_role, query="елкин")) == [later]  # «ё» as «е»
    assert list(v.verification_queue(actor=world.operator_role, query="лицей")) == [early]
    assert list(v.verification_queue(actor=world.operator_role, query=world.school.inn)) == [early]
    by_district = v.verification_queue(actor=world.operator_role, municipality_id=other_school.municipality_id)
    assert list(by_district) == [later]
    assert v.verification_counts(actor=world.operator_role) == {
        "submitted": 2, "overdue": 1, "approved": 0, "rejected": 0, "withdrawn": 0}
    v.verification_approve(actor=world.operator_role, verification=later)
    assert list(v.verification_queue(actor=world.operator_role, status=S.APPROVED)) == [later]
    assert list(v.verification_queue(actor=world.operator_role, status=None)) == [early, later]


def test_r7_roles_without_review_see_an_empty_queue(world):
    submit_pdf(world)
    make_membership(person=world.director_user.person, role=Role.METHODIST, municipality=world.school.municipality)
    assert list(v.verification_queue(actor=world.director_role)) == []
    assert v.verification_counts(actor=world.director_role)["submitted"] == 0
