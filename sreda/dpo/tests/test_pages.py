"""Pages of «Организация ДПО» through the real views (R36–R38): the teacher's groups and «Моё обучение», the
director's «Заявки» with search, filters, bulk approve and the card's tabs, the centre's queue and its
programs and groups; XLSX exports; constant query counts."""
from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from sreda.core.testing import act_as, make_member, make_membership, make_municipality
from sreda.dpo.models import Application, Comment, Event, Group, Program
from sreda.dpo.statuses import Status
from sreda.dpo.tests.factories import make_application, make_centre, make_group, make_school
from sreda.people.roles import Role

pytestmark = pytest.mark.django_db


def _centre_client(client, region):
    centre = make_centre(region)
    act_as(client, centre.user, centre.membership)
    return centre


def test_r36_teacher_finds_a_group_applies_and_sees_it_on_my_training(client):
    school = make_school()
    group = make_group(region=school.region, program_name="Цифровая трансформация как фактор развития")
    other = make_group(region=school.region, program_name="Экспертная деятельность (олимпиады)")
    act_as(client, school.teacher, school.teacher_membership)

    page = client.get(reverse("dpo:groups"), {"q": "цифровая"})
    assert page.status_code == 200
    text = page.content.decode()
    assert f'data-testid="group-{group.pk}"' in text and f'data-testid="group-{other.pk}"' not in text

    response = client.post(reverse("dpo:apply", args=[group.pk]), follow=True)
    application = Application.objects.get()
    assert f"Заявка №{application.pk} подана" in response.content.decode()
    my = client.get(reverse("dpo:my")).content.decode()
    assert f"Заявка №{application.pk}" in my and "Не обработана" in my

    again = client.post(reverse("dpo:apply", args=[group.pk]), follow=True).content.decode()
    assert "уже подали заявку" in again
    assert Application.objects.count() == 1


def test_r36_group_filters_by_form_and_dates(client):
    school = make_school()
    soon = make_group(region=school.region, name="Скоро", study_form="distance",
                      starts_on=timezone.localdate() + timedelta(days=5))
    later = make_group(region=school.region, name="Позже", study_form="full_time",
               starts_on=timezone.localdate() + timedelta(days=90))
    act_as(client, school.teacher, school.teacher_membership)
    by_form = client.get(reverse("dpo:groups"), {"form": "distance"}).content.decode()
    assert f'group-{soon.pk}"' in by_form and f'group-{later.pk}"' not in by_form
    by_date = client.get(reverse("dpo:groups"), {"to": (soon.starts_on + timedelta(days=1)).strftime("%d.%m.%Y")})
    assert f'group-{soon.pk}"' in by_date.content.decode() and f'group-{later.pk}"' not in by_date.content.decode()


