"""Full-text search over a user's documents.

The documents issue implements this with PostgreSQL FTS and SQLite FTS5; the signature is
the contract the assistant's context assembly and the `search_documents` tool rely on.
"""

from dataclasses import dataclass


@dataclass
class SearchHit:
    document_id: str
    filename: str
    snippet: str  # plain text around the match (escape before display)
    rank: float


def search(user, query: str, limit: int = 10) -> list[SearchHit]:
    """Documents of `user` matching `query`, best first. Nothing before documents land."""
    return []
