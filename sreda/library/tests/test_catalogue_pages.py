"""The catalogue pages (R15–R17): a refused teacher sees reasons, a teacher with access searches, filters,
opens a lesson and its file, keeps favourites; students open only what was assigned to their class."""
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sreda.core.testing import act_as, active_role_of, make_member, make_organisation
from sreda.library.catalogue import ItemData, item_save
from sreda.library.models import Assignment, Favourite
from sreda.library.tests.builders import (
    make_course, make_item, school_class, student_in_class, teacher_with_access,
)
from sreda.library.tests.test_catalogue_uploads import PDF_BYTES
from sreda.people.models import Confirmation
from sreda.people.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def teacher(client):
    user, membership = teacher_with_access(subjects=["Математика"])
    act_as(client, user, membership)
    return user, membership


@pytest.fixture
def items():
    math5 = make_course("Математика", 5)
    return {
        "fractions": make_item(math5, "Сложение дробей", 1, "classwork homework",
                               body='<p>Дроби</p><script>alert("x")</script><a href="javascript:alert(1)">ссылка</a>'),
        "decimals": make_item(make_course("Математика", 6), "Десятичные дроби", 2, "trainer"),
        "physics": make_item(make_course("Физика", 7), "Равномерное движение", 1, "presentation"),
    }


def test_r15_refused_teacher_sees_reasons_not_the_catalogue(client, items):
    organisation = make_organisation()
    user, membership = make_member(role=Role.TEACHER, organisation=organisation, confirmation=Confirmation.CONFIRMED)
    act_as(client, user, membership)
    response = client.get(reverse("library:catalogue"))
    assert response.status_code == 403
    text = response.content.decode()
    assert "У вас нет доступа к платформе" in text and "Педагоги. Доступ к УБ ЦОК" in text
    assert "Сложение дробей" not in text


def test_r17_teacher_searches_and_filters(client, teacher, items):
    page = client.get(reverse("library:catalogue"), {"q": "дроби"}).content.decode()
    assert "Сложение дробей" in page and "Десятичные дроби" in page and "Равномерное движение" not in page
    assert "Найдено 2 урока" in page and "Показано 1–2 из 2" in page and "Введите название" in page
    for label in ("Класс", "Предмет", "Урок", "Классная работа", "Для инофонов", "Избранное", "Заказ"):
        assert label in page
    page = client.get(reverse("library:catalogue"), {"q": "дроби", "grade": 6, "content_type": "trainer"}).content.decode()
    assert "Десятичные дроби" in page and "Сложение дробей" not in page
    page = client.get(reverse("library:catalogue"), {"q": "интеграл"}).content.decode()
    assert "ничего не найдено" in page


def test_r17_htmx_search_returns_only_the_results(client, teacher, items):
    response = client.get(reverse("library:catalogue"), {"q": "движение"}, HTTP_HX_REQUEST="true")
    text = response.content.decode()
    assert "<html" not in text and "Равномерное движение" in text


def test_catalogue_page_queries_do_not_grow_with_results(client, teacher):
    course = make_course("Математика", 5)
    make_item(course, "Урок 1")
    client.get(reverse("library:catalogue"))  # warm the per-process caches (session, FTS probe)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("library:catalogue"))
    for n in range(2, 21):
        make_item(course, f"Урок {n}", n)
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("library:catalogue"))
    assert len(many) == len(few)


def test_r17_item_page_shows_sanitised_body(client, teacher, items):
    text = client.get(reverse("library:item", args=[items["fractions"].pk])).content.decode()
    assert "<p>Дроби</p>" in text and "alert" not in text and "javascript:" not in text
    assert "Классная работа, Домашняя работа" in text and "В избранное" in text


def test_r15_condition_6_course_of_a_subject_not_taught(client, teacher, items):
    response = client.get(reverse("library:item", args=[items["physics"].pk]))
    assert response.status_code == 403 and "Физика" in response.content.decode()


