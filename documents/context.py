"""What the assistant is told from the documents for the current message, as data blocks
of the user turn: excerpts of the documents about it, and the values over time of any
analyte it names."""

from chats.assistant.untrusted import data_block

from . import analytes, search

DOCUMENT_HITS = 5


def excerpt_blocks(user, chat, current: str) -> list[dict]:
    blocks = []
    for hit in search.relevant(user, current, limit=DOCUMENT_HITS):
        dated = f", dated {hit.document_date.isoformat()}" if hit.document_date else ""
        blocks.append(data_block(
            f"document:{hit.document_id}",
            f"Excerpt of {hit.filename}{dated}",
            hit.snippet,
        ))
    return blocks


def lab_value_blocks(user, chat, current: str) -> list[dict]:
    """Each analyte the message names: its whole series in one unit, every value with its
    source (document:<id>, file name, page), and figures computed in code."""
    return [
        data_block("lab_values", analytes.title(series), analytes.describe(series))
        for series in analytes.series_named_in(user, current)
    ]
