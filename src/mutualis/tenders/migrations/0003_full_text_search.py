"""Full-text search over consultations, one index per database vendor.

SQLite keeps an FTS5 table in step with triggers; PostgreSQL indexes a tsvector
expression. Each part runs only on its own vendor (see mutualis.tenders.search).
"""

from django.db import migrations

SQLITE_FORWARD = [
    """
    CREATE VIRTUAL TABLE tenders_consultation_fts USING fts5(
        title, description,
        content='tenders_consultation', content_rowid='id',
        tokenize='unicode61 remove_diacritics 2'
    )
    """,
    """
    CREATE TRIGGER tenders_consultation_fts_insert AFTER INSERT ON tenders_consultation
    BEGIN
        INSERT INTO tenders_consultation_fts(rowid, title, description)
        VALUES (new.id, new.title, new.description);
    END
    """,
    """
    CREATE TRIGGER tenders_consultation_fts_delete AFTER DELETE ON tenders_consultation
    BEGIN
        INSERT INTO tenders_consultation_fts(tenders_consultation_fts, rowid, title, description)
        VALUES ('delete', old.id, old.title, old.description);
    END
    """,
    """
    CREATE TRIGGER tenders_consultation_fts_update AFTER UPDATE OF title, description
    ON tenders_consultation
    BEGIN
        INSERT INTO tenders_consultation_fts(tenders_consultation_fts, rowid, title, description)
        VALUES ('delete', old.id, old.title, old.description);
        INSERT INTO tenders_consultation_fts(rowid, title, description)
        VALUES (new.id, new.title, new.description);
    END
    """,
    "INSERT INTO tenders_consultation_fts(tenders_consultation_fts) VALUES ('rebuild')",
]

SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS tenders_consultation_fts_update",
    "DROP TRIGGER IF EXISTS tenders_consultation_fts_delete",
    "DROP TRIGGER IF EXISTS tenders_consultation_fts_insert",
    "DROP TABLE IF EXISTS tenders_consultation_fts",
]

# unaccent() is only STABLE (its dictionary could change), so an index cannot use it;
# the wrapper names the dictionary explicitly and is declared IMMUTABLE.
POSTGRESQL_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    """
    CREATE OR REPLACE FUNCTION mutualis_unaccent(text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    AS $$ SELECT public.unaccent('public.unaccent'::regdictionary, $1) $$
    """,
    """
    CREATE INDEX tenders_consultation_fts ON tenders_consultation USING GIN (
        to_tsvector('simple', mutualis_unaccent(title || ' ' || description))
    )
    """,
]

POSTGRESQL_BACKWARD = [
    "DROP INDEX IF EXISTS tenders_consultation_fts",
    "DROP FUNCTION IF EXISTS mutualis_unaccent(text)",
]

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
    dependencies = [("tenders", "0002_participation_deadline")]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
