"""The pages of R8/R9: the director's table with checkboxes, filters, «Подтвердить» / «Отклонить», the banner
while a report is owed and «Отправить отчет»; the regional operator's overview, CSV and report pages."""
import csv
import io
import re

import pytest
from django.utils import timezone

from sreda.core.permissions import UNCONFIRMED_DIRECTOR
from sreda.core.testing import act_as, make_member, make_membership, make_person
from sreda.people.confirmation import members_decide, report_send
from sreda.people.models import Confirmation, ConfirmationReport, DirectorVerification, Membership, MembershipDecision
from sreda.people.roles import Role
from sreda.people.tests.test_confirmation_builders import add_member, make_school

pytestmark = pytest.mark.django_db

C = Confirmation
PAGE = "/people/confirmation/"
DECIDE = "/people/confirmation/decide/"
SEND = "/people/confirmation/send-report/"
REPORTS = "/people/confirmation/reports/"


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


@pytest.fixture
def school(client):
    school = make_school(teachers=2, students=3)
    add_member(school, surname="Ёлкина", name="Алёна", patronymic="Сергеевна")
    act_as(client, school.director_user, school.director)
    return school


def test_r9_confirmed_director_sees_the_table_with_a_checkbox_per_row(client, school):
    page = text(client.get(PAGE))

    assert "Педагоги и обучающиеся" in page
    for m in school.members:
        assert f'name="membership_ids" value="{m.pk}"' in page
        assert m.person.full_name in page
    assert "Выбрать все на странице" in page and "Выбрать все 6 по фильтру" in page
    assert ">Подтвердить</button>" in page and ">Отклонить</button>" in page
    assert "Отчёт не отправлен" not in page and "Отчётов ещё не было" in page
    assert f'name="membership_ids" value="{school.director.pk}"' not in page  # the director is not a row of the table


def test_ids_above_999_go_back_to_the_server_without_a_thousands_separator(client, school):
    """Russian number format puts a space in 12 345; the form's values must stay plain digits."""
    big = make_membership(pk=123_456, person=make_person(surname="Тысячный", name="Лев"), role=Role.TEACHER,
                          organisation=school.organisation)

    page = text(client.get(PAGE))
    response = client.post(DECIDE, {"decision": "confirmed", "membership_ids": [big.pk]}, follow=True)

    assert 'name="membership_ids" value="123456"' in page
    assert messages_of(response) == ["Подтверждено: 1."]


def test_r8_unconfirmed_director_sees_why_and_the_steps_not_the_table(client):
    school = make_school(director_confirmed=False)
    act_as(client, school.director_user, school.director)

    response = client.get(PAGE)
    page = text(response)

    assert response.status_code == 200
    assert UNCONFIRMED_DIRECTOR in page
    assert "Шаг 1. Подтвердите личность руководителя" in page and "3–5 дней" in page
    assert "membership_ids" not in page and "Подтвердить</button>" not in page


def test_r8_a_pending_verification_request_is_shown_with_its_due_date(client):
    school = make_school(director_confirmed=False)
    DirectorVerification.objects.create(
        membership=school.director, region=school.region, method="passport_data", consent_given_at=timezone.now(),
        due_date=timezone.localdate() + timezone.timedelta(days=5), submitted_by=school.director_user)
    act_as(client, school.director_user, school.director)

    page = text(client.get(PAGE))

    assert "Ваша заявка на рассмотрении у оператора региона" in page
    assert (timezone.localdate() + timezone.timedelta(days=5)).strftime("%d.%m.%Y") in page


@pytest.mark.parametrize("role", [Role.ADMINISTRATOR, Role.TEACHER])
def test_other_roles_get_403_with_the_reason(client, role):
    school = make_school()
    user, membership = make_member(role=role, organisation=school.organisation, confirmation=C.CONFIRMED)
    act_as(client, user, membership)

    for response in (client.get(PAGE), client.post(DECIDE, {"decision": "confirmed",
                                                            "membership_ids": [school.students[0].pk]}),
                     client.post(SEND)):
        assert response.status_code == 403
        assert "Подтверждать педагогов и обучающихся может руководитель ОО" in text(response)
    assert not MembershipDecision.objects.exists()


def test_unconfirmed_director_posting_anyway_is_refused_and_nothing_changes(client):
    school = make_school(director_confirmed=False)
    act_as(client, school.director_user, school.director)

    response = client.post(DECIDE, {"decision": "confirmed", "membership_ids": [school.students[0].pk]})

    assert response.status_code == 403 and "шаг 1" in text(response)
    assert Membership.objects.get(pk=school.students[0].pk).confirmation == C.PENDING


