"""R14 pages: the week's lessons with filters, adding/editing/deleting a lesson in the page (an edit
unpublishes), reporting periods, file import with its status, «Выгрузка МояШкола»; scope (R1)."""
from datetime import timedelta
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from sreda.core.testing import act_as, make_member, make_user
from sreda.library.models import ScheduleLesson, SchedulePublication
from sreda.library.tests.test_schedule_support import add_lesson, build_school, media  # noqa: F401
from sreda.orgs.models import ReportingPeriod
from sreda.people.models import Membership
from sreda.people.roles import Role

pytestmark = pytest.mark.django_db
URL = "/library/schedule/"


@pytest.fixture
def school(client):
    school = build_school()
    act_as(client, school.admin, school.admin_membership)
    return school


def lesson_post(school, **overrides):
    data = {"day": timezone.localdate().isoformat(), "number": "2", "school_class": school.school_class.pk,
            "subject": school.maths.pk, "teacher": school.petrova.pk}
    data.update(overrides)
    return data


def test_r14_week_page_lists_lessons_filters_and_counts_unpublished_changes(client, school):
    add_lesson(school, number=1)
    add_lesson(school, number=2, teacher=school.smirnov, published=True)
    add_lesson(school, day=timezone.localdate() + timedelta(days=7), number=3)
    page = client.get(URL).content.decode()
    assert "Петрова Мария Ивановна" in page and "Смирнов Иван Андреевич" in page
    assert "Неопубликованных изменений: 2" in page
    only_smirnov = client.get(URL, {"teacher": school.smirnov.pk}).content.decode()
    assert "<td>Смирнов Иван Андреевич</td>" in only_smirnov and "<td>Петрова Мария Ивановна</td>" not in only_smirnov
    next_week = client.get(URL, {"week": (timezone.localdate() + timedelta(days=7)).isoformat()}).content.decode()
    assert next_week.count("<td>Петрова Мария Ивановна</td>") == 1


def test_r14_add_edit_and_delete_a_lesson_in_the_page_an_edit_unpublishes(client, school):
    response = client.post(URL, lesson_post(school))
    assert response.status_code == 302
    lesson = ScheduleLesson.objects.get()
    assert (lesson.number, lesson.teacher, lesson.published_at) == (2, school.petrova, None)
    ScheduleLesson.objects.update(published_at=timezone.now())
    form = client.get(URL, {"edit": lesson.pk}).content.decode()
    assert "Изменить урок" in form
    response = client.post(URL, lesson_post(school, lesson=lesson.pk, teacher=school.smirnov.pk))
    assert response.status_code == 302
    lesson.refresh_from_db()
    assert lesson.teacher == school.smirnov and lesson.published_at is None
    assert ScheduleLesson.objects.count() == 1
    assert client.post(reverse("library:lesson_delete", args=[lesson.pk])).status_code == 302
    assert not ScheduleLesson.objects.exists()


def test_r14_only_teachers_and_classes_of_this_school_can_be_chosen(client, school):
    other = build_school(short_name="МБОУ СОШ № 9", snils=None)
    response = client.post(URL, lesson_post(school, teacher=other.petrova.pk, school_class=other.school_class.pk))
    page = response.content.decode()
    assert response.status_code == 400
    assert "Учитель не найден среди учителей этой школы." in page and "Класс не найден в этой школе." in page
    assert not ScheduleLesson.objects.exists()


def test_r1_school_a_admin_can_neither_see_nor_change_school_b_schedule(client, school):
    other = build_school(short_name="МБОУ СОШ № 9", snils=None)
    theirs = add_lesson(other, published=True)
    page = client.get(URL, {"edit": theirs.pk, "org": other.organisation.pk}).content.decode()
    assert "МБОУ СОШ № 9" not in page and "Изменить урок" not in page
    assert client.post(reverse("library:lesson_delete", args=[theirs.pk])).status_code == 404
    client.post(URL, lesson_post(school, lesson=theirs.pk))
    theirs.refresh_from_db()
    assert theirs.published_at is not None and theirs.number == 1
    row = SchedulePublication.objects.create(organisation=other.organisation)
    assert client.get(reverse("library:publication", args=[row.pk])).status_code == 404


def test_r14_a_teacher_gets_a_refusal_and_the_operator_works_with_org(client, school):
    teacher_user = make_user(person=school.petrova)
    act_as(client, teacher_user, Membership.objects.get(person=school.petrova))
    response = client.get(URL)
    assert response.status_code == 403 and "Расписание ведут администратор и руководитель ОО." in response.content.decode()
    operator = make_user(superuser=True)
    client.force_login(operator)
    session = client.session
    session["sreda_active_role"] = "operator"
    session.save()
    assert client.get(URL).status_code == 403
    response = client.get(URL, {"org": school.organisation.pk})
    assert response.status_code == 200 and school.organisation.short_name in response.content.decode()


def test_r14_week_page_query_count_does_not_grow_with_lessons(client, school):
    add_lesson(school)
    client.get(URL)  # the first request of a session does its one-off work (role, consent)
    with CaptureQueriesContext(connection) as few:
        client.get(URL)
    for number in range(2, 20):
        add_lesson(school, number=number, teacher=school.smirnov if number % 2 else school.petrova)
    with CaptureQueriesContext(connection) as many:
        client.get(URL)
    assert len(many) == len(few)


