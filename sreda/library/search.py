"""Full-text search of catalogue titles (R17 «Введите название»), one backend per database.

PostgreSQL: `to_tsvector('russian', title) @@ plainto_tsquery('russian', …)` over a GIN index on the same
expression — the Russian stemmer makes «дроби» find «Дробь».
SQLite: an FTS5 table `library_item_fts` (unicode61 tokenizer, «ё» stored as «е») kept in step with
`library_catalogueitem` by triggers; every typed word becomes a prefix query of its stem, so «дроби»
(→ «дроб*») also finds «Дробь» and «дробей». Where FTS5 is missing, a LIKE over the title does.
Both structures are made by migration 0002_catalogue_search (reversible), by the connection's vendor.
"""
from __future__ import annotations

import re

from django.db import connection
from django.db.models import QuerySet

from sreda.core.text import fold

FTS_TABLE = "library_item_fts"
ITEM_TABLE = "library_catalogueitem"
PG_INDEX = "library_item_title_fts"

# Russian inflectional endings, longest first: a light stemmer for the SQLite prefix query (PostgreSQL has
# the real Snowball stemmer). Only stripped when at least 3 letters stay.
_ENDINGS = sorted("""
    иями ями ами ией иях ях ах ов ев ей ий ый ой ая яя ое ее ие ые ую юю ого его ому ему ым им ом ем
    ыми ими ости ость ия ие ья ье а я о е ы и у ю ь й
""".split(), key=len, reverse=True)
MIN_STEM = 3


def search_words(text: str) -> list[str]:
    """The words of a search box: folded (case, «ё» as «е»), punctuation dropped, at most 8."""
    return re.findall(r"\w+", fold(text))[:8]


def stem(word: str) -> str:
    """«дроби» → «дроб», «уравнения» → «уравнен», «5» → «5»: what the prefix query starts with."""
    if len(word) <= MIN_STEM or not re.search(r"[а-я]", word):
        return word
    for ending in _ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= MIN_STEM:
            return word[: -len(ending)]
    return word


def fts5_query(text: str) -> str:
    """An FTS5 MATCH expression: every word (its stem) as a quoted prefix, all required."""
    return " ".join(f'"{stem(word)}"*' for word in search_words(text))


_fts5_present: dict[str, bool] = {}


def sqlite_has_fts5() -> bool:
    """Is the FTS5 table there (the migration made it only where SQLite has FTS5)?"""
    key = connection.settings_dict.get("NAME") or ""
    if key not in _fts5_present:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = %s", [FTS_TABLE])
            _fts5_present[key] = cursor.fetchone() is not None
    return _fts5_present[key]


def title_search(queryset: QuerySet, text: str) -> QuerySet:
    """Catalogue items whose title matches every word of `text`; `queryset` unchanged for an empty text."""
    words = search_words(text)
    if not words:
        return queryset
    table = queryset.model._meta.db_table
    if connection.vendor == "postgresql":
        return queryset.extra(
            where=[f"to_tsvector('russian', {table}.title) @@ plainto_tsquery('russian', %s)"],
            params=[" ".join(words)],
        )
    if connection.vendor == "sqlite" and sqlite_has_fts5():
        return queryset.extra(
            where=[f"{table}.id IN (SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s)"],
            params=[fts5_query(text)],
        )
    for word in words:  # no full-text structure: every stem somewhere in the title
        queryset = queryset.filter(title__icontains=stem(word))
    return queryset


# --- DDL used by the migration ------------------------------------------------------------------------

_FOLD = "replace(replace(new.title, 'ё', 'е'), 'Ё', 'Е')"

SQLITE_FORWARD = [
    f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5(title, tokenize = 'unicode61 remove_diacritics 2')",
    f"INSERT INTO {FTS_TABLE}(rowid, title) SELECT id, replace(replace(title, 'ё', 'е'), 'Ё', 'Е') FROM {ITEM_TABLE}",
    f"CREATE TRIGGER {FTS_TABLE}_ai AFTER INSERT ON {ITEM_TABLE} BEGIN "
    f"INSERT INTO {FTS_TABLE}(rowid, title) VALUES (new.id, {_FOLD}); END",
    f"CREATE TRIGGER {FTS_TABLE}_ad AFTER DELETE ON {ITEM_TABLE} BEGIN "
    f"DELETE FROM {FTS_TABLE} WHERE rowid = old.id; END",
    f"CREATE TRIGGER {FTS_TABLE}_au AFTER UPDATE OF title ON {ITEM_TABLE} BEGIN "
    f"DELETE FROM {FTS_TABLE} WHERE rowid = old.id; "
    f"INSERT INTO {FTS_TABLE}(rowid, title) VALUES (new.id, {_FOLD}); END",
]
SQLITE_BACKWARD = [
    f"DROP TRIGGER IF EXISTS {FTS_TABLE}_au",
    f"DROP TRIGGER IF EXISTS {FTS_TABLE}_ad",
    f"DROP TRIGGER IF EXISTS {FTS_TABLE}_ai",
    f"DROP TABLE IF EXISTS {FTS_TABLE}",
]
PG_FORWARD = [f"CREATE INDEX IF NOT EXISTS {PG_INDEX} ON {ITEM_TABLE} USING gin (to_tsvector('russian', title))"]
PG_BACKWARD = [f"DROP INDEX IF EXISTS {PG_INDEX}"]


def sqlite_fts5_compiled(cursor) -> bool:
    try:
        cursor.execute("CREATE VIRTUAL TABLE temp._sreda_fts5_probe USING fts5(x)")
        cursor.execute("DROP TABLE temp._sreda_fts5_probe")
        return True
    except Exception:  # noqa: BLE001 — "no such module: fts5"
        return False
