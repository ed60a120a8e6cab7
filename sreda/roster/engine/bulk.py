"""Multi-row INSERT … RETURNING id without the ORM's per-value compilation.

Django's bulk_create spends most of its time preparing each value and caps SQLite batches at 999
parameters; for a region's roster that is most of the import. Values given here are already in
database form (see `db_date`, `db_datetime`); ids come back in insertion order, as bulk_create
itself assumes on both SQLite and PostgreSQL.
"""
from __future__ import annotations

import sqlite3

from django.db import connection

MAX_ROWS = 2000


def _max_params() -> int:
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        try:
            return connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
        except AttributeError:  # Python < 3.11
            return 999
    return 30000


def insert_rows(model, fields: list[str], rows: list[tuple], *, returning: bool = False) -> list[int]:
    """Insert `rows` (tuples in `fields` order) into `model`'s table; return new ids when asked."""
    if not rows:
        return []
    if connection.vendor == "postgresql":
        return _insert_unnest(model, fields, rows, returning)
    qn = connection.ops.quote_name
    columns = ", ".join(qn(model._meta.get_field(f).column) for f in fields)
    per_batch = max(1, min(MAX_ROWS, _max_params() // len(fields)))
    one = "(" + ", ".join(["%s"] * len(fields)) + ")"
    tail = f" RETURNING {qn(model._meta.pk.column)}" if returning else ""
    ids: list[int] = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), per_batch):
            batch = rows[start:start + per_batch]
            sql = f"INSERT INTO {qn(model._meta.db_table)} ({columns}) VALUES {', '.join([one] * len(batch))}{tail}"
            cursor.execute(sql, [v for row in batch for v in row])
            if returning:
                ids += [r[0] for r in cursor.fetchall()]
    return ids


def _insert_unnest(model, fields, rows, returning) -> list[int]:
    """PostgreSQL: one array parameter per column (a short, constant statement), as Django 5.2 does."""
    qn = connection.ops.quote_name
    meta = model._meta
    model_fields = [meta.get_field(f) for f in fields]
    columns = ", ".join(qn(f.column) for f in model_fields)
    arrays = ", ".join(f"%s::{f.db_type(connection)}[]" for f in model_fields)
    tail = f" RETURNING {qn(meta.pk.column)}" if returning else ""
    sql = f"INSERT INTO {qn(meta.db_table)} ({columns}) SELECT * FROM unnest({arrays}){tail}"
    ids: list[int] = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 20_000):
            batch = rows[start:start + 20_000]
            cursor.execute(sql, [list(column) for column in zip(*batch)])
            if returning:
                ids += [r[0] for r in cursor.fetchall()]
    return ids


def db_date(value):
    return connection.ops.adapt_datefield_value(value)


def db_datetime(value):
    return connection.ops.adapt_datetimefield_value(value)


def select_in(model, fields: list[str], key: str, values: list) -> list[tuple]:
    """SELECT fields FROM model WHERE key IN (values), in as few statements as the database allows."""
    if not values:
        return []
    qn = connection.ops.quote_name
    meta = model._meta
    columns = ", ".join(qn(meta.get_field(f).column) for f in fields)
    key_column = qn(meta.get_field(key).column)
    per_batch = max(1, min(10_000, _max_params() - 10))
    rows: list[tuple] = []
    if connection.vendor == "postgresql":
        db_type = meta.get_field(key).db_type(connection)
        with connection.cursor() as cursor:
            for start in range(0, len(values), 50_000):
                cursor.execute(f"SELECT {columns} FROM {qn(meta.db_table)} WHERE {key_column} = ANY(%s::{db_type}[])",
                               [values[start:start + 50_000]])
                rows += cursor.fetchall()
        return rows
    with connection.cursor() as cursor:
        for start in range(0, len(values), per_batch):
            batch = values[start:start + per_batch]
            marks = ", ".join(["%s"] * len(batch))
            cursor.execute(f"SELECT {columns} FROM {qn(meta.db_table)} WHERE {key_column} IN ({marks})", batch)
            rows += cursor.fetchall()
    return rows