def test_anonymous_is_sent_to_sign_in(client):
    client.logout()
    for url in (PAGE, REPORTS, "/people/confirmation/reports.csv"):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith("/accounts/login/")


def test_filters_and_search_narrow_the_table_and_htmx_gets_only_the_table(client, school):
    page = text(client.get(PAGE, {"q": "ЕЛКИНА", "group": "students"}))
    assert "Ёлкина Алёна Сергеевна" in page and school.teachers[0].person.full_name not in page
    assert "Выбрать все 1 по фильтру" in page

    teachers = text(client.get(PAGE, {"group": "teachers"}, HTTP_HX_REQUEST="true"))
    assert "<html" not in teachers and "<h1>" not in teachers
    assert all(t.person.full_name in teachers for t in school.teachers)
    assert all(s.person.full_name not in teachers for s in school.students)
    # the decide form carries the filter, so «выбрать все по фильтру» decides on the same rows
    assert '<input type="hidden" name="group" value="teachers">' in teachers


def test_r9_confirm_selected_rows_then_banner_then_send_report_then_banner_gone(client, school):
    chosen = [school.students[0].pk, school.students[1].pk, school.teachers[0].pk]

    response = client.post(DECIDE, {"decision": "confirmed", "membership_ids": chosen, "group": "students"},
                           follow=True)

    assert messages_of(response) == ["Подтверждено: 3."]
    assert response.redirect_chain[-1][0] == f"{PAGE}?group=students"
    today = timezone.localdate().strftime("%d.%m.%Y")
    assert f"Отчёт не отправлен: 3 решения с {today}" in text(response)
    assert ">Отправить отчет</button>" in text(response)
    assert list(Membership.objects.filter(pk__in=chosen).values_list("confirmation", flat=True)) == [C.CONFIRMED] * 3

    response = client.post(DECIDE, {"decision": "rejected", "membership_ids": [school.students[2].pk]}, follow=True)
    assert messages_of(response) == ["Отклонено: 1."]
    assert f"Отчёт не отправлен: 4 решения с {today}" in text(response)

    response = client.post(SEND, follow=True)
    assert messages_of(response) == ["Отчёт отправлен оператору региона: подтверждено 3, отклонено 1."]
    assert "Отчёт не отправлен" not in text(response)
    report = ConfirmationReport.objects.get()
    assert f"/people/confirmation/reports/{report.pk}/" in text(response)

    again = client.post(SEND, follow=True)
    assert messages_of(again)[0].startswith("Отправлять нечего")
    assert ConfirmationReport.objects.count() == 1


def test_r9_select_all_by_filter_decides_every_row_of_the_filter_not_only_the_page(client):
    school = make_school(teachers=2, students=0)
    from sreda.people.tests.test_confirmation_builders import add_people_fast
    add_people_fast(organisation=school.organisation, school_class=school.classes[0], students=120)
    act_as(client, school.director_user, school.director)
    shown = text(client.get(PAGE, {"group": "students"}))
    assert "Выбрать все 120 по фильтру" in shown and 'name="expected_count" value="120"' in shown

    response = client.post(DECIDE, {"decision": "confirmed", "scope": "filter", "group": "students",
                                    "expected_count": "120"}, follow=True)

    assert messages_of(response) == ["Подтверждено: 120."]
    assert Membership.objects.filter(organisation=school.organisation, role=Role.STUDENT,
                                     confirmation=C.CONFIRMED).count() == 120
    assert set(Membership.objects.filter(pk__in=[t.pk for t in school.teachers])
               .values_list("confirmation", flat=True)) == {C.PENDING}


def test_bad_input_gets_a_clear_message_and_changes_nothing(client, school):
    cases = [
        ({"decision": "confirmed"}, "Отметьте хотя бы одну строку"),
        ({"decision": "confirmed", "membership_ids": ["abc"]}, "Неверный номер строки"),
        ({"decision": "maybe", "membership_ids": [school.students[0].pk]}, "«Подтвердить» или «Отклонить»"),
        ({"decision": "confirmed", "membership_ids": [999_999]}, "не найдено отмеченных строк: 1"),
        ({"decision": "confirmed", "scope": "filter", "group": "students", "expected_count": "2"},
         "по фильтру теперь 4 строки, а на странице было 2"),
    ]
    for data, expected in cases:
        response = client.post(DECIDE, data, follow=True)
        assert expected in messages_of(response)[0], (data, messages_of(response))
    assert not MembershipDecision.objects.exists()
    assert set(Membership.objects.filter(pk__in=[m.pk for m in school.members])
               .values_list("confirmation", flat=True)) == {C.PENDING}


