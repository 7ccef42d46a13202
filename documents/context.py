"""What the assistant is told from the documents each turn: excerpts matching the message."""

from chats.assistant.providers import block

from . import search

DOCUMENT_HITS = 5


def excerpt_blocks(user, chat, current: str) -> list[dict]:
    hits = search.search(user, current, limit=DOCUMENT_HITS) if current.strip() else []
    if not hits:
        return []
    lines = [f"## {hit.filename} (document {hit.document_id})\n{hit.snippet}" for hit in hits]
    return [block("Excerpts of the user's documents matching the current message",
                  "\n\n".join(lines))]