def test_r36_apply_with_a_document_and_director_downloads_it(client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    school = make_school()
    group = make_group(region=school.region)
    act_as(client, school.teacher, school.teacher_membership)
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\nstartxref\n0\n%%EOF\n"
    client.post(reverse("dpo:apply", args=[group.pk]),
                {"documents": SimpleUploadedFile("диплом.pdf", pdf, content_type="application/pdf")})
    application = Application.objects.get()
    document = application.documents.get()
    assert document.name == "диплом.pdf"
    act_as(client, school.director, school.director_membership)
    card = client.get(reverse("dpo:card", args=[application.pk])).content.decode()
    assert "диплом.pdf" in card
    file = client.get(reverse("dpo:document", args=[application.pk, document.pk]))
    assert file.status_code == 200 and b"".join(file.streaming_content) == pdf
    stranger = make_school()
    act_as(client, stranger.director, stranger.director_membership)
    assert client.get(reverse("dpo:document", args=[application.pk, document.pk])).status_code == 404


def test_r36_a_fake_document_is_refused_and_nothing_is_created(client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    school = make_school()
    group = make_group(region=school.region)
    act_as(client, school.teacher, school.teacher_membership)
    response = client.post(reverse("dpo:apply", args=[group.pk]), {"documents": SimpleUploadedFile(
        "скан.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")}, follow=True)
    assert "не является PDF, JPEG или PNG" in response.content.decode()
    assert not Application.objects.exists()


def test_r38_director_list_columns_search_and_filters(client):
    school = make_school()
    group_a = make_group(region=school.region, program_name="Диагностика кадрового резерва")
    group_b = make_group(region=school.region, program_name="Экспертная деятельность")
    first = make_application(school=school, group=group_a)
    second = make_application(school=school, group=group_b, status=Status.INCLUDED)
    other = make_school()
    foreign = make_application(school=other, group=group_a)
    act_as(client, school.director, school.director_membership)
    url = reverse("dpo:applications")

    page = client.get(url).content.decode()
    for column in ("Номер заявки", "Заявитель", "Программа", "Статус", "Действия"):
        assert column in page
    assert f'data-testid="row-{first.pk}"' in page and f'data-testid="row-{second.pk}"' in page
    assert f'data-testid="row-{foreign.pk}"' not in page

    def rows(**params):
        body = client.get(url, params).content.decode()
        return {a.pk for a in (first, second, foreign) if f'data-testid="row-{a.pk}"' in body}

    assert rows(q=str(second.pk)) == {second.pk}
    assert rows(q=f"№{first.pk}") == {first.pk}
    assert rows(q=school.teacher.person.surname.upper().replace("Е", "Ё")) == {first.pk, second.pk}
    assert rows(q="экспертная") == {second.pk}
    assert rows(status=Status.INCLUDED) == {second.pk}
    assert rows(program=group_a.program_id) == {first.pk}
    tomorrow = (timezone.localdate() + timedelta(days=1)).strftime("%d.%m.%Y")
    assert rows(**{"from": tomorrow}) == set()
    assert rows(to=tomorrow) == {first.pk, second.pk}


def test_r1_teacher_opening_applications_is_told_to_switch_to_director(client):
    """R1/R38 and the seed's note: with the role «Слушатель» the page says the role must be «Руководитель ОО»
    and how to switch."""
    school = make_school()
    as_teacher = make_membership(person=school.director.person, role=Role.TEACHER, organisation=school.organisation)
    act_as(client, school.director, as_teacher)
    response = client.get(reverse("dpo:applications"))
    assert response.status_code == 403
    text = response.content.decode()
    assert "ваша роль должна быть «<strong>Руководитель ОО</strong>»" in text
    assert "Сменить роль" in text and "?next=/dpo/applications/" in text


def test_r38_bulk_approve_from_the_list(client):
    school = make_school()
    group = make_group()
    apps = [make_application(school=school, group=make_group()) for _ in range(2)]
    cancelled = make_application(school=school, group=group, status=Status.CANCELLED)
    act_as(client, school.director, school.director_membership)
    response = client.post(reverse("dpo:bulk_approve"), {"ids": [a.pk for a in apps] + [cancelled.pk]}, follow=True)
    text = response.content.decode()
    assert "Одобрены 2 заявки." in text and "уже «Отменена»" in text
    assert set(Application.objects.filter(status=Status.APPROVED).values_list("pk", flat=True)) == {a.pk for a in apps}


def test_r38_card_tabs_comment_count_and_approve_with_comment(client):
    school = make_school()
    application = make_application(school=school, group=make_group())
    act_as(client, school.director, school.director_membership)
    url = reverse("dpo:card", args=[application.pk])
    card = client.get(url).content.decode()
    for label in ("Сведения о заявке", "Комментарии 0", "История действий", "Документы", "Сведения о слушателе",
                  "Общие сведения", "Организация ДПО:", "Одобрить", "Отменить"):
        assert label in card
    response = client.post(reverse("dpo:act", args=[application.pk, "approve"]), {"comment": "Согласовано"},
                           follow=True)
    text = response.content.decode()
    assert "Подтверждена руководителем ОО" in text and "Комментарии 1" in text
    history = client.get(url, {"tab": "history"}).content.decode()
    assert "Не обработана → Подтверждена руководителем ОО" in history and "Согласовано" in history

    # Approving again is refused with a clear message; nothing changes.
    again = client.post(reverse("dpo:act", args=[application.pk, "approve"]))
    assert again.status_code == 409 and "одобрить её можно только в статусе «Не обработана»" in again.content.decode()
    assert Event.objects.filter(application=application, outcome="refused").count() == 1

    # The applicant sees the comment on «Моё обучение».
    act_as(client, school.teacher, school.teacher_membership)
    my = client.get(reverse("dpo:my")).content.decode()
    assert "Согласовано" in my and "Подтверждена руководителем ОО" in my


def test_r38_comment_tab_adds_a_comment_and_empty_is_refused(client):
    school = make_school()
    application = make_application(school=school, group=make_group())
    act_as(client, school.director, school.director_membership)
    bad = client.post(reverse("dpo:comment", args=[application.pk]), {"text": "  "})
    assert bad.status_code == 400 and "Напишите текст комментария" in bad.content.decode()
    client.post(reverse("dpo:comment", args=[application.pk]), {"text": "Приложите диплом"})
    assert Comment.objects.get().text == "Приложите диплом"


def test_r37_applicant_cancels_on_my_training(client):
    school = make_school()
    application = make_application(school=school, group=make_group(), status=Status.APPROVED)
    included = make_application(school=school, group=make_group(), status=Status.INCLUDED)
    act_as(client, school.teacher, school.teacher_membership)
    my = client.get(reverse("dpo:my")).content.decode()
    assert reverse("dpo:my_cancel", args=[application.pk]) in my
    assert reverse("dpo:my_cancel", args=[included.pk]) not in my
    client.post(reverse("dpo:my_cancel", args=[application.pk]))
    application.refresh_from_db()
    assert application.status == Status.CANCELLED
    refused = client.post(reverse("dpo:my_cancel", args=[included.pk]), follow=True).content.decode()
    assert "уже «Включен в группу»" in refused


def test_r37_centre_queue_of_its_region_and_include(client):
    school = make_school()
    neighbour = make_school(municipality=make_municipality(region=school.region))
    far = make_school()
    group = make_group(region=school.region)
    mine = make_application(school=school, group=group, status=Status.APPROVED)
    theirs = make_application(school=neighbour, group=group, status=Status.APPROVED)
    waiting = make_application(school=school, group=make_group(), status=Status.NEW)
    elsewhere = make_application(school=far, group=group, status=Status.APPROVED)
    _centre_client(client, school.region)

    page = client.get(reverse("dpo:centre")).content.decode()
    assert f'row-{mine.pk}"' in page and f'row-{theirs.pk}"' in page
    assert f'row-{waiting.pk}"' not in page and f'row-{elsewhere.pk}"' not in page
    client.post(reverse("dpo:act", args=[mine.pk, "include"]), {"next": "centre"})
    mine.refresh_from_db()
    assert mine.status == Status.INCLUDED
    assert client.get(reverse("dpo:card", args=[elsewhere.pk])).status_code == 404


def test_r36_centre_creates_program_and_group_bad_input_changes_nothing(client):
    school = make_school()
    centre = _centre_client(client, school.region)
    client.post(reverse("dpo:organisation_new"), {"name": "ГБУ ДПО «Челябинский институт развития образования»",
                                                  "short_name": "ГБУ ДПО «ЧИРО»"})
    from sreda.dpo.models import DpoOrganisation

    organisation = DpoOrganisation.objects.get()
    assert organisation.region_id == centre.region_id
    response = client.post(reverse("dpo:program_new"), {
        "organisation": organisation.pk, "name": "Оценка профессиональных компетенций", "study_form": "distance",
        "hours": "72", "competences": "Предметные", "listener_categories": "Учителя"})
    program = Program.objects.get()
    assert response.status_code == 302 and program.hours == 72
    bad = client.post(reverse("dpo:group_new", args=[program.pk]), {
        "name": "Группа 1", "starts_on": "10.09.2030", "ends_on": "06.09.2030", "capacity": "20", "status": "open"})
    assert bad.status_code == 400 and "Окончание обучения раньше начала" in bad.content.decode()
    assert not Group.objects.exists()
    client.post(reverse("dpo:group_new", args=[program.pk]), {
        "name": "Группа 1", "starts_on": "06.09.2030", "ends_on": "2030-09-10", "capacity": "20", "status": "open"})
    group = Group.objects.get()
    assert (group.capacity, group.ends_on.isoformat()) == (20, "2030-09-10")
    page = client.get(reverse("dpo:program", args=[program.pk])).content.decode()
    assert "06.09.2030 - 10.09.2030" in page


def test_teacher_cannot_open_the_centre(client):
    school = make_school()
    act_as(client, school.teacher, school.teacher_membership)
    assert client.get(reverse("dpo:centre")).status_code == 403
    assert client.get(reverse("dpo:programs")).status_code == 403


def test_xlsx_exports_of_the_lists(client):
    school = make_school()
    application = make_application(school=school, group=make_group(region=school.region), status=Status.APPROVED)
    act_as(client, school.director, school.director_membership)
    response = client.get(reverse("dpo:applications"), {"format": "xlsx", "status": Status.APPROVED})
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.values)
    assert rows[0][:3] == ("№ заявки", "Заявитель", "ОО")
    assert rows[1][0] == application.pk and rows[1][6] == "Подтверждена руководителем ОО"
    _centre_client(client, school.region)
    centre_rows = list(load_workbook(io.BytesIO(client.get(reverse("dpo:centre"), {"format": "xlsx"}).content)).active.values)
    assert centre_rows[1][0] == application.pk
    act_as(client, school.teacher, school.teacher_membership)
    group_rows = list(load_workbook(io.BytesIO(client.get(reverse("dpo:groups"), {"format": "xlsx"}).content)).active.values)
    assert group_rows[0][0] == "Группа" and len(group_rows) == 2


def _count(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, params or {}).status_code == 200
    return len(queries)


@pytest.mark.parametrize("who", ["director", "centre", "teacher_my", "teacher_groups"])
def test_list_pages_query_count_is_constant(client, who):
    """ARCHITECTURE rule 6: the query count does not grow with the rows."""
    school = make_school()
    groups = [make_group(region=school.region) for _ in range(3)]

    def add(n):
        for i in range(n):
            teacher, membership = make_member(role=Role.TEACHER, organisation=school.organisation)
            make_application(school=school, group=groups[i % 3], person=teacher.person, membership=membership,
                             status=Status.APPROVED)
        for group in groups:
            make_application(school=school, group=group, status=Status.CANCELLED)

    if who == "director":
        act_as(client, school.director, school.director_membership)
        url, params = reverse("dpo:applications"), {"q": "иванова"}
    elif who == "centre":
        _centre_client(client, school.region)
        url, params = reverse("dpo:centre"), {}
    elif who == "teacher_my":
        act_as(client, school.teacher, school.teacher_membership)
        url, params = reverse("dpo:my"), {}
    else:
        act_as(client, school.teacher, school.teacher_membership)
        url, params = reverse("dpo:groups"), {}
    add(2)
    _count(client, url, params)  # the first request of a session loads what later ones reuse
    small = _count(client, url, params)
    add(12)
    for _ in range(3):
        make_group(region=school.region)
    assert _count(client, url, params) == small


def test_r37_a_button_pressed_on_a_stale_page_is_refused(client):
    """The director's page showed «Не обработана», the applicant cancelled meanwhile: «Одобрить» is refused
    with what changed, and the attempt is in the history."""
    school = make_school()
    application = make_application(school=school, group=make_group(), status=Status.APPROVED)
    act_as(client, school.teacher, school.teacher_membership)
    client.post(reverse("dpo:my_cancel", args=[application.pk]), {"seen": Status.NEW})
    application.refresh_from_db()
    assert application.status == Status.APPROVED
    assert "изменилась, пока вы её смотрели" in Event.objects.get(application=application).reason


def test_renamed_program_is_found_by_its_new_name(client):
    """Search follows the centre's edits: the groups and the applications of a renamed program."""
    from sreda.dpo import services

    school = make_school()
    group = make_group(region=school.region, program_name="Старое название")
    application = make_application(school=school, group=group)
    centre = make_centre(school.region)
    program = group.program
    services.program_save(actor=centre, program=program, organisation=program.organisation, name="Наставничество в школе")
    act_as(client, school.teacher, school.teacher_membership)
    assert f'group-{group.pk}"' in client.get(reverse("dpo:groups"), {"q": "НАСТАВНИЧЕСТВО"}).content.decode()
    act_as(client, school.director, school.director_membership)
    found = client.get(reverse("dpo:applications"), {"q": "наставничество"}).content.decode()
    assert f'row-{application.pk}"' in found


def test_r2_a_teacher_without_a_director_role_is_told_who_adds_it(client):
    """Seed 001: «Если нет выбора роли „Руководитель ОО“» — the school's administrator attaches the director;
    then sign out and in again."""
    school = make_school()
    act_as(client, school.teacher, school.teacher_membership)
    text = client.get(reverse("dpo:applications")).content.decode()
    assert "Если нет выбора роли «Руководитель ОО»" in text and "Выйти" in text


@pytest.mark.parametrize("tab", ["details", "comments", "history"])
def test_card_tabs_query_count_does_not_grow_with_comments_and_history(client, tab):
    from sreda.dpo import services

    school = make_school()
    application = make_application(school=school, group=make_group())
    act_as(client, school.director, school.director_membership)
    url = reverse("dpo:card", args=[application.pk])

    def add(n):
        for i in range(n):
            services.comment_add(actor=school.as_director(), application=application, text=f"Комментарий {i}")

    add(1)
    _count(client, url, {"tab": tab})
    small = _count(client, url, {"tab": tab})
    add(10)
    assert _count(client, url, {"tab": tab}) == small
