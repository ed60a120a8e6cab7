"""Loading the catalogue from CSV/XLSX (R16–R17): bad lines by line and column, nothing stored on any
error, a re-import changes nothing; the CLI prints the same result."""
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import Workbook

from sreda.core.active_role import system_operator
from sreda.core.models import AuditEntry
from sreda.core.testing import active_role_of, make_member, make_organisation
from sreda.library.catalogue_files import catalogue_import
from sreda.library.models import CatalogueItem, Course
from sreda.people.roles import Role

pytestmark = pytest.mark.django_db

HEADER = "Курс;Класс;Предмет;Урок №;Название;Типы материалов;Описание;Содержание;Внешний ID"
GOOD = "\n".join([
    HEADER,
    "Математика. 5 класс;5;Математика;1;Натуральные числа;Классная работа, Конспект;Повторение;<p>Числа</p>;m5-1",
    "Математика. 5 класс;5;Математика;2;Сложение дробей;Домашняя работа, Тренажёр;;<p onclick=x>Дроби</p><script>x</script>;m5-2",
    "Физика. 7 класс;7;физика;1;Равномерное движение;Презентация;;;",
])


def run(text: str, name: str = "каталог.csv"):
    return catalogue_import(actor=system_operator(), data=text.encode("utf-8"), file_name=name)


def test_r17_import_creates_courses_and_lessons():
    result = run(GOOD)
    assert (result.created, result.updated, result.unchanged, result.errors) == (3, 0, 0, [])
    assert Course.objects.count() == 2
    second = CatalogueItem.objects.get(external_id="m5-2")
    assert second.content_type_codes == ["homework", "trainer"] and second.grade == 5
    assert second.body == "<p>Дроби</p>"  # sanitised on the way in
    assert CatalogueItem.objects.get(title="Равномерное движение").subject.name == "Физика"


def test_r17_reimport_of_same_file_changes_nothing():
    run(GOOD)
    before = list(CatalogueItem.objects.order_by("pk").values())
    result = run(GOOD)
    assert (result.created, result.updated, result.unchanged) == (0, 0, 3)
    assert list(CatalogueItem.objects.order_by("pk").values()) == before


def test_r17_changed_line_updates_the_lesson():
    run(GOOD)
    result = run(GOOD.replace("Натуральные числа", "Натуральные числа и нуль"))
    assert (result.created, result.updated, result.unchanged) == (0, 1, 2)
    assert CatalogueItem.objects.get(external_id="m5-1").title == "Натуральные числа и нуль"


def test_every_bad_line_reported_and_nothing_stored():
    bad = "\n".join([
        HEADER,
        "Математика. 5 класс;5;Математика;1;Натуральные числа;Классная работа;;;m5-1",
        "Математика. 5 класс;14;Математика;2;Дроби;;;;",
        "Курс;5;Астрология;3;Гороскоп;Видео;;;",
        ";5;Математика;x;;;;;m5-1",
    ])
    result = run(bad)
    assert not CatalogueItem.objects.exists() and not Course.objects.exists()
    places = [(e["line"], e["column"]) for e in result.errors]
    assert places == [(3, "Класс"), (4, "Предмет"), (4, "Типы материалов"), (5, "Курс"), (5, "Урок №"),
                      (5, "Название")]
    assert "Астрология" in result.errors[1]["reason"] and "Видео" in result.errors[2]["reason"]


def test_duplicate_external_id_in_file_is_an_error():
    text = "\n".join([HEADER, "К;5;Математика;1;А;;;;same", "К;5;Математика;2;Б;;;;same"])
    result = run(text)
    assert result.errors == [{"line": 3, "column": "Внешний ID", "reason": "внешний ID «same» уже был в строке 2"}]
    assert not CatalogueItem.objects.exists()


def test_extra_cells_point_at_an_unquoted_separator():
    """A «;» inside a value of a «;» file shifts the cells: said so, not silently misread."""
    result = run(HEADER + "\nК;5;Математика;1;А;Классная работа; Конспект;;;x1")
    assert result.errors[0]["line"] == 2 and "больше ячеек" in result.errors[0]["reason"]
    assert not CatalogueItem.objects.exists()


def test_missing_columns_and_wrong_file_explained():
    assert "нет столбцов" in run("Курс;Класс\nА;5").errors[0]["reason"]
    assert "не является книгой Excel" in run("a;b", name="каталог.xlsx").errors[0]["reason"]


def test_r17_xlsx_file_loads():
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER.split(";"))
    sheet.append(["Алгебра. 8 класс", 8, "Алгебра", 1, "Квадратные корни", "Конспект", "", "", "a8-1"])
    buffer = io.BytesIO()
    book.save(buffer)
    result = catalogue_import(actor=system_operator(), data=buffer.getvalue(), file_name="каталог.xlsx")
    assert result.created == 1 and CatalogueItem.objects.get().content_types == "summary"


def test_import_is_for_the_operator_only():
    from django.core.exceptions import PermissionDenied

    user, membership = make_member(role=Role.DIRECTOR, organisation=make_organisation())
    with pytest.raises(PermissionDenied):
        catalogue_import(actor=active_role_of(user, membership), data=GOOD.encode(), file_name="a.csv")


def test_cli_import_json_and_errors(tmp_path):
    path = tmp_path / "каталог.csv"
    path.write_text(GOOD, encoding="utf-8")
    out = io.StringIO()
    call_command("library", "catalogue", "import", str(path), "--json", stdout=out)
    assert json.loads(out.getvalue()) == {"created": 3, "updated": 0, "unchanged": 0, "errors": []}
    assert AuditEntry.objects.filter(action="library.catalogue.import").exists()
    path.write_text(HEADER + "\nК;0;Математика;1;А;;;;", encoding="cp1251")
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("library", "catalogue", "import", str(path), "--json", stdout=out)
    assert json.loads(out.getvalue())["errors"][0]["column"] == "Класс"


def test_cli_search(tmp_path):
    path = tmp_path / "каталог.csv"
    path.write_text(GOOD, encoding="utf-8")
    call_command("library", "catalogue", "import", str(path), stdout=io.StringIO())
    out = io.StringIO()
    call_command("library", "catalogue", "search", "дроби", "--grade", "5", "--subject", "математика", "--json",
                 stdout=out)
    answer = json.loads(out.getvalue())
    assert answer["count"] == 1 and answer["results"][0]["title"] == "Сложение дробей"
    out = io.StringIO()
    call_command("library", "catalogue", "search", "квант", stdout=out)
    assert "Ничего не найдено" in out.getvalue()
    with pytest.raises(CommandError, match="не найден"):
        call_command("library", "catalogue", "search", "x", "--subject", "Алхимия", stdout=io.StringIO())


def test_export_in_the_import_format_loads_back_unchanged():
    from sreda.library.catalogue_files import catalogue_xlsx

    run(GOOD)
    before = list(CatalogueItem.objects.order_by("pk").values())
    data = catalogue_xlsx(CatalogueItem.objects.select_related("course", "subject"))
    result = catalogue_import(actor=system_operator(), data=data, file_name="выгрузка.xlsx")
    assert (result.created, result.updated, result.unchanged, result.errors) == (0, 0, 3, [])
    assert list(CatalogueItem.objects.order_by("pk").values()) == before
