"""The operator's catalogue pages (MANAGE_CATALOGUE, R16–R17): only the platform operator gets in; items are
saved sanitised, files checked by content, subjects toggled."""
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from sreda.core import active_role as ar
from sreda.core.testing import act_as, make_member, make_organisation, make_user
from sreda.library.models import CatalogueItem
from sreda.library.tests.builders import make_course, make_item, teacher_with_access
from sreda.library.tests.test_catalogue_uploads import PDF_BYTES
from sreda.orgs.models import Subject
from sreda.people.roles import Role

pytestmark = pytest.mark.django_db

PAGES = ["library:catalogue_manage", "library:catalogue_export", "library:catalogue_item_create", "library:catalogue_course_create",
         "library:catalogue_import", "library:catalogue_subjects", "library:orders_manage"]


def as_operator(client):
    user = make_user(superuser=True)
    client.force_login(user)
    session = client.session
    session[ar.SESSION_KEY] = ar.PLATFORM_OPERATOR
    session.save()
    return user


@pytest.mark.parametrize("name", PAGES)
def test_management_is_operator_only(client, name):
    user, membership = make_member(role=Role.DIRECTOR, organisation=make_organisation(), confirmation="confirmed")
    act_as(client, user, membership)
    response = client.get(reverse(name))
    assert response.status_code == 403 and "Каталог библиотеки ведёт оператор платформы" in response.content.decode()
    teacher, teacher_membership = teacher_with_access()
    act_as(client, teacher, teacher_membership)
    assert client.get(reverse(name)).status_code == 403
    as_operator(client)
    assert client.get(reverse(name)).status_code == 200


def test_operator_creates_item_with_sanitised_body(client):
    as_operator(client)
    course = make_course("Математика", 5)
    response = client.post(reverse("library:catalogue_item_create"), {
        "course": course.pk, "position": 4, "title": "  Деление   дробей ", "content_types": ["summary", "ovz"],
        "body": '<p style="x" onclick="y">Правило</p><script>steal()</script>', "external_id": "m5-4"})
    assert response.status_code == 302
    item = CatalogueItem.objects.get(external_id="m5-4")
    assert (item.title, item.body, item.content_types, item.grade, item.subject.name) == (
        "Деление дробей", "<p>Правило</p>", "summary ovz", 5, "Математика")


def test_exe_renamed_pdf_refused_and_nothing_saved(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    as_operator(client)
    course = make_course("Математика", 5)
    response = client.post(reverse("library:catalogue_item_create"), {
        "course": course.pk, "position": 1, "title": "Файл", "file": SimpleUploadedFile("урок.pdf", b"MZ\x90" * 50)})
    assert response.status_code == 400 and "проверяется содержимое файла" in response.content.decode()
    assert not CatalogueItem.objects.exists() and not (tmp_path / "library").exists()


def test_operator_replaces_file(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    as_operator(client)
    item = make_item()
    url = reverse("library:catalogue_item_edit", args=[item.pk])
    data = {"course": item.course_id, "position": 1, "title": item.title, "file": SimpleUploadedFile("a.pdf", PDF_BYTES)}
    assert client.post(url, data).status_code == 302
    item.refresh_from_db()
    assert item.file_type == "application/pdf" and (tmp_path / item.file_path).is_file()


def test_r16_operator_toggles_and_adds_subjects(client):
    as_operator(client)
    music = Subject.objects.get(name="Музыка")
    client.post(reverse("library:catalogue_subjects"), {"subject": music.pk, "supported": "0"})
    music.refresh_from_db()
    assert not music.supported
    client.post(reverse("library:catalogue_subjects"), {"name": "Астрономия"})
    assert Subject.objects.get(name="Астрономия").supported
    response = client.post(reverse("library:catalogue_subjects"), {"name": "астрономия"})
    assert response.status_code == 400 and "уже есть" in response.content.decode()


def test_import_page_reports_lines_and_stores_nothing(client):
    as_operator(client)
    text = "Курс;Класс;Предмет;Урок №;Название\nК;5;Математика;1;А\nК;99;Математика;2;Б\n"
    response = client.post(reverse("library:catalogue_import"),
                           {"file": SimpleUploadedFile("к.csv", text.encode("cp1251"))})
    page = response.content.decode()
    assert response.status_code == 400 and "ничего не сохранено" in page and "Класс" in page
    assert not CatalogueItem.objects.exists()


def test_operator_list_searches_every_subject(client):
    as_operator(client)
    Subject.objects.filter(name="Физика").update(supported=False)
    make_item(make_course("Физика", 7), "Сила тяжести")
    page = client.get(reverse("library:catalogue_manage"), {"q": "сила"}).content.decode()
    assert "Сила тяжести" in page


def test_operator_exports_the_search_as_xlsx(client):
    import io

    from openpyxl import load_workbook

    as_operator(client)
    make_item(make_course("Математика", 5), "Сложение дробей", external_id="m5-2")
    make_item(make_course("Физика", 7), "Сила тяжести")
    response = client.get(reverse("library:catalogue_export"), {"q": "дроби"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0][:5] == ("Курс", "Класс", "Предмет", "Урок №", "Название") and len(rows) == 2
    assert rows[1][4] == "Сложение дробей" and rows[1][5] == "Классная работа" and rows[1][8] == "m5-2"
