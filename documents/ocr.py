"""OCR with tesseract (English + Russian), one page or frame at a time.

Pages are decoded or rendered one by one on the calling thread (MuPDF is not thread-safe,
and a scan's frames must not all sit in memory at once); tesseract reads them in parallel,
one process per core held to one thread (OMP_THREAD_LIMIT), with at most one page per core
waiting — faster than one process using every core, and bounded in memory.
"""

import math
import os
from collections import deque
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor

import pymupdf
import pytesseract
from PIL import Image, ImageOps

os.environ.setdefault("OMP_THREAD_LIMIT", "1")

LANGUAGES = "eng+rus"
DPI = 300
PAGE_TIMEOUT = 180  # seconds for one page; a stuck tesseract must not hold the worker
MAX_SIDE = 5000  # larger photos are scaled down: no gain in accuracy, much more time
MAX_RENDER_PIXELS = 50_000_000  # a huge page is rendered at a lower resolution


def workers() -> int:
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


def prepare(image: Image.Image) -> Image.Image:
    image = ImageOps.exif_transpose(image)  # phone photos are often stored sideways
    if max(image.size) > MAX_SIDE:
        image.thumbnail((MAX_SIDE, MAX_SIDE))
    return image.convert("L")


def recognise(prepared: Image.Image) -> str:
    return pytesseract.image_to_string(prepared, lang=LANGUAGES, timeout=PAGE_TIMEOUT).strip()


def read(image: Image.Image) -> str:
    return recognise(prepare(image))


def read_each(images: Iterable[Image.Image]) -> Iterable[str]:
    """OCR text of each image, in order; `images` is consumed lazily, a page at a time."""
    count = workers()
    running: deque = deque()
    with ThreadPoolExecutor(max_workers=count) as pool:
        for image in images:
            running.append(pool.submit(recognise, prepare(image)))
            if len(running) >= count:
                yield running.popleft().result()
        while running:
            yield running.popleft().result()


def render_dpi(page: pymupdf.Page, dpi: int = DPI) -> float:
    """The resolution to render a page at: `dpi`, lower for a page too large for that."""
    area = max(page.rect.width * page.rect.height, 1) / 72 / 72  # square inches
    return min(dpi, math.sqrt(MAX_RENDER_PIXELS / area))


def render_page(pdf: pymupdf.Document, index: int) -> Image.Image:
    page = pdf.load_page(index)
    pixmap = page.get_pixmap(dpi=max(1, int(render_dpi(page))), colorspace=pymupdf.csGRAY)
    return Image.frombytes("L", (pixmap.width, pixmap.height), pixmap.samples)


def pdf_pages_text(pdf: pymupdf.Document, indexes: list[int]) -> Iterable[str]:
    """OCR text of the given pages, in order, rendered one at a time."""
    return read_each(render_page(pdf, index) for index in indexes)
