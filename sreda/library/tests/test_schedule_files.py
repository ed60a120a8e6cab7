"""R14: schedule files — plain CSV (UTF-8/Windows-1251, «,»/«;») and XLSX, OneRoster lessons.csv; every
error by line and column; a bad file changes nothing; re-importing the same file changes nothing."""
import io
import zipfile
from datetime import datetime

import pytest
from django.utils import timezone

from sreda.core import active_role as ar
from sreda.core.testing import make_membership, make_person
from sreda.library.models import LessonSource, ScheduleLesson
from sreda.library.schedule_files import schedule_import
from sreda.library.tests.test_schedule_support import PETROVA_SNILS, add_lesson, build_school
from sreda.people.roles import Role

pytestmark = pytest.mark.django_db


def admin_role(school):
    return ar.for_membership(school.admin_membership, user=school.admin)


def run(school, text_or_bytes, name="schedule.csv", encoding="utf-8"):
    data = text_or_bytes.encode(encoding) if isinstance(text_or_bytes, str) else text_or_bytes
    return schedule_import(actor=admin_role(school), organisation=school.organisation, data=data, file_name=name)


def today_dotted():
    return timezone.localdate().strftime("%d.%m.%Y")


def test_r14_utf8_comma_csv_with_both_date_forms_creates_lessons_and_reimport_changes_nothing():
    school = build_school()
    iso = timezone.localdate().isoformat()
    text = ("Дата,Урок №,Класс,Предмет,Учитель\n"
            f"{today_dotted()},1,5А,Математика,Петрова Мария Ивановна\n"
            f"{iso},2,5 а,русский язык,смирнов иван андреевич\n")
    first = run(school, text)
    assert first.as_dict() == {"created": 2, "updated": 0, "unchanged": 0, "errors": []}
    lessons = list(ScheduleLesson.objects.filter(organisation=school.organisation).order_by("number"))
    assert [(l.number, l.subject.name, l.teacher.surname, l.source) for l in lessons] == [
        (1, "Математика", "Петрова", LessonSource.FILE), (2, "Русский язык", "Смирнов", LessonSource.FILE)]
    again = run(school, text)
    assert again.as_dict() == {"created": 0, "updated": 0, "unchanged": 2, "errors": []}
    assert ScheduleLesson.objects.filter(organisation=school.organisation).count() == 2


def test_r14_windows1251_semicolon_csv_with_snils_column():
    school = build_school()
    text = ("Дата;Урок №;Класс;Предмет;СНИЛС учителя\r\n"
            f"{today_dotted()};3;5А;Математика;112-233-445 95\r\n")
    result = run(school, text, encoding="cp1251")
    assert result.errors == [] and result.created == 1
    assert ScheduleLesson.objects.get(organisation=school.organisation).teacher == school.petrova


def test_r14_xlsx_with_date_cells_and_text_dates():
    from openpyxl import Workbook

    school = build_school()
    book = Workbook()
    sheet = book.active
    sheet.append(["Дата", "Урок №", "Класс", "Предмет", "Учитель"])
    today = timezone.localdate()
    sheet.append([datetime(today.year, today.month, today.day), 1, "5А", "Математика", "Петрова Мария Ивановна"])
    sheet.append([today_dotted(), None, "5А", "Математика", "Смирнов Иван"])
    out = io.BytesIO()
    book.save(out)
    result = run(school, out.getvalue(), name="расписание.xlsx")
    assert result.errors == [] and result.created == 2
    assert set(ScheduleLesson.objects.values_list("number", flat=True)) == {1, None}


