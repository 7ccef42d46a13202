"""Processing one document, stage by stage: text → OCR → facts → summary.

`process(document)` runs every stage and leaves the document `completed` or raises; the
job wrapper in tasks.py decides between retrying and `failed`. Each stage is a small
function that can be called (and tested) on its own.
"""

import io
import logging

from django.core.files.base import ContentFile
from django.utils.translation import gettext as _

from chats import budget

from . import facts, filetypes, ocr, search
from .filetypes import RefusedFile
from .models import Document

log = logging.getLogger(__name__)

BUDGET_STAGE = "budget"
MIN_TEXT_CHARS = 20  # a page with less text than this is treated as scanned
PREVIEW_WIDTH = 900


class PermanentFailure(Exception):
    """Retrying will not help (encrypted, damaged): the document fails at once."""


def read_file(document: Document) -> bytes:
    # Storage open/read, never .path: the file may live on S3-compatible storage.
    with document.file.storage.open(document.file.name, "rb") as handle:
        return handle.read()


def set_stage(document: Document, stage: str) -> None:
    document.stage = stage
    Document.objects.filter(pk=document.pk).update(stage=stage)


def process(document: Document) -> Document:
    set_stage(document, "text")
    data = read_file(document)
    document.extracted_text = extract_text(document, data)
    render_preview(document, data)
    document.save(update_fields=["extracted_text", "page_count", "preview", "updated"])
    search.index_document(document)
    if facts.is_available() and budget.is_reached(document.user):
        return wait_for_budget(document)
    if facts.is_available():
        set_stage(document, "facts")
        facts.extract_facts(document)
        set_stage(document, "summary")
        facts.summarise(document)
    document.status = Document.Status.COMPLETED
    document.stage = ""
    document.error = ""
    document.save(update_fields=["status", "stage", "error", "updated"])
    return document


def wait_for_budget(document: Document) -> Document:
    """The user's monthly token budget is used up: the document keeps its text (it is
    searchable) and waits; processing it again once there is budget adds the facts."""
    document.status = Document.Status.PENDING
    document.stage = BUDGET_STAGE
    document.error = _("Waiting for the monthly token budget: the text is saved and "
                       "searchable; facts and a summary will follow when there is budget.")
    document.save(update_fields=["status", "stage", "error", "updated"])
    return document


def extract_text(document: Document, data: bytes) -> str:
    """All text of the file: its text layer, with OCR for pages and images that have none."""
    try:
        if document.mime_type == filetypes.PDF:
            return pdf_text(document, data)
        if document.mime_type == filetypes.TEXT:
            return filetypes.decode_text(data) or ""
        set_stage(document, "ocr")
        frames = filetypes.image_frames(filetypes.open_image(data))
        document.page_count = len(frames)
        return "\n\n".join(ocr.images_text(frames)).strip()
    except RefusedFile as refusal:
        raise PermanentFailure(str(refusal)) from refusal


def pdf_text(document: Document, data: bytes) -> str:
    with filetypes.open_pdf(data) as pdf:
        document.page_count = pdf.page_count
        texts = [page.get_text() for page in pdf]  # sort=True costs ~14× (bench/)
        scanned = [index for index, text in enumerate(texts) if len(text.strip()) < MIN_TEXT_CHARS]
        if scanned:
            set_stage(document, "ocr")
            for index, text in zip(scanned, ocr.pdf_pages_text(pdf, scanned), strict=True):
                texts[index] = text
    return "\n\n".join(text.strip() for text in texts).strip()


def render_preview(document: Document, data: bytes) -> None:
    """A PNG of the first page (or the image itself), for the document page."""
    if document.mime_type == filetypes.TEXT:
        return
    if document.mime_type == filetypes.PDF:
        with filetypes.open_pdf(data) as pdf:
            page = pdf.load_page(0)
            zoom = PREVIEW_WIDTH / max(page.rect.width, 1)
            png = page.get_pixmap(matrix=filetypes.pymupdf.Matrix(zoom, zoom)).tobytes("png")
    else:
        image = filetypes.open_image(data)
        image.thumbnail((PREVIEW_WIDTH, PREVIEW_WIDTH * 2))
        buffer = io.BytesIO()
        image.convert("RGB").save(buffer, "PNG")
        png = buffer.getvalue()
    if document.preview:
        document.preview.delete(save=False)
    document.preview.save("preview.png", ContentFile(png), save=False)


def fail(document: Document, reason: str) -> None:
    Document.objects.filter(pk=document.pk).update(
        status=Document.Status.FAILED, stage="", error=reason[:2000]
    )


def failure_reason(error: Exception) -> str:
    if isinstance(error, PermanentFailure):
        return str(error)
    return _("Processing failed: %(error)s") % {"error": str(error) or type(error).__name__}
