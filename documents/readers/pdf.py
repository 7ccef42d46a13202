"""PDF: the text layer page by page, OCR for pages without one, the first page as preview."""

import pymupdf
from django.utils.translation import gettext as _

from .. import ocr
from .base import (
    PREVIEW_WIDTH,
    Extracted,
    FileKind,
    Reader,
    RefusedFile,
    Stage,
    check_page_count,
    no_stage,
)

PDF = "application/pdf"
MIN_TEXT_CHARS = 20  # a page with less text than this is treated as scanned


def damaged() -> RefusedFile:
    return RefusedFile(_("The PDF is damaged and cannot be read."))


def open_pdf(data: bytes) -> pymupdf.Document:
    """The PDF opened for reading; RefusedFile when it is damaged, encrypted or too long."""
    try:
        pdf = pymupdf.open(stream=data, filetype="pdf")
    except (RuntimeError, ValueError):
        raise damaged() from None
    if pdf.needs_pass or pdf.is_encrypted:
        raise RefusedFile(_(
            "The PDF is encrypted (password-protected). Remove the password and upload it again."
        ))
    if pdf.page_count == 0:
        raise damaged()
    check_page_count(pdf.page_count, "pdf")
    return pdf


class PdfReader(Reader):
    extensions = {PDF: "pdf"}

    def inspect(self, data: bytes, mime_type: str) -> FileKind:
        # A PDF ends with %%EOF; one cut short gets "repaired" by MuPDF with pages missing.
        if b"%%EOF" not in data[-2048:]:
            raise RefusedFile(
                _("The PDF is truncated (the file was cut short) and cannot be read.")
            )
        with open_pdf(data) as pdf:
            try:
                for page in pdf:
                    page.get_text()
            except (RuntimeError, ValueError):
                raise damaged() from None
            return FileKind(PDF, "pdf", pdf.page_count)

    def text(self, data: bytes, stage: Stage = no_stage) -> Extracted:
        with open_pdf(data) as pdf:
            texts = [page.get_text() for page in pdf]  # sort=True costs ~14× (bench/)
            scanned = [index for index, text in enumerate(texts)
                       if len(text.strip()) < MIN_TEXT_CHARS]
            if scanned:
                stage("ocr")
                for index, text in zip(scanned, ocr.pdf_pages_text(pdf, scanned), strict=True):
                    texts[index] = text
            count = pdf.page_count
        return Extracted("\n\n".join(text.strip() for text in texts).strip(), count)

    def preview(self, data: bytes) -> bytes:
        with open_pdf(data) as pdf:
            page = pdf.load_page(0)
            zoom = PREVIEW_WIDTH / max(page.rect.width, 1)
            return page.get_pixmap(matrix=pymupdf.Matrix(zoom, zoom)).tobytes("png")
