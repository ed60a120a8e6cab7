"""Search structures for catalogue titles (R17): an FTS5 table with triggers on SQLite, a GIN index on
to_tsvector('russian', title) on PostgreSQL. Nothing on other databases; reversible."""
from django.db import migrations


def forward(apps, schema_editor):
    from sreda.library import search

    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            statements = search.PG_FORWARD
        elif connection.vendor == "sqlite" and search.sqlite_fts5_compiled(cursor):
            statements = search.SQLITE_FORWARD
        else:
            statements = []
        for sql in statements:
            cursor.execute(sql)
    search._fts5_present.clear()


def backward(apps, schema_editor):
    from sreda.library import search

    connection = schema_editor.connection
    statements = {"postgresql": search.PG_BACKWARD, "sqlite": search.SQLITE_BACKWARD}.get(connection.vendor, [])
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)
    search._fts5_present.clear()


class Migration(migrations.Migration):

    dependencies = [("library", "0001_initial")]

    operations = [migrations.RunPython(forward, backward)]
