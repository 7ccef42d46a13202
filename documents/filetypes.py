"""What an uploaded file really is, decided by its content, never by its name.

`inspect(data)` sniffs the bytes with libmagic, then opens the file with the library that
will process it (PyMuPDF, Pillow) so a damaged, encrypted, oversized or bomb file is
refused before anything is stored.
"""

import io
from dataclasses import dataclass

import magic
import pillow_heif
import pymupdf
from django.utils.translation import gettext as _
from PIL import Image, ImageFile

pillow_heif.register_heif_opener()

MAX_PAGES = 300
MAX_PIXELS = 50_000_000  # a 7000×7000 photo; anything bigger is treated as a bomb
# Pillow's own guard raises past twice this; we check the header before decoding anyway.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS

PDF = "application/pdf"
TEXT = "text/plain"
IMAGE_TYPES = {
    "image/png": "png",
    "image/jpeg": "jpg",
    "image/tiff": "tiff",
    "image/webp": "webp",
    "image/heic": "heic",
    "image/heif": "heic",
}
EXTENSIONS = {PDF: "pdf", TEXT: "txt", **IMAGE_TYPES}
TEXT_ENCODINGS = ("utf-8", "cp1251")


class RefusedFile(Exception):
    """A file we will not store; the message is shown to the user as it is."""

    def __init__(self, message, status=400):
        super().__init__(message)
        self.status = status


@dataclass
class FileKind:
    mime_type: str
    extension: str
    page_count: int


def inspect(data: bytes) -> FileKind:
    if not data:
        raise RefusedFile(_("The file is empty."))
    mime = magic.from_buffer(data[:65536], mime=True)
    if mime == PDF:
        return FileKind(PDF, "pdf", pdf_page_count(data))
    if mime in IMAGE_TYPES:
        return FileKind(mime, IMAGE_TYPES[mime], image_page_count(data))
    if mime == TEXT and decode_text(data) is not None:
        return FileKind(TEXT, "txt", 1)
    raise RefusedFile(
        _("This kind of file is not supported (%(type)s). Upload a PDF, an image "
          "(PNG, JPEG, TIFF, HEIC, WebP) or a plain-text file.") % {"type": mime}
    )


def open_pdf(data: bytes) -> pymupdf.Document:
    """The PDF opened for reading; RefusedFile when it is damaged, encrypted or too long."""
    try:
        pdf = pymupdf.open(stream=data, filetype="pdf")
    except (RuntimeError, ValueError):
        raise RefusedFile(_("The PDF is damaged and cannot be read.")) from None
    if pdf.needs_pass or pdf.is_encrypted:
        raise RefusedFile(_(
            "The PDF is encrypted (password-protected). Remove the password and upload it again."
        ))
    if pdf.page_count == 0:
        raise RefusedFile(_("The PDF is damaged and cannot be read."))
    if pdf.page_count > MAX_PAGES:
        raise RefusedFile(
            _("The PDF has %(count)s pages; at most %(limit)s are accepted.")
            % {"count": pdf.page_count, "limit": MAX_PAGES}
        )
    return pdf


def pdf_page_count(data: bytes) -> int:
    # A PDF ends with %%EOF; one cut short gets "repaired" by MuPDF with pages missing.
    if b"%%EOF" not in data[-2048:]:
        raise RefusedFile(_("The PDF is truncated (the file was cut short) and cannot be read."))
    with open_pdf(data) as pdf:
        try:
            for page in pdf:
                page.get_text()
        except (RuntimeError, ValueError):
            raise RefusedFile(_("The PDF is damaged and cannot be read.")) from None
        return pdf.page_count


def open_image(data: bytes) -> Image.Image:
    """The image decoded; RefusedFile when it is damaged or a decompression bomb."""
    # WeasyPrint switches this on globally when imported; truncation must stay an error here.
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        image = Image.open(io.BytesIO(data))
        width, height = image.size
        if width * height > MAX_PIXELS:
            raise RefusedFile(_("The image is too large to process (more than 50 megapixels)."))
        image.load()
    except RefusedFile:
        raise
    except Image.DecompressionBombError:
        raise RefusedFile(
            _("The image is too large to process (more than 50 megapixels).")
        ) from None
    except (OSError, ValueError, SyntaxError):
        raise RefusedFile(_("The image is damaged or truncated and cannot be read.")) from None
    return image


def image_frames(image: Image.Image) -> list[Image.Image]:
    """Every page of a multi-page image (TIFF scans), bounded like PDFs; else the image."""
    count = getattr(image, "n_frames", 1)
    if count > MAX_PAGES:
        raise RefusedFile(
            _("The image has %(count)s pages; at most %(limit)s are accepted.")
            % {"count": count, "limit": MAX_PAGES}
        )
    if count == 1:
        return [image]
    frames = []
    for index in range(count):
        image.seek(index)
        frames.append(image.copy())
    return frames


def image_page_count(data: bytes) -> int:
    image = open_image(data)
    try:
        return len(image_frames(image))
    finally:
        image.close()


def decode_text(data: bytes) -> str | None:
    if b"\x00" in data:
        return None
    for encoding in TEXT_ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None