def test_r14_every_error_kind_is_reported_by_line_and_column_and_nothing_is_written():
    school = build_school()
    # a namesake teacher makes «Смирнов Иван Андреевич» ambiguous
    namesake = make_person(surname="Смирнов", name="Иван", patronymic="Андреевич")
    make_membership(person=namesake, role=Role.TEACHER, organisation=school.organisation)
    text = ("Дата;Урок №;Класс;Предмет;Учитель;СНИЛС учителя\n"
            f"{today_dotted()};1;5А;Математика;Петрова Мария Ивановна;\n"  # fine, but the file fails as a whole
            "31.02.2025;1;5А;Математика;Петрова Мария Ивановна;\n"
            f"{today_dotted()};девять;5А;Математика;Петрова Мария Ивановна;\n"
            f"{today_dotted()};1;9Я;Математика;Петрова Мария Ивановна;\n"
            f"{today_dotted()};1;5А;Астрология;Петрова Мария Ивановна;\n"
            f"{today_dotted()};1;5А;Математика;Сидоров Пётр;\n"
            f"{today_dotted()};1;5А;Математика;Смирнов Иван Андреевич;\n"
            f"{today_dotted()};1;5А;Математика;;000-000-000 00\n"
            f"{today_dotted()};1;пятый;Математика;Петрова Мария Ивановна;\n")
    result = run(school, text)
    found = {(e["line"], e["column"]) for e in result.errors}
    assert (3, "Дата") in found and (4, "Урок №") in found and (10, "Класс") in found
    assert not ScheduleLesson.objects.exists()
    # the cell errors stop the file before matching; the matching errors show once cells are fine
    result = run(school, "\n".join(text.splitlines()[:1] + text.splitlines()[4:9]) + "\n")
    reasons = {(e["line"], e["column"]): e["reason"] for e in result.errors}
    assert "класса «9Я» нет" in reasons[(2, "Класс")]
    assert "предмет «Астрология» не найден" in reasons[(3, "Предмет")]
    assert "не найден среди учителей школы" in reasons[(4, "Учитель")]
    assert "несколько учителей с таким ФИО" in reasons[(5, "Учитель")]
    assert "СНИЛС" in reasons[(6, "СНИЛС учителя")]
    assert result.created == 0 and not ScheduleLesson.objects.exists()


def test_r14_missing_columns_and_unreadable_files_are_refused_with_a_reason():
    school = build_school()
    result = run(school, "Дата,Класс\n01.12.2025,5А\n")
    assert result.errors[0]["line"] == 1 and "«Предмет»" in result.errors[0]["reason"]
    result = run(school, b"PK\x03\x04 broken", name="lessons.xlsx")
    assert result.errors[0]["reason"].startswith("Файл не принят")
    result = run(school, "Дата,Урок №,Класс,Предмет,Учитель\n")
    assert result.errors[0]["reason"] == "В файле нет ни одного урока."
    assert not ScheduleLesson.objects.exists()


def _zip(lessons_csv: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("lessons.csv", lessons_csv)
    return out.getvalue()


def test_r14_oneroster_lessons_in_a_zip_match_external_ids_and_a_changed_row_is_updated_and_unpublished():
    school = build_school(external="or-")
    iso = timezone.localdate().isoformat()
    text = ("sourcedId,date,classSourcedId,subject,teacherSourcedId\n"
            f"L1,{iso},or-cls-5a,Математика,or-t-petrova\n"
            f"L2,{iso},or-cls-5a,Русский язык,or-t-petrova\n")
    assert run(school, _zip(text), name="oneroster.zip").as_dict() == {
        "created": 2, "updated": 0, "unchanged": 0, "errors": []}
    ScheduleLesson.objects.update(published_at=timezone.now())
    assert run(school, text, name="lessons.csv").as_dict()["unchanged"] == 2
    changed = text.replace("L2,{0},or-cls-5a,Русский язык".format(iso), "L2,{0},or-cls-5a,Математика".format(iso))
    assert run(school, changed, name="lessons.csv").as_dict() == {
        "created": 0, "updated": 1, "unchanged": 1, "errors": []}
    lesson = ScheduleLesson.objects.get(external_id="L2")
    assert lesson.subject == school.maths and lesson.published_at is None and lesson.source == LessonSource.ONEROSTER
    assert ScheduleLesson.objects.get(external_id="L1").published_at is not None


def test_r14_oneroster_unknown_ids_are_errors_by_column():
    school = build_school(external="or-")
    iso = timezone.localdate().isoformat()
    text = ("sourcedId,date,classSourcedId,subject,teacherSourcedId\n"
            f"L1,{iso},nope,Математика,or-t-petrova\n"
            f"L2,{iso},or-cls-5a,Математика,ghost\n"
            f",{iso},or-cls-5a,Математика,or-t-petrova\n")
    result = run(school, _zip(text), name="oneroster.zip")
    assert {(e["line"], e["column"]) for e in result.errors} == {(4, "sourcedId")}
    result = run(school, "\n".join(text.splitlines()[:3]) + "\n", name="lessons.csv")
    assert {(e["line"], e["column"]) for e in result.errors} == {(2, "classSourcedId"), (3, "teacherSourcedId")}
    assert not ScheduleLesson.objects.exists()


def test_r14_import_keeps_lessons_of_another_school_untouched():
    school = build_school()
    other = build_school(short_name="МБОУ СОШ № 8", snils=None)
    theirs = add_lesson(other, published=True)
    run(school, f"Дата,Класс,Предмет,СНИЛС учителя\n{today_dotted()},5А,Математика,{PETROVA_SNILS}\n")
    theirs.refresh_from_db()
    assert theirs.published_at is not None
    assert ScheduleLesson.objects.filter(organisation=other.organisation).count() == 1
