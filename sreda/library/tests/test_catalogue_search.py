"""R17: search by title and the filters «Класс», «Предмет», «Урок», content types — on both databases."""
import pytest
from django.db import connection

from sreda.library.catalogue import CatalogueFilters, catalogue_search
from sreda.library.search import fts5_query, stem
from sreda.library.tests.builders import make_course, make_item
from sreda.orgs.models import Subject

pytestmark = pytest.mark.django_db


def titles(**kw) -> set[str]:
    return {i.title for i in catalogue_search(filters=CatalogueFilters(**kw))}


@pytest.fixture
def catalogue():
    math5 = make_course("Математика", 5)
    math6 = make_course("Математика", 6)
    physics = make_course("Физика", 7)
    make_item(math5, "Дробь и её части", 1, "classwork summary")
    make_item(math5, "Сложение дробей с одинаковыми знаменателями", 2, "homework")
    make_item(math6, "Десятичные дроби", 1, "trainer")
    make_item(physics, "Ёмкость конденсатора", 3, "presentation ovz")
    make_item(physics, "Равномерное движение", 1, "classwork")
    return {"math5": math5, "math6": math6, "physics": physics}


def test_r17_search_finds_word_forms(catalogue):
    """«дроби» finds «Дробь», «дробей» and «дроби» (PostgreSQL: Russian stemmer; SQLite: prefix of the stem)."""
    assert titles(q="дроби") == {"Дробь и её части", "Сложение дробей с одинаковыми знаменателями",
                                 "Десятичные дроби"}


def test_r17_search_needs_every_word_and_ignores_case(catalogue):
    assert titles(q="СЛОЖЕНИЕ дробей") == {"Сложение дробей с одинаковыми знаменателями"}
    assert titles(q="сложение физики") == set()


def test_r17_search_prefix_while_typing_on_sqlite(catalogue):
    """SQLite FTS5: each word is a prefix, so a half-typed word already finds the lesson."""
    if connection.vendor != "sqlite":
        pytest.skip("prefix match is the SQLite backend's behaviour")
    assert titles(q="равномер движ") == {"Равномерное движение"}
    assert fts5_query("Дроби, части!") == '"дроб"* "част"*'


def test_r17_search_treats_yo_as_ye(catalogue):
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite FTS table stores «ё» as «е»")
    assert titles(q="емкость") == {"Ёмкость конденсатора"}


def test_r17_search_morphology_on_postgresql(catalogue):
    if connection.vendor != "postgresql":
        pytest.skip("to_tsvector('russian') is PostgreSQL's")
    assert titles(q="движения равномерного") == {"Равномерное движение"}
    assert titles(q="знаменатель") == {"Сложение дробей с одинаковыми знаменателями"}


def test_r17_search_index_follows_title_changes(catalogue):
    item = catalogue["physics"].items.get(position=1)
    item.title = "Свободное падение"
    item.save()
    assert titles(q="движение") == set()
    assert titles(q="падение") == {"Свободное падение"}
    item.delete()
    assert titles(q="падение") == set()


def test_r17_filter_by_grade_subject_lesson(catalogue):
    assert titles(grade=6) == {"Десятичные дроби"}
    physics = Subject.objects.get(name="Физика")
    assert titles(subject_id=physics.pk) == {"Ёмкость конденсатора", "Равномерное движение"}
    assert titles(lesson=1) == {"Дробь и её части", "Десятичные дроби", "Равномерное движение"}
    assert titles(q="дроби", grade=5, lesson=2) == {"Сложение дробей с одинаковыми знаменателями"}


def test_r17_filter_by_content_types_any_of(catalogue):
    assert titles(content_types=["summary"]) == {"Дробь и её части"}
    assert titles(content_types=["trainer", "ovz"]) == {"Десятичные дроби", "Ёмкость конденсатора"}
    assert titles(content_types=["olympiad"]) == set()


def test_r16_unsupported_subject_hidden_from_teachers(catalogue):
    Subject.objects.filter(name="Физика").update(supported=False)
    assert titles(q="движение") == set()
    everything = catalogue_search(filters=CatalogueFilters(q="движение"), supported_only=False)
    assert [i.title for i in everything] == ["Равномерное движение"]


def test_filters_from_query_ignore_nonsense():
    from django.http import QueryDict

    filters = CatalogueFilters.from_query(QueryDict("q=+дробь+&grade=15&subject=x&lesson=2&content_type=bad"
                                                    "&content_type=homework"))
    assert (filters.q, filters.grade, filters.subject_id, filters.lesson, filters.content_types) == (
        "дробь", None, None, 2, ["homework"])


def test_stem_keeps_short_words_and_numbers():
    assert stem("дроби") == "дроб" and stem("кот") == "кот" and stem("2025") == "2025"
