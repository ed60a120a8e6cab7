"""The demo catalogue (R16–R17): ~300 lessons in ~40 courses, every grade and content type, idempotent."""
import pytest

from sreda.core.active_role import system_operator
from sreda.demo import library_catalogue
from sreda.library.catalogue import CatalogueFilters, catalogue_search
from sreda.library.models import CatalogueItem, ContentType, Course
from sreda.library.sanitize import sanitize_html

pytestmark = pytest.mark.django_db


def test_demo_catalogue_is_rich_and_idempotent():
    message = library_catalogue.ensure(system_operator())
    assert message and "Каталог библиотеки: " in message and " курс" in message
    assert 280 <= CatalogueItem.objects.count() <= 330 and 38 <= Course.objects.count() <= 45
    assert set(Course.objects.values_list("grade", flat=True)) == set(range(1, 12))
    used = {code for types in CatalogueItem.objects.values_list("content_types", flat=True) for code in types.split()}
    assert used == set(ContentType.values)
    item = CatalogueItem.objects.first()
    assert item.body == sanitize_html(item.body) and "<p>" in item.body
    before = list(CatalogueItem.objects.order_by("pk").values())
    assert library_catalogue.ensure(system_operator()) is None
    assert list(CatalogueItem.objects.order_by("pk").values()) == before
    assert catalogue_search(filters=CatalogueFilters(q="дроби")).count() >= 4
