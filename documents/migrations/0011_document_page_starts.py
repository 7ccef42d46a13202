"""Where each page begins in a document's text, for reading it page by page; documents
read before are back-filled without OCR: one page starts at 0, a PDF's pages are found
again from its text layers (documents.pages.back_filled_starts), anything else stays
unknown (read in parts instead)."""

import logging

from django.db import migrations, models

log = logging.getLogger(__name__)


def back_fill(apps, schema_editor):
    from documents.pages import back_filled_starts

    Document = apps.get_model("documents", "Document")
    rows = (Document.objects.exclude(extracted_text="")
            .only("id", "file", "mime_type", "page_count", "extracted_text"))
    for document in rows.iterator(chunk_size=100):
        data = None
        if document.page_count > 1 and document.mime_type == "application/pdf":
            try:
                with document.file.storage.open(document.file.name, "rb") as handle:
                    data = handle.read()
            except Exception:  # a missing or unreachable file: its pages stay unknown
                log.warning("document %s: its file could not be read", document.pk)
        starts = back_filled_starts(document.extracted_text, document.mime_type,
                                    document.page_count, data)
        if starts:
            Document.objects.filter(pk=document.pk).update(page_starts=starts)


class Migration(migrations.Migration):
    dependencies = [("documents", "0010_search_name_words")]

    operations = [
        migrations.AddField(
            model_name="document",
            name="page_starts",
            field=models.JSONField(blank=True, default=list, editable=False,
                                   verbose_name="page starts"),
        ),
        migrations.RunPython(back_fill, migrations.RunPython.noop),
    ]
