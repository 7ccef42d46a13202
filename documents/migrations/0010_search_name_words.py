"""PostgreSQL: the name's part of every stored search vector again, with the name split
into words at dots, dashes and underscores (documents.search.name_words): the parser read
"ferritin.txt" as one token, so the words of a file's name were never found. The text's
part (weight B) is kept as it is."""

from django.db import migrations

FORWARD = (
    "UPDATE documents_document SET search_vector = "
    "setweight(to_tsvector('russian', lower(regexp_replace(filename, '[._-]+', ' ', 'g'))), 'A')"
    " || ts_filter(search_vector, '{b}') WHERE search_vector IS NOT NULL"
)


def rewrite(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD)


class Migration(migrations.Migration):
    dependencies = [("documents", "0009_fts_owner")]

    operations = [migrations.RunPython(rewrite, migrations.RunPython.noop)]
