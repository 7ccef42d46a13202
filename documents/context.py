"""What the assistant is told from the documents for the current message, as data blocks
of the user turn: excerpts of the documents about it, and the values over time of any
analyte it names — each with the documents it came from, listed under the answer."""

import uuid

from chats.assistant.untrusted import data_block
from chats.sources import Blocks, Source

from . import analytes, pages, search
from .models import Document

DOCUMENT_HITS = 5


def excerpt_blocks(user, chat, current: str) -> Blocks:
    hits = search.relevant(user, current, limit=DOCUMENT_HITS)
    blocks, sources = [], []
    found_pages = excerpt_pages(user, hits)
    for hit in hits:
        dated = f", dated {hit.document_date.isoformat()}" if hit.document_date else ""
        page = found_pages.get(str(hit.document_id))
        on_page = f", page {page}" if page else ""
        blocks.append(data_block(
            f"document:{hit.document_id}",
            f"Excerpt of {hit.filename} (document id {hit.document_id}){dated}{on_page}",
            hit.snippet,
        ))
        sources.append(Source(str(hit.document_id), hit.filename, page))
    return Blocks(blocks, sources)


def excerpt_pages(user, hits) -> dict[str, int]:
    """The page each multi-page document's excerpt is on, where it can be told."""
    ids = []
    for hit in hits:
        try:
            ids.append(uuid.UUID(str(hit.document_id)))
        except ValueError:
            continue
    if not ids:
        return {}
    rows = (Document.objects.for_user(user).filter(pk__in=ids, page_count__gt=1)
            .values_list("pk", "extracted_text", "page_starts", "page_count"))
    texts = {str(pk): (text, starts, count) for pk, text, starts, count in rows}
    found = {}
    for hit in hits:
        if str(hit.document_id) in texts:
            page = pages.page_of_excerpt(*texts[str(hit.document_id)], hit.snippet,
                                         hit.marked, search.START)
            if page:
                found[str(hit.document_id)] = page
    return found


def lab_value_blocks(user, chat, current: str) -> Blocks:
    """Each analyte the message names: its whole series in one unit, every value with its
    source (document:<id>, file name, page), and figures computed in code; the documents
    behind the values are listed under the answer."""
    blocks, sources = [], []
    for series in analytes.series_named_in(user, current):
        blocks.append(data_block("lab_values", analytes.title(series), analytes.describe(series)))
        sources += [Source(str(point.document_id), point.filename, point.page)
                    for point in series.points[-analytes.MAX_POINTS:] if point.document_id]
    return Blocks(blocks, sources)
