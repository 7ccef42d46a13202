"""PostgreSQL: keep each document's search vector in the table row (STORAGE MAIN) and let
its extracted text move out of line instead. With the default (EXTENDED) a row holding a
page of text and its vector passed PostgreSQL's 2 kB threshold and the vector, the larger
value, went to the TOAST table: every search then fetched every matching vector from
there, twice (the match, then the rank). Measured in bench/fts.py: see docs/benchmarks.md.
The UPDATE rewrites the vectors already stored so that they come back inline."""

from django.db import migrations

POSTGRES = [
    "ALTER TABLE documents_document ALTER COLUMN search_vector SET STORAGE MAIN",
    "UPDATE documents_document SET search_vector = search_vector || ''::tsvector "
    "WHERE search_vector IS NOT NULL",
]
POSTGRES_REVERSE = [
    "ALTER TABLE documents_document ALTER COLUMN search_vector SET STORAGE EXTENDED",
]


def run(statements):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for sql in statements:
                schema_editor.execute(sql)

    return apply


class Migration(migrations.Migration):
    dependencies = [("documents", "0007_drop_budget_resume_schedule")]

    operations = [migrations.RunPython(run(POSTGRES), run(POSTGRES_REVERSE))]
