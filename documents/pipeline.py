"""Processing one document, stage by stage: text → OCR → facts → summary.

The facts stage does not fail the document (see facts_state.py).

`process(document)` runs every stage or raises; the job wrapper in tasks.py moves the
document between statuses (through status.py) and decides between retrying and `failed`.
The file's type is handled by its reader (readers/), run in the sandbox; each stage is a
small function that can be called (and tested) on its own.
"""

import logging

from django.core.files.base import ContentFile
from django.utils.translation import gettext as _

from . import facts, facts_state, search, status
from .models import Document
from .readers import RefusedFile, sandbox

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
    read = read_text(document, data)
    document.extracted_text = read.text
    document.page_count = read.page_count
    document.page_starts = read.page_starts
    store_preview(document, read.preview)
    document.save(update_fields=["extracted_text", "page_count", "page_starts", "preview",
                                 "updated"])
    search.index_document(document)
    # The facts have their own state (facts_state.py): the model's trouble never fails
    # a document whose text is read. A new run starts their attempts again.
    document.facts_attempts = 0
    if facts.is_available():
        status.set_stage(document, "facts")
    if facts_state.run(document, data) == Document.FactsStatus.DONE:
        status.set_stage(document, "summary")
        facts.summarise(document)
    return document


def read_text(document: Document, data: bytes) -> sandbox.Read:
    """All text of the file (its text layer, OCR for pages and images that have none) and
    its preview, read by the type's reader in the sandbox, under CPU and memory limits."""
    try:
        return sandbox.read(document.mime_type, data,
                            lambda stage: status.set_stage(document, stage))
    except RefusedFile as refusal:
        raise PermanentFailure(str(refusal)) from refusal


def store_preview(document: Document, png: bytes | None) -> None:
    """A PNG of the first page (or the image itself), for the document page."""
    if png is None:
        return
    if document.preview:
        document.preview.delete(save=False)
    document.preview.save("preview.png", ContentFile(png), save=False)


def failure_reason(error: Exception) -> str:
    if isinstance(error, PermanentFailure):
        return str(error)
    return _("Processing failed: %(error)s") % {"error": str(error) or type(error).__name__}
