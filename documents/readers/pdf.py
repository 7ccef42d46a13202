"""PDF: the text layer page by page, OCR for pages without one, the first page as preview.

At upload only the structure is read (the cross-reference table, the page count, the
encryption dictionary); no page is parsed, so a bomb in a content stream costs nothing
until the job reads it, inside the sandbox.
"""

import math

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
    check_text_length,
    no_stage,
)

PDF = "application/pdf"
MIN_TEXT_CHARS = 20  # a page with less text than this is treated as scanned
MAX_PREVIEW_PIXELS = 4_000_000


def damaged() -> RefusedFile:
    return RefusedFile(_("The PDF is damaged and cannot be read."))


def open_pdf(data: bytes) -> pymupdf.Document:
    """The PDF opened for reading; RefusedFile when it is damaged, encrypted or too long."""
    try:
        pdf = pymupdf.open(stream=data, filetype="pdf")
        if pdf.needs_pass or pdf.is_encrypted:
            raise RefusedFile(_(
                "The PDF is encrypted (password-protected). Remove the password and upload it "
                "again."
            ))
        count = pdf.page_count
    except (RuntimeError, ValueError):
        raise damaged() from None
    if count == 0:
        raise damaged()
    check_page_count(count, "pdf")
    return pdf


def page_text(page: pymupdf.Page) -> str:
    try:
        return page.get_text()  # sort=True costs ~14× (bench/)
    except (RuntimeError, ValueError):
        raise damaged() from None


class PdfReader(Reader):
    extensions = {PDF: "pdf"}

    def inspect(self, data: bytes, mime_type: str) -> FileKind:
        # A PDF ends with %%EOF; one cut short gets "repaired" by MuPDF with pages missing.
        if b"%%EOF" not in data[-2048:]:
            raise RefusedFile(
                _("The PDF is truncated (the file was cut short) and cannot be read.")
            )
        with open_pdf(data) as pdf:
            return FileKind(PDF, "pdf", pdf.page_count)

    def text(self, data: bytes, stage: Stage = no_stage) -> Extracted:
        with open_pdf(data) as pdf:
            texts, total = [], 0
            for page in pdf:
                texts.append(page_text(page))
                total += len(texts[-1])
                check_text_length(total)
            scanned = [index for index, text in enumerate(texts)
                       if len(text.strip()) < MIN_TEXT_CHARS]
            if scanned:
                stage("ocr")
                for index, text in zip(scanned, ocr.pdf_pages_text(pdf, scanned), strict=True):
                    total += len(text) - len(texts[index])
                    check_text_length(total)
                    texts[index] = text
            count = pdf.page_count
        return Extracted("\n\n".join(text.strip() for text in texts).strip(), count)

    def preview(self, data: bytes) -> bytes:
        with open_pdf(data) as pdf:
            try:
                page = pdf.load_page(0)
                width, height = max(page.rect.width, 1), max(page.rect.height, 1)
                zoom = min(PREVIEW_WIDTH / width, math.sqrt(MAX_PREVIEW_PIXELS / width / height))
                return page.get_pixmap(matrix=pymupdf.Matrix(zoom, zoom)).tobytes("png")
            except (RuntimeError, ValueError):
                raise damaged() from None