def test_r14_reporting_periods_add_edit_and_refuse_overlap_or_reversed_dates(client, school):
    url = reverse("library:periods")
    year = school.year
    ReportingPeriod.objects.all().delete()
    ok = client.post(url, {"title": "1 четверть", "start": year.start.isoformat(),
                           "end": (year.start + timedelta(days=60)).isoformat()})
    assert ok.status_code == 302
    overlap = client.post(url, {"title": "Пересекается", "start": (year.start + timedelta(days=30)).isoformat(),
                                "end": (year.start + timedelta(days=90)).isoformat()})
    assert overlap.status_code == 400 and "пересекается с периодом «1 четверть»" in overlap.content.decode()
    reversed_ = client.post(url, {"title": "Наоборот", "start": (year.start + timedelta(days=100)).isoformat(),
                                  "end": (year.start + timedelta(days=90)).isoformat()})
    assert "Окончание периода не может быть раньше начала." in reversed_.content.decode()
    period = ReportingPeriod.objects.get()
    client.post(url, {"period": period.pk, "title": "I четверть", "start": year.start.isoformat(),
                      "end": (year.start + timedelta(days=55)).isoformat()})
    period.refresh_from_db()
    assert period.title == "I четверть" and ReportingPeriod.objects.count() == 1
    assert "I четверть" in client.get(url).content.decode()


def test_r14_upload_on_the_page_shows_progress_and_result_and_htmx_gets_the_partial(client, school, media):
    text = ("Дата;Урок №;Класс;Предмет;Учитель\n"
            f"{timezone.localdate():%d.%m.%Y};1;5А;Математика;Петрова Мария Ивановна\n")
    upload = SimpleUploadedFile("расписание.csv", text.encode("cp1251"), content_type="text/csv")
    response = client.post(reverse("library:schedule_import"), {"file": upload})
    assert response.status_code == 302
    detail = client.get(response["Location"]).content.decode()
    assert "Загрузка завершена" in detail and "Новых уроков" in detail
    partial = client.get(response["Location"], HTTP_HX_REQUEST="true").content.decode()
    assert partial.startswith('<section id="import-status"') and 'value="100"' in partial
    assert ScheduleLesson.objects.count() == 1


def test_r14_a_bad_file_on_the_page_lists_errors_and_changes_nothing(client, school, media):
    text = "Дата,Урок №,Класс,Предмет,Учитель\n32.13.2025,1,5А,Математика,Петрова Мария Ивановна\n"
    response = client.post(reverse("library:schedule_import"),
                           {"file": SimpleUploadedFile("bad.csv", text.encode(), content_type="text/csv")})
    detail = client.get(response["Location"]).content.decode()
    assert "Ошибки — ничего не загружено" in detail and "ожидается ДД.ММ.ГГГГ" in detail
    assert not ScheduleLesson.objects.exists()
    wrong = client.post(reverse("library:schedule_import"),
                        {"file": SimpleUploadedFile("photo.png", b"\x89PNG", content_type="image/png")})
    assert wrong.status_code == 400 and "не подходит" in wrong.content.decode()


def test_r14_publish_from_the_page_shows_100_percent_and_the_schedule_shows_the_last_run(client, school):
    add_lesson(school)
    response = client.post(reverse("library:schedule_publish"))
    assert response.status_code == 302
    status = client.get(response["Location"]).content.decode()
    assert "100%" in status and "Выгружено 1 урок в библиотеку." in status
    partial = client.get(response["Location"], HTTP_HX_REQUEST="true").content.decode()
    assert partial.startswith('<section id="publication-status"') and "hx-get" not in partial
    page = client.get(URL).content.decode()
    assert "Последняя выгрузка МояШкола" in page and "Неопубликованных изменений: 0" in page


def test_r14_the_operator_works_on_a_school_named_by_org_in_every_form(client):
    school = build_school()
    operator = make_user(superuser=True)
    client.force_login(operator)
    session = client.session
    session["sreda_active_role"] = "operator"
    session.save()
    response = client.post(URL, {**lesson_post(school), "org": school.organisation.pk})
    assert response.status_code == 302 and f"org={school.organisation.pk}" in response["Location"]
    lesson = ScheduleLesson.objects.get(organisation=school.organisation)
    page = client.get(response["Location"]).content.decode()
    assert f'name="org" value="{school.organisation.pk}"' in page
    response = client.post(reverse("library:schedule_publish"), {"org": school.organisation.pk})
    assert client.get(response["Location"]).status_code == 200
    lesson.refresh_from_db()
    assert lesson.published_at is not None


def test_r14_week_export_is_an_xlsx_with_the_lessons(client, school):
    from openpyxl import load_workbook

    add_lesson(school)
    response = client.get(reverse("library:schedule_export"))
    sheet = load_workbook(BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:5] == ("Дата", "Урок №", "Класс", "Предмет", "Учитель")
    assert rows[1][2:5] == ("5А", "Математика", "Петрова Мария Ивановна")


def test_r14_director_may_manage_the_schedule_too(client):
    school = build_school()
    user, membership = make_member(role=Role.DIRECTOR, organisation=school.organisation)
    act_as(client, user, membership)
    assert client.get(URL).status_code == 200
