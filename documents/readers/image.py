"""Images (PNG, JPEG, TIFF, WebP, HEIC): OCR of every frame, the image itself as preview."""

import io

import pillow_heif
from django.utils.translation import gettext as _
from PIL import Image, ImageFile

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

pillow_heif.register_heif_opener()

MAX_PIXELS = 50_000_000  # a 7000×7000 photo; anything bigger is treated as a bomb
# Pillow's own guard raises past twice this; we check the header before decoding anyway.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS


def too_large() -> RefusedFile:
    return RefusedFile(_("The image is too large to process (more than 50 megapixels)."))


def open_image(data: bytes) -> Image.Image:
    """The image decoded; RefusedFile when it is damaged or a decompression bomb."""
    # WeasyPrint switches this on globally when imported; truncation must stay an error here.
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        image = Image.open(io.BytesIO(data))
        width, height = image.size
        if width * height > MAX_PIXELS:
            raise too_large()
        image.load()
    except RefusedFile:
        raise
    except Image.DecompressionBombError:
        raise too_large() from None
    except (OSError, ValueError, SyntaxError):
        raise RefusedFile(_("The image is damaged or truncated and cannot be read.")) from None
    return image


def image_frames(image: Image.Image) -> list[Image.Image]:
    """Every page of a multi-page image (TIFF scans), bounded like PDFs; else the image."""
    count = getattr(image, "n_frames", 1)
    check_page_count(count, "image")
    if count == 1:
        return [image]
    frames = []
    for index in range(count):
        image.seek(index)
        frames.append(image.copy())
    return frames


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
        image = open_image(data)
        try:
            count = len(image_frames(image))
        finally:
            image.close()
        return FileKind(mime_type, self.extensions[mime_type], count)

    def text(self, data: bytes, stage: Stage = no_stage) -> Extracted:
        stage("ocr")
        frames = image_frames(open_image(data))
        return Extracted("\n\n".join(ocr.images_text(frames)).strip(), len(frames))

    def preview(self, data: bytes) -> bytes:
        image = open_image(data)
        image.thumbnail((PREVIEW_WIDTH, PREVIEW_WIDTH * 2))
        buffer = io.BytesIO()
        image.convert("RGB").save(buffer, "PNG")
        return buffer.getvalue()
