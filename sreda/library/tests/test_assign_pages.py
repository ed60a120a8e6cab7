"""R18 through the pages: a teacher with library access (R15) assigns a catalogue lesson to a class they
teach; the class's students see it in «Мои задания» and open it; every opening is recorded; the teacher sees
who opened it and when."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sreda.access.models import AccessGroupMember
from sreda.core.models import AuditEntry
from sreda.core.testing import act_as, make_member
from sreda.library.assignments import school_today
from sreda.library.models import Assignment, AssignmentView, CatalogueItem, Course
from sreda.library.tests.builders import school_class, student_in_class, teacher_with_access
from sreda.orgs.models import Subject
from sreda.people.roles import Role

pytestmark = pytest.mark.django_db


def make_item(subject: str = "Математика", grade: int = 5, **kw) -> CatalogueItem:
    subj, _ = Subject.objects.get_or_create(name=subject, defaults={"supported": True})
    course = Course.objects.create(title=f"{subject} {grade}", subject=subj, grade=grade)
    return CatalogueItem.objects.create(course=course, title=kw.pop("title", "Обыкновенные дроби"), grade=grade,
                                        subject=subj, **kw)


@pytest.fixture
def teacher():
    user, membership = teacher_with_access()
    return user, membership, school_class(membership.organisation)  # 5А: the class of their lessons


def post_assign(client, item, **data):
    return client.post(reverse("library:assign", args=[item.pk]), data)


def test_r18_teacher_assigns_to_own_class_as_homework(client, teacher):
    """R18: the form offers the teacher's class; the assignment is stored, audited, and listed."""
    user, membership, klass = teacher
    item = make_item()
    act_as(client, user, membership)
    page = client.get(reverse("library:assign", args=[item.pk]))
    assert page.status_code == 200
    assert "5А" in page.content.decode() and "Домашняя работа" in page.content.decode()
    day = school_today(membership.organisation) + timedelta(days=1)
    response = post_assign(client, item, school_class=klass.pk, kind="homework", day=day.strftime("%d.%m.%Y"))
    assert response.status_code == 302 and response["Location"] == reverse("library:assignments")
    assignment = Assignment.objects.get()
    assert (assignment.school_class, assignment.kind, assignment.day, assignment.teacher) == (
        klass, "homework", day, user.person)
    assert AuditEntry.objects.filter(action="library.assignment_create", object_id=str(assignment.pk)).exists()
    listing = client.get(reverse("library:assignments")).content.decode()
    assert "Обыкновенные дроби" in listing and "0 из 0" in listing


def test_r18_class_they_do_not_teach_is_refused_and_nothing_stored(client, teacher):
    """R18: only classes of the teacher's lessons; another class of the same school → a Russian error."""
    user, membership, _ = teacher
    other = school_class(membership.organisation, grade=6, letter="Б")
    act_as(client, user, membership)
    response = post_assign(client, make_item(), school_class=other.pk, kind="classwork",
                           day=school_today(membership.organisation).strftime("%d.%m.%Y"))
    assert response.status_code == 400
    assert "Вы не ведёте уроки в классе «6Б»" in response.content.decode()
    assert not Assignment.objects.exists()


def test_r18_date_in_the_past_or_unreadable_is_refused(client, teacher):
    """R18: today or later; a past date and garbage get clear messages; nothing stored."""
    user, membership, klass = teacher
    act_as(client, user, membership)
    yesterday = school_today(membership.organisation) - timedelta(days=1)
    response = post_assign(client, make_item(), school_class=klass.pk, kind="homework",
                           day=yesterday.strftime("%d.%m.%Y"))
    assert response.status_code == 400 and "уже прошла" in response.content.decode()
    response = post_assign(client, make_item(), school_class=klass.pk, kind="контрольная", day="завтра")
    text = response.content.decode()
    assert response.status_code == 400 and "Укажите дату" in text and "Выберите вид работы" in text
    assert not Assignment.objects.exists()


def test_r15_refused_teacher_sees_every_reason_and_cannot_assign(client, teacher):
    """R15/R18: a teacher removed from «Педагоги. Доступ к УБ ЦОК» is told why and nothing is stored."""
    user, membership, klass = teacher
    AccessGroupMember.objects.filter(person=user.person).delete()
    act_as(client, user, membership)
    item = make_item()
    page = client.get(reverse("library:assign", args=[item.pk]))
    assert page.status_code == 403
    assert 'data-code="not_in_access_group"' in page.content.decode()
    response = post_assign(client, item, school_class=klass.pk, kind="homework",
                           day=school_today(membership.organisation).strftime("%d.%m.%Y"))
    assert response.status_code == 403 and not Assignment.objects.exists()


