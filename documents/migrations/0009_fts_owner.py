"""SQLite: the FTS5 table gets an `owner` column ("u" + the user's key) so that a search
finds the user's rows inside FTS5 instead of joining every match to documents_document
(see documents.search). The table is rebuilt with its rows and their owners."""

from django.db import migrations

FORWARD = [
    "DROP TRIGGER IF EXISTS documents_fts_delete",
    "ALTER TABLE documents_fts RENAME TO documents_fts_old",
    "CREATE VIRTUAL TABLE documents_fts USING fts5("
    "document_id UNINDEXED, filename, body, owner, "
    "tokenize = 'porter unicode61 remove_diacritics 2')",
    "INSERT INTO documents_fts (document_id, filename, body, owner) "
    "SELECT f.document_id, f.filename, f.body, 'u' || d.user_id "
    "FROM documents_fts_old f JOIN documents_document d ON d.id = f.document_id",
    "DROP TABLE documents_fts_old",
    "CREATE TRIGGER documents_fts_delete AFTER DELETE ON documents_document "
    "BEGIN DELETE FROM documents_fts WHERE document_id = old.id; END",
]
REVERSE = [
    "DROP TRIGGER IF EXISTS documents_fts_delete",
    "ALTER TABLE documents_fts RENAME TO documents_fts_new",
    "CREATE VIRTUAL TABLE documents_fts USING fts5("
    "document_id UNINDEXED, filename, body, "
    "tokenize = 'porter unicode61 remove_diacritics 2')",
    "INSERT INTO documents_fts (document_id, filename, body) "
    "SELECT document_id, filename, body FROM documents_fts_new",
    "DROP TABLE documents_fts_new",
    "CREATE TRIGGER documents_fts_delete AFTER DELETE ON documents_document "
    "BEGIN DELETE FROM documents_fts WHERE document_id = old.id; END",
]


def run(statements):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor == "sqlite":
            for sql in statements:
                schema_editor.execute(sql)

    return apply


class Migration(migrations.Migration):
    dependencies = [("documents", "0008_search_vector_inline")]

    operations = [migrations.RunPython(run(FORWARD), run(REVERSE))]