def test_r17_favourite_toggle_and_list(client, teacher, items):
    user, _ = teacher
    url = reverse("library:favourite", args=[items["fractions"].pk])
    response = client.post(url, HTTP_HX_REQUEST="true")
    assert "В избранном" in response.content.decode()
    assert Favourite.objects.filter(person=user.person).count() == 1
    assert "Сложение дробей" in client.get(reverse("library:favourites")).content.decode()
    client.post(url)
    assert not Favourite.objects.exists()
    assert "пока ничего нет" in client.get(reverse("library:favourites")).content.decode()


def test_favourite_needs_post(client, teacher, items):
    assert client.get(reverse("library:favourite", args=[items["fractions"].pk])).status_code == 405


@pytest.fixture
def item_with_file(settings, tmp_path):
    from sreda.core.active_role import system_operator

    settings.MEDIA_ROOT = tmp_path
    course = make_course("Математика", 5)
    return item_save(actor=system_operator(), data=ItemData(course=course, position=3, title="Задачи на дроби",
                                                            content_types=["homework"]),
                     file=SimpleUploadedFile("задачи.pdf", PDF_BYTES))


def test_item_file_served_as_attachment_to_teacher_with_access(client, teacher, item_with_file):
    response = client.get(reverse("library:item_file", args=[item_with_file.pk]))
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF_BYTES
    assert response["X-Content-Type-Options"] == "nosniff" and "attachment" in response["Content-Disposition"]
    assert response["Content-Type"] == "application/pdf"


def test_r18_item_file_for_student_of_an_assigned_class_only(client, item_with_file):
    teacher_user, membership = teacher_with_access()
    klass = school_class(membership.organisation)
    student, student_membership = student_in_class(klass)
    other, other_membership = student_in_class(school_class(membership.organisation, grade=6))
    Assignment.objects.create(item=item_with_file, organisation=membership.organisation, school_class=klass,
                              teacher=teacher_user.person, kind="homework", day=klass.school_year.start)
    act_as(client, other, other_membership)
    assert client.get(reverse("library:item_file", args=[item_with_file.pk])).status_code == 404
    act_as(client, student, student_membership)
    assert client.get(reverse("library:item_file", args=[item_with_file.pk])).status_code == 200


def test_refused_teacher_cannot_fetch_the_file(client, item_with_file):
    user, membership = make_member(role=Role.TEACHER, organisation=make_organisation())
    act_as(client, user, membership)
    assert client.get(reverse("library:item_file", args=[item_with_file.pk])).status_code == 404


def test_r19_entering_the_catalogue_counts_as_a_visit(client, teacher):
    from sreda.library.models import LibraryVisit

    user, membership = teacher
    client.get(reverse("library:catalogue"))
    client.get(reverse("library:catalogue"), {"q": "дроби"})
    assert LibraryVisit.objects.filter(person=user.person, organisation=membership.organisation).count() == 1


def test_favourites_page_queries_do_not_grow(client, teacher):
    user, _ = teacher
    course = make_course("Математика", 5)
    Favourite.objects.create(person=user.person, item=make_item(course, "Урок 0"))
    client.get(reverse("library:favourites"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("library:favourites"))
    for n in range(1, 15):
        Favourite.objects.create(person=user.person, item=make_item(course, f"Урок {n}", n + 1))
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("library:favourites"))
    assert len(many) == len(few)


def test_orders_page_queries_do_not_grow(client, teacher):
    from sreda.library.orders import order_create

    user, membership = teacher
    actor = active_role_of(user, membership)
    order_create(actor=actor, organisation=membership.organisation, course=make_course(title="Курс 0"))
    client.get(reverse("library:orders"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("library:orders"))
    for n in range(1, 12):
        order_create(actor=actor, organisation=membership.organisation, course=make_course(title=f"Курс {n}"))
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("library:orders"))
    assert len(many) == len(few)
