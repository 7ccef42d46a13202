"""A document's text page by page: what the `read_document` tool hands the model, bounded
per call, and the page boundaries of documents read before they were kept.

The pipeline keeps where each page begins in `Document.page_starts`. A document without
them (read before, or a boundary that could not be found again) is read in parts of about
one page's length instead, and says so.
"""

import re
from bisect import bisect_right
from dataclasses import dataclass

import pymupdf

from .readers.base import PAGE_BREAK
from .readers.pdf import MIN_TEXT_CHARS, PDF

MAX_CHARS = 8_000  # of text in one call: a few pages, ~2,000 tokens
MAX_PAGES = 5  # pages in one call
PART_CHARS = 3_000  # a part of a document whose pages are not known


@dataclass(frozen=True)
class Page:
    number: int  # from 1
    text: str


@dataclass(frozen=True)
class Reading:
    pages: list[Page]  # those given in this call
    total: int  # pages (or parts) in the document
    by_page: bool  # False: parts of the text, the pages being unknown
    next_page: int | None  # the first page not given yet; None at the end


def split(text: str, starts: list[int]) -> list[str]:
    """The text of each page, from where each begins."""
    ends = [*starts[1:], len(text)]
    return [text[start:end].strip() for start, end in zip(starts, ends, strict=True)]


def numbered(text: str, starts, page_count: int) -> list[tuple[int, str]]:
    """(number, text) of each page of a multi-page document whose pages are known."""
    if page_count < 2 or not known_starts(text, starts, page_count):
        return []
    return list(enumerate(split(text, starts), start=1))


def parts(text: str) -> list[str]:
    """The text in parts of about PART_CHARS, cut at a blank line or a line end near there."""
    chunks, rest = [], text.strip()
    while len(rest) > PART_CHARS:
        cut = rest.rfind("\n\n", PART_CHARS // 2, PART_CHARS)
        if cut < 0:
            cut = rest.rfind("\n", PART_CHARS // 2, PART_CHARS)
        if cut < 0:
            cut = PART_CHARS
        chunks.append(rest[:cut].strip())
        rest = rest[cut:].strip()
    if rest or not chunks:
        chunks.append(rest)
    return chunks


def known_starts(text: str, starts, page_count: int) -> bool:
    return (isinstance(starts, list) and len(starts) == max(page_count, 1)
            and all(isinstance(start, int) for start in starts)
            and starts == sorted(starts) and (not starts or starts[-1] <= len(text)))


def read(text: str, starts, page_count: int, first: int = 1) -> Reading:
    """The pages from `first` on, as many as fit in MAX_CHARS (at least one, cut to it)
    and MAX_PAGES."""
    by_page = known_starts(text, starts, page_count)
    texts = split(text, starts) if by_page else parts(text)
    first = min(max(first, 1), len(texts))
    given, used, number = [], 0, first
    while number <= len(texts) and len(given) < MAX_PAGES:
        page = texts[number - 1]
        if given and used + len(page) > MAX_CHARS:
            break
        if len(page) > MAX_CHARS:
            page = page[:MAX_CHARS] + "\n[… the rest of this page is not shown]"
        given.append(Page(number, page))
        used += len(page)
        number += 1
    return Reading(given, len(texts), by_page, number if number <= len(texts) else None)


def page_of_excerpt(text: str, starts, page_count: int, excerpt: str,
                    marked: str = "", start_mark: str = "") -> int | None:
    """The page (from 1) an excerpt of the search comes from: where its first matched word
    (after `start_mark` in `marked`) is, else where its longest piece between ellipses
    begins, found again in the text with any spacing; None when not found or the pages
    are not known."""
    if not known_starts(text, starts, page_count):
        return None
    source = marked if start_mark and start_mark in (marked or "") else (excerpt or "")
    pieces = [piece for piece in re.split(r"…|\.\.\.", source) if piece.strip()]
    if not pieces:
        return None
    piece = next((p for p in pieces if start_mark and start_mark in p), max(pieces, key=len))
    words = piece.split()
    hit = next((n for n, word in enumerate(words) if start_mark and start_mark in word), 0)
    window = words[max(hit - 3, 0):hit + 4]
    at = min(hit, 3)
    clean = [re.escape(re.sub(r"[\ue000-\uf8ff]", "", word)) for word in window]
    if not all(clean):
        return None
    pattern = r"\s+".join(f"({word})" if n == at else word for n, word in enumerate(clean))
    found = re.search(pattern, text)
    if found is None:
        return None
    return bisect_right(starts, found.start(1))


def located_starts(text: str, layers: list[str | None]) -> list[int]:
    """Where each page begins in `text`, found again from the pages' text layers (None for
    a page that was OCR'd): the pipeline joined the pages' stripped texts with PAGE_BREAK.
    A page without a layer is placed exactly only between two that have one (or first, or
    last); two such pages side by side cannot be told apart: [] (unknown)."""
    starts, position, unknown_run = [], 0, 0
    for layer in layers:
        if layer is None:
            unknown_run += 1
            if unknown_run > 1:
                return []
            starts.append(min(position, len(text)))
            continue
        found = text.find(layer, position)
        if found < 0 or (unknown_run == 0 and starts and text[position:found].strip()):
            return []
        starts.append(found)
        position = found + len(layer) + len(PAGE_BREAK)
        unknown_run = 0
    return starts


def pdf_layers(data: bytes) -> list[str | None]:
    """Each page's text layer as the pipeline read it; None where OCR read the page."""
    with pymupdf.open(stream=data, filetype="pdf") as pdf:
        layers = []
        for page in pdf:
            layer = page.get_text().strip()
            layers.append(layer if len(layer) >= MIN_TEXT_CHARS else None)
        return layers


def back_filled_starts(text: str, mime_type: str, page_count: int, data: bytes | None) -> list:
    """A document's page starts without OCR: one page starts at 0; a PDF's are found from
    its text layers; otherwise unknown ([])."""
    if page_count <= 1:
        return [0]
    if mime_type != PDF or data is None:
        return []
    try:
        layers = pdf_layers(data)
    except (RuntimeError, ValueError):
        return []
    if len(layers) != page_count:
        return []
    return located_starts(text, layers)
