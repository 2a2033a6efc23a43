"""The portal search reads one entry per public consultation (tenders.search_index).

Each engine indexes an entry's words and filter tokens together, in listing order:
SQLite in an FTS5 table whose rowid is the entry's key, PostgreSQL in a stored
tsvector with its GIN index. They replace the per-table indexes of 0003, 0007 and
0009. The entries of existing consultations are made first, then indexed at once.
"""

import importlib

import django.db.models.deletion
from django.db import migrations, models

SQLITE_FORWARD = [
    "DROP TRIGGER IF EXISTS tenders_consultation_fts_update",
    "DROP TRIGGER IF EXISTS tenders_consultation_fts_delete",
    "DROP TRIGGER IF EXISTS tenders_consultation_fts_insert",
    "DROP TABLE IF EXISTS tenders_consultation_fts",
    "DROP TRIGGER IF EXISTS tenders_consultationtext_fts_update",
    "DROP TRIGGER IF EXISTS tenders_consultationtext_fts_delete",
    "DROP TRIGGER IF EXISTS tenders_consultationtext_fts_insert",
    "DROP TABLE IF EXISTS tenders_consultationtext_fts",
    # detail=column: no positions (no phrase is ever asked), column filters kept.
    """
    CREATE VIRTUAL TABLE tenders_searchentry_fts USING fts5(
        words, facets,
        content='tenders_searchentry', content_rowid='key',
        tokenize='unicode61 remove_diacritics 2', detail='column'
    )
    """,
    """
    CREATE TRIGGER tenders_searchentry_fts_insert AFTER INSERT ON tenders_searchentry
    BEGIN
        INSERT INTO tenders_searchentry_fts(rowid, words, facets)
        VALUES (new.key, new.words, new.facets);
    END
    """,
    """
    CREATE TRIGGER tenders_searchentry_fts_delete AFTER DELETE ON tenders_searchentry
    BEGIN
        INSERT INTO tenders_searchentry_fts(tenders_searchentry_fts, rowid, words, facets)
        VALUES ('delete', old.key, old.words, old.facets);
    END
    """,
    """
    CREATE TRIGGER tenders_searchentry_fts_update AFTER UPDATE ON tenders_searchentry
    BEGIN
        INSERT INTO tenders_searchentry_fts(tenders_searchentry_fts, rowid, words, facets)
        VALUES ('delete', old.key, old.words, old.facets);
        INSERT INTO tenders_searchentry_fts(rowid, words, facets)
        VALUES (new.key, new.words, new.facets);
    END
    """,
    "INSERT INTO tenders_searchentry_fts(tenders_searchentry_fts) VALUES ('rebuild')",
]

SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS tenders_searchentry_fts_update",
    "DROP TRIGGER IF EXISTS tenders_searchentry_fts_delete",
    "DROP TRIGGER IF EXISTS tenders_searchentry_fts_insert",
    "DROP TABLE IF EXISTS tenders_searchentry_fts",
]

# The tokens are lexemes of their own: array_to_tsvector takes them as they are.
# Rows move their words and tsvector out of line as soon as they pass 2 kB (most
# do), leaving narrow rows: the search reads a row for each match's key, never its
# words (the GIN index's answer needs no check).
POSTGRESQL_FORWARD = [
    "ALTER TABLE tenders_consultation DROP COLUMN IF EXISTS search_document",
    "ALTER TABLE tenders_consultationtext DROP COLUMN IF EXISTS search_document",
    "ALTER TABLE tenders_searchentry SET (toast_tuple_target = 128)",
    """
    ALTER TABLE tenders_searchentry ADD COLUMN document tsvector GENERATED ALWAYS AS (
        to_tsvector('simple', mutualis_unaccent(words))
        || array_to_tsvector(string_to_array(facets, ' '))
    ) STORED
    """,
    "CREATE INDEX tenders_searchentry_document ON tenders_searchentry "
    "USING GIN (document)",
]

POSTGRESQL_BACKWARD = [
    "ALTER TABLE tenders_searchentry DROP COLUMN document",
    "ALTER TABLE tenders_searchentry RESET (toast_tuple_target)",
]

STATEMENTS = {
    "sqlite": (SQLITE_FORWARD, SQLITE_BACKWARD),
    "postgresql": (POSTGRESQL_FORWARD, POSTGRESQL_BACKWARD),
}
EARLIER = ["0003_full_text_search", "0007_consultation_text_search"]


def forward(apps, schema_editor):
    for sql in STATEMENTS.get(schema_editor.connection.vendor, ([], []))[0]:
        schema_editor.execute(sql)


def backward(apps, schema_editor):
    for sql in STATEMENTS.get(schema_editor.connection.vendor, ([], []))[1]:
        schema_editor.execute(sql)
    # The indexes of 0003, 0007 and 0009 again, as those migrations made them.
    for name in [*EARLIER, "0009_stored_search_document"]:
        earlier = importlib.import_module(f"mutualis.tenders.migrations.{name}")
        earlier.forward(apps, schema_editor)


def make_entries(apps, schema_editor):
    from mutualis.tenders import search_index

    search_index.rebuild(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("tenders", "0009_stored_search_document"),
        ("exchange", "0003_source_addresses_and_time_zone"),
    ]

    operations = [
        migrations.CreateModel(
            name="SearchEntry",
            fields=[
                (
                    "consultation",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="search_entry",
                        serialize=False,
                        to="tenders.consultation",
                        verbose_name="consultation",
                    ),
                ),
                (
                    "key",
                    models.BigIntegerField(unique=True, verbose_name="listing key"),
                ),
                ("words", models.TextField(verbose_name="words")),
                ("facets", models.TextField(verbose_name="facets")),
                (
                    "deadline",
                    models.DateTimeField(null=True, verbose_name="deadline for bids"),
                ),
            ],
            options={
                "verbose_name": "search entry",
                "verbose_name_plural": "search entries",
            },
        ),
        # The entries first, then their index made over them all at once.
        migrations.RunPython(make_entries, migrations.RunPython.noop, elidable=False),
        migrations.RunPython(forward, backward, elidable=False),
    ]
