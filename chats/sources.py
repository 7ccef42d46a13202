"""The documents an answer drew on: named by the context providers and the tools that
gave the model a document's values or text, kept on the answer (`metadata["sources"]`)
and listed under it as links to the documents' pages (the page, where known).

A `TURN` provider returns `Blocks(blocks, sources)` instead of a plain list to name its
documents; a tool names them in `ToolResult.sources`. Only the chat owner's own documents
are kept (`owned`), whatever a provider or tool names.
"""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from . import attachments

MAX_SOURCES = 30  # listed under one answer


@dataclass(frozen=True)
class Source:
    document_id: str
    filename: str
    page: int | None = None  # from 1, where known

    def as_stored(self) -> dict:
        stored = {"id": str(self.document_id), "name": self.filename}
        if self.page:
            stored["page"] = int(self.page)
        return stored


class Blocks(list):
    """A provider's content blocks, with the documents they were read from."""

    def __init__(self, blocks: Iterable[dict] = (), sources: Iterable[Source] = ()):
        super().__init__(blocks)
        self.sources = list(sources)


def of(result) -> list[Source]:
    """The sources a provider's result names (none for a plain list)."""
    return list(getattr(result, "sources", None) or [])


def _valid(source) -> bool:
    if not isinstance(source, Source):
        return False
    try:
        uuid.UUID(str(source.document_id))
    except ValueError:
        return False
    return True


def owned(user, sources: Iterable[Source]) -> list[Source]:
    """The sources that are `user`'s own documents, in order; others left out."""
    sources = [source for source in sources if _valid(source)]
    if not sources:
        return []
    mine = attachments.owned(user, {str(source.document_id) for source in sources})
    return [source for source in sources if str(source.document_id) in mine]


def merged(stored: list[dict], new: Iterable[Source]) -> list[dict]:
    """`stored` with the `new` sources not in it yet (by document and page), at most
    MAX_SOURCES."""
    result = list(stored)
    seen = {(entry.get("id"), entry.get("page")) for entry in result}
    for source in new:
        entry = source.as_stored()
        key = (entry["id"], entry.get("page"))
        if key in seen or len(result) >= MAX_SOURCES:
            continue
        seen.add(key)
        result.append(entry)
    return result


def listed(stored) -> list[dict]:
    """The stored sources as the page lists them: one entry per document, in the order
    first named, with its link and the pages named ([{"url", "name", "pages": [(n, url)]}])."""
    documents: dict[str, dict] = {}
    for entry in stored or []:
        if not isinstance(entry, dict):
            continue
        key = str(entry.get("id") or "")
        try:
            uuid.UUID(key)
        except ValueError:
            continue
        url = attachments.url(key)
        if not url:
            continue
        document = documents.setdefault(key, {"url": url, "name": str(entry.get("name") or ""),
                                              "pages": []})
        page = entry.get("page")
        if isinstance(page, int) and page > 0 and page not in dict(document["pages"]):
            document["pages"].append((page, f"{url}#page-{page}"))
    for document in documents.values():
        document["pages"].sort()
    return list(documents.values())
