"""One reader per file type, chosen by MIME type: `inspect` at upload, `text` and
`preview` in the job. Adding a type is one Reader subclass and one line below."""

from .base import Extracted, FileKind, Reader, RefusedFile, inspect, reader_for, register
from .image import ImageReader
from .pdf import PdfReader
from .text import TextReader

register(PdfReader())
register(ImageReader())
register(TextReader())

__all__ = ["Extracted", "FileKind", "Reader", "RefusedFile", "inspect", "reader_for", "register"]
