"""Processing one document, stage by stage: text → OCR → facts → summary.

`process(document)` runs every stage or raises; the job wrapper in tasks.py moves the
document between statuses (through status.py) and decides between retrying and `failed`.
The file's type is handled by its reader (readers/); each stage is a small function that
can be called (and tested) on its own.
"""

import logging

from django.core.files.base import ContentFile
from django.utils.translation import gettext as _

from . import facts, readers, search, status
from .models import Document
from .readers import RefusedFile

log = logging.getLogger(__name__)


class PermanentFailure(Exception):
    """Retrying will not help (encrypted, damaged): the document fails at once."""


def read_file(document: Document) -> bytes:
    # Storage open/read, never .path: the file may live on S3-compatible storage.
    with document.file.storage.open(document.file.name, "rb") as handle:
        return handle.read()


def process(document: Document) -> Document:
    status.set_stage(document, "text")
    data = read_file(document)
    document.extracted_text = extract_text(document, data)
    render_preview(document, data)
    document.save(update_fields=["extracted_text", "page_count", "preview", "updated"])
    search.index_document(document)
    if facts.is_available():
        status.set_stage(document, "facts")
        facts.extract_facts(document)
        status.set_stage(document, "summary")
        facts.summarise(document)
    return document


def extract_text(document: Document, data: bytes) -> str:
    """All text of the file: its text layer, with OCR for pages and images that have none."""
    try:
        extracted = readers.reader_for(document.mime_type).text(
            data, lambda stage: status.set_stage(document, stage)
        )
    except RefusedFile as refusal:
        raise PermanentFailure(str(refusal)) from refusal
    document.page_count = extracted.page_count
    return extracted.text


def render_preview(document: Document, data: bytes) -> None:
    """A PNG of the first page (or the image itself), for the document page."""
    try:
        png = readers.reader_for(document.mime_type).preview(data)
    except RefusedFile as refusal:
        raise PermanentFailure(str(refusal)) from refusal
    if png is None:
        return
    if document.preview:
        document.preview.delete(save=False)
    document.preview.save("preview.png", ContentFile(png), save=False)


def failure_reason(error: Exception) -> str:
    if isinstance(error, PermanentFailure):
        return str(error)
    return _("Processing failed: %(error)s") % {"error": str(error) or type(error).__name__}
