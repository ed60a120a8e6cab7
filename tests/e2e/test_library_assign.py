"""R18 in a real browser: a teacher with library access (R15) opens a catalogue lesson, «Назначить классу»,
assigns it to their class as homework; a student of the class signs in, finds it in «Мои задания» and opens
it; the teacher opens the assignment and sees the student's opening."""
import pytest
from playwright.sync_api import expect

from sreda.core.testing import DEFAULT_PASSWORD
from sreda.library.models import AssignmentView, CatalogueItem, Course
from sreda.library.tests.builders import school_class, student_in_class, teacher_with_access
from sreda.orgs.models import Subject
from tests.e2e.steps import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def sign_out(page):
    page.get_by_role("button", name="Выйти").click()


def test_r18_assign_as_homework_student_opens_teacher_sees_the_opening(browser_page):
    page = browser_page
    teacher, membership = teacher_with_access(subjects=["Математика"])
    school = membership.organisation
    klass = school_class(school)  # 5А: the class of the teacher's lessons
    student, _ = student_in_class(klass)
    subject = Subject.objects.get(name="Математика")
    course = Course.objects.create(title="Математика. 5 класс", subject=subject, grade=5)
    item = CatalogueItem.objects.create(course=course, title="Сложение дробей", grade=5, subject=subject,
                                        content_types="classwork homework", body="<p>Сложите 1/2 и 1/3.</p>")

    # The teacher enters the library (R19 «вошли»), opens the lesson and assigns it to 5А as homework.
    sign_in(page, teacher.username, DEFAULT_PASSWORD)
    page.get_by_role("button", name=f"Учитель — {school.short_name}").click()
    page.get_by_role("navigation").get_by_role("link", name="Библиотека").click()
    expect(page.get_by_test_id("library-allowed")).to_be_visible()
    page.goto(f"/library/catalogue/{item.pk}/")
    page.get_by_role("link", name="Назначить классу").click()
    expect(page.get_by_role("heading", name="Назначить классу")).to_be_visible()
    page.get_by_label("5А").check()
    page.get_by_label("Домашняя работа").check()
    page.get_by_role("button", name="Назначить").click()
    expect(page.locator(".messages")).to_contain_text("Урок «Сложение дробей» назначен классу 5А (домашняя работа)")
    row = page.get_by_test_id("assignment-row")
    expect(row).to_have_count(1)
    expect(row.get_by_test_id("opened")).to_have_text("0 из 1")
    sign_out(page)

    # The student sees it in «Мои задания», new, and opens it.
    sign_in(page, student.username, DEFAULT_PASSWORD)
    page.get_by_role("button", name=f"Обучающийся — {school.short_name}").click()
    page.goto("/library/my-assignments/")
    expect(page.get_by_role("heading", name="Мои задания")).to_be_visible()
    mine = page.get_by_test_id("my-assignment-row")
    expect(mine).to_have_count(1)
    expect(mine.get_by_test_id("status")).to_have_text("новый")
    mine.get_by_role("link", name="Сложение дробей").click()
    expect(page.get_by_test_id("lesson-body")).to_contain_text("Сложите 1/2 и 1/3.")
    page.get_by_role("link", name="← Мои задания").click()
    expect(page.get_by_test_id("my-assignment-row").get_by_test_id("status")).to_have_text("открыт")
    assert AssignmentView.objects.filter(student=student.person).count() == 1
    sign_out(page)

    # The teacher sees who opened it and when.
    sign_in(page, teacher.username, DEFAULT_PASSWORD)
    page.get_by_role("button", name=f"Учитель — {school.short_name}").click()
    page.goto("/library/assignments/")
    expect(page.get_by_test_id("opened")).to_have_text("1 из 1")
    page.get_by_role("link", name="Сложение дробей").click()
    opening = page.get_by_test_id("opening-row")
    expect(opening).to_have_count(1)
    expect(opening).to_contain_text(student.person.full_name)
    expect(page.get_by_test_id("opened-summary")).to_have_text("1 из 1")
