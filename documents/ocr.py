"""OCR with tesseract (English + Russian), pages in parallel on every core.

Each tesseract process is held to one thread (OMP_THREAD_LIMIT) and as many run at once
as there are cores, which is faster than one process using them all.
"""

import os
from concurrent.futures import ThreadPoolExecutor

import pymupdf
import pytesseract
from PIL import Image, ImageOps

os.environ.setdefault("OMP_THREAD_LIMIT", "1")

LANGUAGES = "eng+rus"
DPI = 300
PAGE_TIMEOUT = 180  # seconds for one page; a stuck tesseract must not hold the worker
MAX_SIDE = 5000  # larger photos are scaled down: no gain in accuracy, much more time


def workers() -> int:
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


def prepare(image: Image.Image) -> Image.Image:
    image = ImageOps.exif_transpose(image)  # phone photos are often stored sideways
    if max(image.size) > MAX_SIDE:
        image.thumbnail((MAX_SIDE, MAX_SIDE))
    return image.convert("L")


def read(image: Image.Image) -> str:
    return pytesseract.image_to_string(prepare(image), lang=LANGUAGES, timeout=PAGE_TIMEOUT).strip()


def images_text(images: list[Image.Image]) -> list[str]:
    """OCR text of several images (the frames of a multi-page TIFF), in parallel."""
    if len(images) == 1:
        return [read(images[0])]
    with ThreadPoolExecutor(max_workers=workers()) as pool:
        return list(pool.map(read, images))


def render_page(pdf: pymupdf.Document, index: int) -> Image.Image:
    pixmap = pdf.load_page(index).get_pixmap(dpi=DPI, colorspace=pymupdf.csGRAY)
    return Image.frombytes("L", (pixmap.width, pixmap.height), pixmap.samples)


def pdf_pages_text(pdf: pymupdf.Document, indexes: list[int]) -> list[str]:
    """OCR text of the given pages, in order. Rendering stays on this thread (MuPDF is not
    thread-safe); tesseract runs in parallel, a batch of pages per core at a time."""
    results: list[str] = []
    count = workers()
    with ThreadPoolExecutor(max_workers=count) as pool:
        for start in range(0, len(indexes), count * 2):
            batch = [render_page(pdf, index) for index in indexes[start:start + count * 2]]
            results.extend(pool.map(read, batch))
    return results