def test_r15_course_of_a_subject_they_do_not_teach_is_refused(client, teacher):
    """R15 item 6: a Physics lesson for a Mathematics teacher cannot be assigned."""
    user, membership, klass = teacher
    act_as(client, user, membership)
    response = post_assign(client, make_item(subject="Физика"), school_class=klass.pk, kind="homework",
                           day=school_today(membership.organisation).strftime("%d.%m.%Y"))
    assert response.status_code == 403 and 'data-code="subject_not_supported"' in response.content.decode()
    assert not Assignment.objects.exists()


def test_r1_a_director_cannot_assign(client, teacher):
    """R1: assigning needs the active role «Учитель»."""
    _, membership, _ = teacher
    director, role = make_member(role=Role.DIRECTOR, organisation=membership.organisation)
    act_as(client, director, role)
    assert client.get(reverse("library:assign", args=[make_item().pk])).status_code == 403


def assign(teacher_user, klass, item=None) -> Assignment:
    org = klass.organisation
    return Assignment.objects.create(item=item or make_item(), organisation=org, school_class=klass,
                                     teacher=teacher_user.person, kind="homework", day=school_today(org))


def test_r18_student_sees_only_own_class_and_another_class_is_404(client, teacher):
    """R18: «Мои задания» lists the class's lessons only; another class's assignment is «not found»."""
    user, membership, klass = teacher
    mine = assign(user, klass, make_item(title="Наш урок"))
    theirs = assign(user, school_class(membership.organisation, grade=6, letter="Б"), make_item(title="Чужой урок"))
    student, role = student_in_class(klass)
    act_as(client, student, role)
    page = client.get(reverse("library:my_assignments")).content.decode()
    assert "Наш урок" in page and "Чужой урок" not in page and "новый" in page
    assert client.get(reverse("library:open_assignment", args=[theirs.pk])).status_code == 404
    assert not AssignmentView.objects.exists()
    assert client.get(reverse("library:open_assignment", args=[mine.pk])).status_code == 200


def test_r18_each_opening_is_recorded_and_the_teacher_sees_it(client, teacher):
    """R18: two openings are two rows; the list marks it opened; the teacher's detail shows 2 openings."""
    user, membership, klass = teacher
    assignment = assign(user, klass, make_item(body="<p>Текст урока</p>", content_types="classwork summary"))
    student, role = student_in_class(klass)
    student_in_class(klass)  # a classmate who did not open it
    act_as(client, student, role)
    first = client.get(reverse("library:open_assignment", args=[assignment.pk])).content.decode()
    assert "Текст урока" in first and "Конспект" in first
    client.get(reverse("library:open_assignment", args=[assignment.pk]))
    assert AssignmentView.objects.filter(assignment=assignment, student=student.person).count() == 2
    assert "открыт" in client.get(reverse("library:my_assignments")).content.decode()
    act_as(client, user, membership)
    assert "1 из 2" in client.get(reverse("library:assignments")).content.decode()
    detail = client.get(reverse("library:assignment", args=[assignment.pk])).content.decode()
    assert student.person.full_name in detail and "не открывал(а)" in detail and "1 из 2" in detail


def test_r18_a_teacher_cannot_see_another_teachers_assignment(client, teacher):
    """Another teacher of the same school gets «not found» for someone else's assignment."""
    user, membership, klass = teacher
    assignment = assign(user, klass)
    other, other_role = teacher_with_access(organisation=membership.organisation)
    act_as(client, other, other_role)
    assert client.get(reverse("library:assignment", args=[assignment.pk])).status_code == 404


def test_r18_assignment_list_filters_and_constant_queries(client, teacher):
    """The list filters by class; its query count does not grow with rows (no N+1)."""
    user, membership, klass = teacher
    act_as(client, user, membership)
    assign(user, klass)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("library:assignments")).status_code == 200
        return len(ctx)

    queries()  # the first request of a session reads what later ones find cached
    few = queries()
    for _ in range(6):
        assignment = assign(user, klass)
        AssignmentView.objects.create(assignment=assignment, student=student_in_class(klass)[0].person,
                                      organisation=klass.organisation)
    assert queries() == few
    other = school_class(membership.organisation, grade=6, letter="Б")
    filtered = client.get(reverse("library:assignments"), {"class": other.pk}).content.decode()
    assert "Назначенных уроков нет по этим фильтрам" in filtered


def test_r18_lesson_body_is_shown_without_scripts(client, teacher):
    """The lesson's HTML reaches the student cleaned: text stays, a script does not."""
    user, membership, klass = teacher
    assignment = assign(user, klass, make_item(body="<p>Решите №5</p><script>alert(1)</script>"))
    student, role = student_in_class(klass)
    act_as(client, student, role)
    html = client.get(reverse("library:open_assignment", args=[assignment.pk])).content.decode()
    assert "Решите №5" in html and "alert(1)" not in html
