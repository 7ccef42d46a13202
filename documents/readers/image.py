"""Images (PNG, JPEG, TIFF, WebP, HEIC): OCR of every frame, the image itself as preview.

At upload only headers are read: every frame's size (a TIFF's frames by walking its IFDs,
without loading pixel data), the total pixels across frames, and whether the file is
complete. Pixels are decoded in the job, inside the sandbox, one frame at a time.
"""

import io
from collections.abc import Iterator

import pillow_heif
from django.utils.translation import gettext as _
from PIL import Image, ImageFile, TiffImagePlugin

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

pillow_heif.register_heif_opener()

MAX_PIXELS = 50_000_000  # one frame: a 7000×7000 photo; anything bigger is treated as a bomb
MAX_TOTAL_PIXELS = 1_000_000_000  # all frames: ~110 A4 pages scanned at 300 dpi
MULTI_PAGE_FORMATS = {"TIFF", "HEIF"}
# Pillow's own guard raises past twice this; we check the headers before decoding anyway.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS


def too_large() -> RefusedFile:
    return RefusedFile(_("The image is too large to process (more than 50 megapixels)."))


def damaged() -> RefusedFile:
    return RefusedFile(_("The image is damaged or truncated and cannot be read."))


def open_image(data: bytes) -> Image.Image:
    """The image opened (headers read, no pixels decoded); RefusedFile when damaged."""
    # WeasyPrint switches this on globally when imported; truncation must stay an error here.
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        return Image.open(io.BytesIO(data))
    except Image.DecompressionBombError:
        raise too_large() from None
    except (OSError, ValueError, SyntaxError, EOFError):
        raise damaged() from None


def frames(image: Image.Image) -> Iterator[Image.Image]:
    """The image at each of its pages in turn, refused as soon as a frame, the page count
    or the total pixels exceed the limits. A TIFF's or HEIF's next page is found by reading
    its header only; other formats' extra frames (animations) are not pages."""
    index, total = 0, 0
    while True:
        width, height = image.size
        if width * height > MAX_PIXELS:
            raise too_large()
        total += width * height
        if total > MAX_TOTAL_PIXELS:
            raise RefusedFile(_("The image's pages hold too many pixels to process."))
        check_page_count(index + 1, "image")
        yield image
        if image.format not in MULTI_PAGE_FORMATS:
            return
        index += 1
        try:
            image.seek(index)
        except EOFError:
            return
        except (OSError, ValueError, SyntaxError):
            raise damaged() from None


def complete(image: Image.Image, data: bytes) -> bool:
    """Whether the file holds all of this frame's data, checked without decoding it."""
    if image.format == "PNG":
        try:
            Image.open(io.BytesIO(data)).verify()  # walks the chunks, checks their CRCs
        except Exception:  # Pillow raises a different error for each way of breaking
            return False
        return True
    if image.format == "JPEG":
        return jpeg_complete(data)
    if image.format == "TIFF":
        return tiff_frame_complete(image, len(data))
    if image.format == "WEBP":
        return int.from_bytes(data[4:8], "little") + 8 <= len(data)
    return boxes_complete(data)  # HEIC/HEIF: ISO media boxes


def jpeg_complete(data: bytes) -> bool:
    """Whether the first image's end marker is there: segments are skipped by their lengths
    and scans searched for the next marker, so data a phone appends after it is fine."""
    position = 2
    while position + 2 <= len(data):
        if data[position] != 0xFF:
            return False
        marker = data[position + 1]
        if marker == 0xD9:
            return True
        if marker == 0xFF:  # fill byte
            position += 1
            continue
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:
            position += 2
            continue
        if position + 4 > len(data):
            return False
        position += 2 + int.from_bytes(data[position + 2:position + 4], "big")
        if marker == 0xDA:  # entropy-coded data runs to the next marker
            while True:
                position = data.find(b"\xff", position)
                if position < 0 or position + 1 >= len(data):
                    return False
                following = data[position + 1]
                if following == 0 or 0xD0 <= following <= 0xD7:
                    position += 2
                    continue
                break
    return False


def tiff_frame_complete(image: TiffImagePlugin.TiffImageFile, size: int) -> bool:
    tags = image.tag_v2
    for offsets_tag, counts_tag in ((273, 279), (324, 325)):  # strips, tiles
        offsets, counts = tags.get(offsets_tag), tags.get(counts_tag)
        if offsets is None:
            continue
        offsets = offsets if isinstance(offsets, tuple) else (offsets,)
        counts = counts if isinstance(counts, tuple) else (counts,) if counts else ()
        if len(counts) != len(offsets):
            return False
        pairs = zip(offsets, counts, strict=True)
        return all(offset + count <= size for offset, count in pairs)
    return False


def boxes_complete(data: bytes) -> bool:
    position = 0
    while position + 8 <= len(data):
        size = int.from_bytes(data[position:position + 4], "big")
        if size == 1:
            size = int.from_bytes(data[position + 8:position + 16], "big")
        elif size == 0:
            return True
        if size < 8:
            return False
        position += size
    return position == len(data)


class ImageReader(Reader):
    extensions = {
        "image/png": "png",
        "image/jpeg": "jpg",
        "image/tiff": "tiff",
        "image/webp": "webp",
        "image/heic": "heic",
        "image/heif": "heic",
    }

    def inspect(self, data: bytes, mime_type: str) -> FileKind:
        return FileKind(mime_type, self.extensions[mime_type], check(data))

    def text(self, data: bytes, stage: Stage = no_stage) -> Extracted:
        pages = check(data)  # the same limits again before any pixel is decoded
        stage(ocr_stage(1, pages))
        texts, total = [], 0
        with open_image(data) as image:
            for text in ocr.read_each(decoded(frame) for frame in frames(image)):
                texts.append(text)
                total += len(text)
                check_text_length(total)
                if len(texts) < pages:
                    stage(ocr_stage(len(texts) + 1, pages))
        return join_pages(texts)

    def preview(self, data: bytes) -> bytes:
        check(data)
        with open_image(data) as image:
            first = decoded(image)
            first.thumbnail((PREVIEW_WIDTH, PREVIEW_WIDTH * 2))
            buffer = io.BytesIO()
            first.convert("RGB").save(buffer, "PNG")
        return buffer.getvalue()


def check(data: bytes) -> int:
    """The number of pages, from headers only; RefusedFile past a limit or when cut short."""
    count = 0
    with open_image(data) as image:
        for frame in frames(image):
            count += 1
            if (count == 1 or frame.format == "TIFF") and not complete(frame, data):
                raise damaged()
    return count


def decoded(frame: Image.Image) -> Image.Image:
    """This frame's pixels decoded (prepared for OCR before the next frame is sought)."""
    try:
        frame.load()
        return frame
    except Image.DecompressionBombError:
        raise too_large() from None
    except (OSError, ValueError, SyntaxError, EOFError):
        raise damaged() from None
