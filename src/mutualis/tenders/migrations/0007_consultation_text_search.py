"""Full-text search over a consultation's texts in its other languages.

The same indexes as 0003, on tenders_consultationtext: an FTS5 table kept by
triggers on SQLite, a GIN index over the same tsvector expression on PostgreSQL.
"""

from django.db import migrations

SQLITE_FORWARD = [
    """
    CREATE VIRTUAL TABLE tenders_consultationtext_fts USING fts5(
        title, description,
        content='tenders_consultationtext', content_rowid='id',
        tokenize='unicode61 remove_diacritics 2'
    )
    """,
    """
    CREATE TRIGGER tenders_consultationtext_fts_insert
    AFTER INSERT ON tenders_consultationtext
    BEGIN
        INSERT INTO tenders_consultationtext_fts(rowid, title, description)
        VALUES (new.id, new.title, new.description);
    END
    """,
    """
    CREATE TRIGGER tenders_consultationtext_fts_delete
    AFTER DELETE ON tenders_consultationtext
    BEGIN
        INSERT INTO tenders_consultationtext_fts(
            tenders_consultationtext_fts, rowid, title, description
        )
        VALUES ('delete', old.id, old.title, old.description);
    END
    """,
    """
    CREATE TRIGGER tenders_consultationtext_fts_update
    AFTER UPDATE OF title, description ON tenders_consultationtext
    BEGIN
        INSERT INTO tenders_consultationtext_fts(
            tenders_consultationtext_fts, rowid, title, description
        )
        VALUES ('delete', old.id, old.title, old.description);
        INSERT INTO tenders_consultationtext_fts(rowid, title, description)
        VALUES (new.id, new.title, new.description);
    END
    """,
    "INSERT INTO tenders_consultationtext_fts(tenders_consultationtext_fts) "
    "VALUES ('rebuild')",
]

SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS tenders_consultationtext_fts_update",
    "DROP TRIGGER IF EXISTS tenders_consultationtext_fts_delete",
    "DROP TRIGGER IF EXISTS tenders_consultationtext_fts_insert",
    "DROP TABLE IF EXISTS tenders_consultationtext_fts",
]

# mutualis_unaccent() comes from 0003.
POSTGRESQL_FORWARD = [
    """
    CREATE INDEX tenders_consultationtext_fts ON tenders_consultationtext USING GIN (
        to_tsvector('simple', mutualis_unaccent(title || ' ' || description))
    )
    """,
]

POSTGRESQL_BACKWARD = ["DROP INDEX IF EXISTS tenders_consultationtext_fts"]

STATEMENTS = {
    "sqlite": (SQLITE_FORWARD, SQLITE_BACKWARD),
    "postgresql": (POSTGRESQL_FORWARD, POSTGRESQL_BACKWARD),
}


def run(schema_editor, direction):
    statements = STATEMENTS.get(schema_editor.connection.vendor)
    if statements is None:
        return
    for sql in statements[direction]:
        schema_editor.execute(sql)


def forward(apps, schema_editor):
    run(schema_editor, 0)


def backward(apps, schema_editor):
    run(schema_editor, 1)


class Migration(migrations.Migration):
    dependencies = [("tenders", "0006_consultation_texts")]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
