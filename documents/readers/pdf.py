"""PDF: the text layer page by page, OCR for pages without one, the first page as preview.

At upload only the structure is read (the cross-reference table, the page count, the
encryption dictionary); no page is parsed, so a bomb in a content stream costs nothing
until the job reads it, inside the sandbox. Object streams, which MuPDF inflates to reach
the page tree, are measured first by inflating them a chunk at a time with nothing kept.
"""

import math
import zlib

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
    join_pages,
    no_stage,
    ocr_stage,
)

PDF = "application/pdf"
MIN_TEXT_CHARS = 20  # a page with less text than this is treated as scanned
MAX_PREVIEW_PIXELS = 4_000_000
MAX_OBJECTS = 500_000
MAX_OBJECT_STREAM_BYTES = 16 * 1024 * 1024  # all object streams together, inflated


def damaged() -> RefusedFile:
    return RefusedFile(_("The PDF is damaged and cannot be read."))


def too_complex() -> RefusedFile:
    return RefusedFile(_("The PDF's internal structure is too large to process."))


def inflated_size(raw: bytes, limit: int) -> int:
    """How many bytes zlib data inflates to, counting no further than `limit` + 1."""
    inflater, size = zlib.decompressobj(), 0
    while raw and size <= limit:
        size += len(inflater.decompress(raw, 1 << 20))
        raw = inflater.unconsumed_tail
    return size


def check_object_streams(pdf: pymupdf.Document) -> None:
    """Refuses a PDF whose object streams inflate past MAX_OBJECT_STREAM_BYTES: the page
    count would otherwise make MuPDF inflate them all, in the request."""
    count = pdf.xref_length()
    if count > MAX_OBJECTS:
        raise too_complex()
    # Which object stream holds each compressed object, read from the cross-reference table
    # without loading anything (PyMuPDF has no public call for this).
    document = pymupdf._as_pdf_document(pdf).m_internal
    entry = pymupdf.mupdf.ll_pdf_get_xref_entry_no_null
    containers = {entry(document, number).ofs for number in range(1, count)
                  if entry(document, number).type == "o"}
    budget = MAX_OBJECT_STREAM_BYTES
    for number in sorted(containers):
        if not 0 < number < count or not pdf.xref_is_stream(number):
            raise damaged()
        raw = pdf.xref_stream_raw(number) or b""
        kind, name = pdf.xref_get_key(number, "Filter")
        if kind == "null":
            budget -= len(raw)
        elif name == "/FlateDecode":
            budget -= inflated_size(raw, budget)
        else:
            raise too_complex()  # filter chains, LZW…: not worth the risk
        if budget < 0:
            raise too_complex()


def open_pdf(data: bytes) -> pymupdf.Document:
    """The PDF opened for reading; RefusedFile when it is damaged, encrypted or too long."""
    try:
        pdf = pymupdf.open(stream=data, filetype="pdf")
        if pdf.needs_pass or pdf.is_encrypted:
            raise RefusedFile(_(
                "The PDF is encrypted (password-protected). Remove the password and upload it "
                "again."
            ))
        check_object_streams(pdf)
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
                stage(ocr_stage(1, len(scanned)))
                pages = zip(scanned, ocr.pdf_pages_text(pdf, scanned), strict=True)
                for done, (index, text) in enumerate(pages, start=1):
                    total += len(text) - len(texts[index])
                    check_text_length(total)
                    texts[index] = text
                    if done < len(scanned):
                        stage(ocr_stage(done + 1, len(scanned)))
        return join_pages(texts)

    def preview(self, data: bytes) -> bytes:
        with open_pdf(data) as pdf:
            try:
                page = pdf.load_page(0)
                width, height = max(page.rect.width, 1), max(page.rect.height, 1)
                zoom = min(PREVIEW_WIDTH / width, math.sqrt(MAX_PREVIEW_PIXELS / width / height))
                return page.get_pixmap(matrix=pymupdf.Matrix(zoom, zoom)).tobytes("png")
            except (RuntimeError, ValueError):
                raise damaged() from None
