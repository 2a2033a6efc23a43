"""PostgreSQL keeps each text's tsvector in a stored generated column, indexed.

The expression indexes of 0003 and 0007 made PostgreSQL recompute to_tsvector for
every row it checked: each row read in listing order, or each row of a lossy bitmap.
SQLite is unchanged (its FTS5 tables, see mutualis.tenders.search).
"""

from django.db import migrations

DOCUMENT = "to_tsvector('simple', mutualis_unaccent(title || ' ' || description))"
TABLES = [
    ("tenders_consultation", "tenders_consultation_fts"),
    ("tenders_consultationtext", "tenders_consultationtext_fts"),
]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, old_index in TABLES:
        schema_editor.execute(
            f"ALTER TABLE {table} ADD COLUMN search_document tsvector "
            f"GENERATED ALWAYS AS ({DOCUMENT}) STORED"
        )
        schema_editor.execute(
            f"CREATE INDEX {table}_search_document ON {table} "
            "USING GIN (search_document)"
        )
        schema_editor.execute(f"DROP INDEX IF EXISTS {old_index}")


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, old_index in TABLES:
        schema_editor.execute(
            f"CREATE INDEX {old_index} ON {table} USING GIN ({DOCUMENT})"
        )
        schema_editor.execute(f"ALTER TABLE {table} DROP COLUMN search_document")


class Migration(migrations.Migration):
    dependencies = [("tenders", "0008_search_speed")]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