def test_a_director_of_another_school_cannot_decide_on_this_schools_rows(client, school):
    other = make_school()
    act_as(client, other.director_user, other.director)

    response = client.post(DECIDE, {"decision": "confirmed", "membership_ids": [school.students[0].pk]}, follow=True)

    assert "не найдено отмеченных строк: 1" in messages_of(response)[0]
    assert Membership.objects.get(pk=school.students[0].pk).confirmation == C.PENDING


def operator_client(client, region):
    user, membership = make_member(role=Role.REGIONAL_OPERATOR, region=region)
    act_as(client, user, membership)
    return client


def test_r9_regional_operator_sees_every_school_who_owes_and_the_report_with_its_people(client, school):
    members_decide(actor=school.actor, organisation=school.organisation, decision=C.CONFIRMED,
                   membership_ids=[school.students[0].pk])
    members_decide(actor=school.actor, organisation=school.organisation, decision=C.REJECTED,
                   membership_ids=[school.students[1].pk])
    report = report_send(actor=school.actor, organisation=school.organisation)
    owing = make_school(short_name="МБОУ СОШ № 99", municipality=school.organisation.municipality)
    members_decide(actor=owing.actor, organisation=owing.organisation, decision=C.CONFIRMED,
                   membership_ids=[owing.teachers[0].pk])
    foreign = make_school(short_name="МБОУ Чужая школа")
    operator_client(client, school.region)

    page = text(client.get(REPORTS))
    assert school.organisation.short_name in page and "МБОУ СОШ № 99" in page and "Чужая" not in page
    assert page.index("МБОУ СОШ № 99") < page.index(school.organisation.short_name)  # owing first
    assert 'data-testid="owing-count">1<' in page

    only_owing = text(client.get(REPORTS, {"owes": "yes"}, HTTP_HX_REQUEST="true"))
    assert "МБОУ СОШ № 99" in only_owing and school.organisation.short_name not in only_owing
    assert "Не отправлен" in only_owing
    found = text(client.get(REPORTS, {"q": school.organisation.inn}))
    assert school.organisation.short_name in found and "МБОУ СОШ № 99" not in found

    detail = text(client.get(f"{REPORTS}{report.pk}/"))
    assert school.students[0].person.full_name in detail and school.students[1].person.full_name in detail
    assert "Подтверждён" in detail and "Отклонён" in detail
    rejected_only = text(client.get(f"{REPORTS}{report.pk}/", {"decision": "rejected"}))
    assert school.students[1].person.full_name in rejected_only
    assert school.students[0].person.full_name not in rejected_only

    history = text(client.get(f"/people/confirmation/schools/{owing.organisation.pk}/"))
    assert "Отчёт не отправлен: 1 решение" in history and "Школа ещё не отправляла отчётов" in history
    assert client.get(f"/people/confirmation/schools/{foreign.organisation.pk}/").status_code == 404


def test_operator_of_another_region_and_another_director_get_404_for_a_report(client, school):
    members_decide(actor=school.actor, organisation=school.organisation, decision=C.CONFIRMED,
                   membership_ids=[school.students[0].pk])
    report = report_send(actor=school.actor, organisation=school.organisation)
    other = make_school()

    operator_client(client, other.region)
    assert client.get(f"{REPORTS}{report.pk}/").status_code == 404
    assert client.get(f"{REPORTS}999999/").status_code == 404
    act_as(client, other.director_user, other.director)
    assert client.get(f"{REPORTS}{report.pk}/").status_code == 404
    assert client.get(REPORTS).status_code == 403
    act_as(client, school.director_user, school.director)
    assert client.get(f"{REPORTS}{report.pk}/").status_code == 200


def test_csv_export_is_utf8_with_bom_and_follows_the_filter(client, school):
    members_decide(actor=school.actor, organisation=school.organisation, decision=C.CONFIRMED,
                   membership_ids=[school.students[0].pk])
    quiet = make_school(short_name="МБОУ Тихая школа", municipality=school.organisation.municipality)
    operator_client(client, school.region)

    response = client.get("/people/confirmation/reports.csv", {"owes": "yes"})
    body = b"".join([response.content]) if not response.streaming else b"".join(response.streaming_content)

    assert response["Content-Type"].startswith("text/csv") and "attachment" in response["Content-Disposition"]
    assert body.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:5] == ["Организация", "ИНН", "Муниципалитет", "Регион", "Отчёт нужен"]
    assert [r[0] for r in rows[1:]] == [school.organisation.short_name]
    assert rows[1][4:6] == ["да", "1"]
    assert re.fullmatch(r"\d\d\.\d\d\.\d{4} \d\d:\d\d", rows[1][6])
    everyone = client.get("/people/confirmation/reports.csv").content.decode("utf-8-sig")
    assert quiet.organisation.short_name in everyone
