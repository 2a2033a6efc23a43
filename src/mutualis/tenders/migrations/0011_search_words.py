"""PostgreSQL keeps every word of the search entries, to read a prefix as words.

A prefix (`travaux:*`) makes the GIN index gather all its matches into a bitmap
before anything else: 50 to 90 ms for a common word at a million entries, where the
word itself takes 2. Knowing the words that start with it, the search asks for
them instead (tenders.search). A trigger adds each entry's new words; a word whose
entries are all gone stays, and matches nothing. SQLite is unchanged.
"""

from django.db import migrations

FORWARD = [
    'CREATE TABLE tenders_searchword (word text COLLATE "C" PRIMARY KEY)',
    """
    CREATE FUNCTION tenders_searchword_keep() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO tenders_searchword (word)
        SELECT lexeme FROM unnest(NEW.document) WHERE left(lexeme, 1) <> '~'
        ON CONFLICT DO NOTHING;
        RETURN NULL;
    END
    $$
    """,
    """
    CREATE TRIGGER tenders_searchword_keep
    AFTER INSERT OR UPDATE OF words ON tenders_searchentry
    FOR EACH ROW EXECUTE FUNCTION tenders_searchword_keep()
    """,
    """
    INSERT INTO tenders_searchword (word)
    SELECT DISTINCT lexeme FROM tenders_searchentry, unnest(document)
    WHERE left(lexeme, 1) <> '~'
    """,
]

BACKWARD = [
    "DROP TRIGGER IF EXISTS tenders_searchword_keep ON tenders_searchentry",
    "DROP FUNCTION IF EXISTS tenders_searchword_keep()",
    "DROP TABLE IF EXISTS tenders_searchword",
]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in FORWARD:
            schema_editor.execute(sql)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in BACKWARD:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("tenders", "0010_search_entries")]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
