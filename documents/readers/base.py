"""The interface every file type implements, and the registry that picks one by MIME type.

A reader knows one kind of file. `inspect(data)` runs inside the upload request, so it
only does cheap checks: headers, sizes, page counts, encryption — never decoding pixels or
extracting text. `text(data, stage)` extracts the text (with OCR where the file has no text
layer) and `preview(data)` renders a PNG of the first page; both run in the job, inside the
sandbox (sandbox.py), one page or frame at a time. Adding a type is one subclass and one
`register(...)` line in `readers/__init__.py`.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

import magic
from django.utils.translation import gettext as _

PREVIEW_WIDTH = 900
MAX_PAGES = 300
MAX_TEXT_CHARS = 3_000_000  # ~1000 dense pages; more is not a health document


class RefusedFile(Exception):
    """A file we will not store or cannot read; the message is shown to the user as it is."""

    def __init__(self, message, status=400):
        super().__init__(message)
        self.status = status


@dataclass
class FileKind:
    mime_type: str
    extension: str
    page_count: int


@dataclass
class Extracted:
    text: str
    page_count: int
    # Where each page begins in `text` (character offsets); empty when unknown.
    page_starts: list[int] = field(default_factory=list)


PAGE_BREAK = "\n\n"


def join_pages(texts: list[str]) -> Extracted:
    """The pages' texts as one text, blank-line separated, with where each page begins."""
    starts, position = [], 0
    for text in texts:
        starts.append(position)
        position += len(text.strip()) + len(PAGE_BREAK)
    joined = PAGE_BREAK.join(text.strip() for text in texts)
    text = joined.strip()
    lead = len(joined) - len(joined.lstrip())  # empty first pages leave only separators
    return Extracted(text, len(texts), [min(max(start - lead, 0), len(text)) for start in starts])


Stage = Callable[[str], None]


def no_stage(stage: str) -> None:
    """The stage callback for callers that do not report progress."""


def ocr_stage(page: int, pages: int) -> str:
    """The OCR stage with how far it is: "ocr:3/12" is the third of twelve scanned pages
    (Document.ocr_progress reads it back for the page)."""
    return f"ocr:{page}/{pages}"


class Reader:
    """One kind of file. Subclasses set `extensions` (MIME type → file extension)."""

    extensions: dict[str, str] = {}

    def inspect(self, data: bytes, mime_type: str) -> FileKind:
        """Cheap checks before the file is stored; RefusedFile when it is unacceptable."""
        raise NotImplementedError

    def text(self, data: bytes, stage: Stage = no_stage) -> Extracted:
        """All text of the file; RefusedFile when it cannot be read."""
        raise NotImplementedError

    def preview(self, data: bytes) -> bytes | None:
        """A PNG of the first page, or None when the type has nothing to show."""
        return None


def check_page_count(count: int, kind: str) -> None:
    if count <= MAX_PAGES:
        return
    if kind == "pdf":
        message = _("The PDF has %(count)s pages; at most %(limit)s are accepted.")
    else:
        message = _("The image has %(count)s pages; at most %(limit)s are accepted.")
    raise RefusedFile(message % {"count": count, "limit": MAX_PAGES})


def check_text_length(count: int) -> None:
    if count > MAX_TEXT_CHARS:
        raise RefusedFile(
            _("The file holds more text than can be processed (more than %(limit)s "
              "characters).") % {"limit": f"{MAX_TEXT_CHARS:,}".replace(",", " ")}
        )


def unsupported(mime_type: str) -> RefusedFile:
    return RefusedFile(
        _("This kind of file is not supported (%(type)s). Upload a PDF, an image "
          "(PNG, JPEG, TIFF, HEIC, WebP) or a plain-text file.") % {"type": mime_type}
    )


READERS: dict[str, Reader] = {}


def register(reader: Reader) -> Reader:
    for mime_type in reader.extensions:
        READERS[mime_type] = reader
    return reader


def reader_for(mime_type: str) -> Reader:
    """The reader of a stored document's type (decided at upload, so always known)."""
    try:
        return READERS[mime_type]
    except KeyError:
        raise unsupported(mime_type) from None


def inspect(data: bytes) -> FileKind:
    """What an uploaded file really is, decided by its content, never by its name."""
    if not data:
        raise RefusedFile(_("The file is empty."))
    mime_type = magic.from_buffer(data[:65536], mime=True)
    return reader_for(mime_type).inspect(data, mime_type)
