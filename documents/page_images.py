"""Page images of scans and photos, for models that read images as well as OCR text.

Only files whose text came from OCR get images (photos, TIFF scans, PDFs without a text
layer on their pages); a PDF with a text layer says everything in its text. At most
MAX_PAGES pages and MAX_BYTES of JPEG in all — the Messages API takes up to 100 images
and 32 MB a request (base64 adds a third) — each a JPEG whose long side is at most
LONG_SIDE pixels, about what the API uses before it scales an image down itself.
"""

import base64
import io

import pymupdf
from PIL import Image

from .models import Document
from .readers import RefusedFile
from .readers.image import ImageReader, decoded, frames, open_image
from .readers.pdf import MIN_TEXT_CHARS, PDF, open_pdf

MAX_PAGES = 20
MAX_BYTES = 16 * 1024 * 1024
LONG_SIDE = 1568
QUALITY = 80


def _jpeg(image: Image.Image) -> bytes:
    image = image.convert("RGB")
    image.thumbnail((LONG_SIDE, LONG_SIDE))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=QUALITY)
    return buffer.getvalue()


def _pdf_scans(data: bytes) -> list[bytes]:
    with open_pdf(data) as pdf:
        scanned = [page for page in pdf if len(page.get_text().strip()) < MIN_TEXT_CHARS]
        pages = []
        for page in scanned[:MAX_PAGES]:
            zoom = LONG_SIDE / max(page.rect.width, page.rect.height, 1)
            pixmap = page.get_pixmap(matrix=pymupdf.Matrix(zoom, zoom))
            if not _add(pages, _jpeg(Image.frombytes("RGB", (pixmap.width, pixmap.height),
                                                     pixmap.samples))):
                break
        return pages


def _add(pages: list[bytes], image: bytes) -> bool:
    """Adds a page's image while the budget allows; False once it is spent."""
    if sum(map(len, pages)) + len(image) > MAX_BYTES:
        return False
    pages.append(image)
    return len(pages) < MAX_PAGES


def _photo_pages(data: bytes) -> list[bytes]:
    # One frame decoded at a time, under the readers' pixel limits (the file already went
    # through them in the sandbox when its text was read).
    pages = []
    for frame in frames(open_image(data)):
        if not _add(pages, _jpeg(decoded(frame))):
            break
    return pages


def may_have_images(mime_type: str) -> bool:
    """Whether a file of this type can have page images at all (a scan or a photo)."""
    return mime_type == PDF or mime_type in ImageReader.extensions


def images_of(document: Document, data: bytes) -> list[bytes]:
    """JPEG images of the document's scanned pages (photos: each frame); none for text
    files and text PDFs."""
    try:
        if document.mime_type == PDF:
            return _pdf_scans(data)
        if document.mime_type in ImageReader.extensions:
            return _photo_pages(data)
    except RefusedFile:
        return []
    return []


def image_blocks(images: list[bytes]) -> list[dict]:
    """Messages API image content blocks."""
    return [{"type": "image", "source": {"type": "base64", "media_type": "image/jpeg",
                                         "data": base64.b64encode(image).decode("ascii")}}
            for image in images]
