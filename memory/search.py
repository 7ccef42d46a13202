"""Memory entries relevant to a message, whatever their importance.

An entry is relevant when a meaningful term of the message (chats.assistant.terms: stop-words
of both languages dropped, stemmed, analytes with their names in the other language)
begins a word of its title or content; a term in the title counts twice. A user has
hundreds of entries, not millions: one query reads them and Python ranks them, with one
compiled pattern per message, the same on both databases.
"""

from dataclasses import dataclass

from chats.assistant import terms as message_terms

from .models import MemoryEntry

SCAN_LIMIT = 2_000  # entries read per message, most recently updated first
CONTENT_CHARS = 4_000  # of each entry's content, for matching
IMPORTANCE_ORDER = {"critical": 0, "high": 1, "medium": 2, "low": 3}


@dataclass
class MemoryHit:
    category: str
    importance: str
    title: str
    content: str
    score: int
    source_document_id: object = None  # the document it was written from, if any


def relevant(user, text: str, limit: int = 8, exclude_importance=()) -> list[MemoryHit]:
    """Active entries of `user` relevant to `text`, best first."""
    found = message_terms.terms(text)
    pattern = message_terms.prefix_pattern(found)
    if pattern is None or user is None or not user.is_authenticated:
        return []
    stems = sorted({term.prefix for term in found}, key=len, reverse=True)

    def matched(value: str) -> set[str]:
        hits = set()
        for word in pattern.findall(value):
            word = word.lower().replace("ё", "е")
            hits.update(stem for stem in stems if word.startswith(stem))
        return hits

    rows = (MemoryEntry.objects.for_user(user).filter(is_active=True)
            .exclude(importance__in=list(exclude_importance))
            .order_by("-updated")
            .values_list("category", "importance", "title", "content",
                         "source_document_id")[:SCAN_LIMIT])
    hits = []
    for category, importance, title, content, document_id in rows:
        in_title, in_content = matched(title), matched((content or "")[:CONTENT_CHARS])
        score = 2 * len(in_title) + len(in_content - in_title)
        if score:
            hits.append(MemoryHit(category, importance, title, content or "", score,
                                  document_id))
    hits.sort(key=lambda hit: (-hit.score, IMPORTANCE_ORDER.get(hit.importance, 9)))
    return hits[:limit]
