"""Full-text indexes: a GIN index on PostgreSQL, an FTS5 table (kept in sync by
documents.search) on SQLite. Each runs only on its own database."""

from django.db import migrations

POSTGRES = [
    "CREATE INDEX IF NOT EXISTS documents_search_vector_gin "
    "ON documents_document USING gin (search_vector)",
]
POSTGRES_REVERSE = ["DROP INDEX IF EXISTS documents_search_vector_gin"]

# porter stems English; unicode61 folds case for Cyrillic too. The trigger drops a
# document's index row with the document, however it is deleted (cascades included).
SQLITE = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS documents_fts USING fts5("
    "document_id UNINDEXED, filename, body, "
    "tokenize = 'porter unicode61 remove_diacritics 2')",
    "CREATE TRIGGER IF NOT EXISTS documents_fts_delete AFTER DELETE ON documents_document "
    "BEGIN DELETE FROM documents_fts WHERE document_id = old.id; END",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS documents_fts_delete",
    "DROP TABLE IF EXISTS documents_fts",
]


def run(statements):
    def apply(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        for sql in statements.get(vendor, []):
            schema_editor.execute(sql)

    return apply


class Migration(migrations.Migration):
    dependencies = [("documents", "0002_processing_fields")]

    operations = [
        migrations.RunPython(
            run({"postgresql": POSTGRES, "sqlite": SQLITE}),
            run({"postgresql": POSTGRES_REVERSE, "sqlite": SQLITE_REVERSE}),
        ),
    ]
