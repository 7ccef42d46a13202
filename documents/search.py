"""Full-text search over a user's documents.

PostgreSQL: a GIN-indexed tsvector, `websearch_to_tsquery`, `ts_rank` and `ts_headline`,
all with the `russian` configuration, which stems Cyrillic words with the Russian
Snowball stemmer and Latin ones with the English stemmer: one vector and one query cover
both languages with half the vector of two configurations (see bench/fts.py).
SQLite: an FTS5 table (porter + unicode61) kept in sync by `index_document`; porter
stems only English, so a Russian word is searched as its Snowball stem followed by any
ending (a prefix query). Both answer the same `SearchHit`s.

Two ways to ask: `search(user, query, limit)` reads a query as people type into a search
box (every word must match; "phrases", -word and `or` as in web search) — the search page
and the `search_documents` tool; `relevant(user, text, limit)` reads a natural message
(chats.assistant.terms: the meaningful words of both languages, stemmed, analytes with
their other-language names) and ORs them, ranked by `ts_rank` or bm25, keeping the hits
that rank near the best — the documents step of every turn.
"""

import datetime
import re
from dataclasses import dataclass

from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchRank,
    SearchVector,
)
from django.db import connection
from django.db.models import F, Value
from django.db.models.functions import Left
from django.utils.html import escape
from django.utils.safestring import mark_safe

from chats.assistant import terms as message_terms

from .models import Document

# ts_headline/snippet mark matches with these; they never occur in extracted text.
START, STOP = "\ue000", "\ue001"
INDEXED_CHARS = 400_000  # tsvector is capped at 1 MB; a document's head is enough to find it
CONFIG = "russian"  # Russian stemmer for Cyrillic words, English stemmer for Latin ones
CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)
RELATIVE_RANK = 0.3  # relevant(): hits ranking below this share of the best are noise
CANDIDATES = 3  # relevant(): ranked hits read per hit kept, before coverage is counted


@dataclass
class SearchHit:
    document_id: str
    filename: str
    snippet: str  # plain text around the match (escape before display)
    rank: float
    marked: str = ""  # the snippet with START/STOP around matches
    document_date: datetime.date | None = None

    @property
    def snippet_html(self):
        # Escaped first; only our own <mark> tags are added after.
        html = escape(self.marked or self.snippet)
        return mark_safe(html.replace(START, "<mark>").replace(STOP, "</mark>"))  # noqa: S308


def search(user, query: str, limit: int = 10) -> list[SearchHit]:
    """Documents of `user` matching `query`, best first."""
    query = (query or "").replace("\x00", "").strip()[:500]  # PostgreSQL cannot take a NUL
    if not query or user is None or not user.is_authenticated:
        return []
    if connection.vendor == "postgresql":
        return _search_postgres(user, query, limit)
    return _search_sqlite(user, query, limit)


def relevant(user, text: str, limit: int = 5) -> list[SearchHit]:
    """Documents of `user` about the natural message `text`, best first: any of its
    meaningful terms may match. Hits that cover the most of the message's ideas (a word
    with its other-language names is one idea) come first; the others stay only when
    they rank near the best, so a document matching one incidental word is left out."""
    found = message_terms.terms((text or "")[:2000])
    if not found or user is None or not user.is_authenticated:
        return []
    postgres = connection.vendor == "postgresql"
    if postgres:
        tsquery = SearchQuery(" | ".join(f"'{term.word}'" for term in found),
                              config=CONFIG, search_type="raw")
        # Ranked first, snippets only for the hits kept.
        hits = [SearchHit(str(pk), "", "", float(rank))
                for pk, rank in _rank_postgres(user, tsquery, limit * CANDIDATES)]
    else:
        hits = _ranked_sqlite(user, " OR ".join(_term(term.word) for term in found),
                              limit * CANDIDATES)
    if not hits:
        return []
    coverage = _coverage(hits, message_terms.groups(found))
    most, best = max(coverage.values()), hits[0].rank
    kept = [hit for hit in hits
            if coverage[hit.document_id] == most or hit.rank >= best * RELATIVE_RANK]
    kept.sort(key=lambda hit: (-coverage[hit.document_id], -hit.rank))
    kept = kept[:limit]
    if postgres:
        pks = {hit.document_id: hit.rank for hit in kept}
        ranked = [(Document._meta.pk.to_python(pk), rank) for pk, rank in pks.items()]
        kept = _with_headlines(ranked, tsquery)
    return kept


def _coverage(hits, groups) -> dict[str, int]:
    """How many of the message's ideas each hit's document mentions."""
    patterns = [message_terms.prefix_pattern(group) for group in groups]
    texts = Document.objects.filter(pk__in=[hit.document_id for hit in hits]).values_list(
        "pk", "filename", Left("extracted_text", INDEXED_CHARS))
    coverage = {}
    for pk, filename, body in texts:
        text = f"{filename}\n{body or ''}".replace("ё", "е").replace("Ё", "Е")
        coverage[str(pk)] = sum(1 for pattern in patterns if pattern.search(text))
    return {hit.document_id: coverage.get(hit.document_id, 0) for hit in hits}


def index_document(document: Document) -> None:
    """Brings the document's index entry up to date with its filename and text."""
    if connection.vendor == "postgresql":
        # Lower-cased here, not by PostgreSQL: in a database created with the C locale its
        # parser leaves "Ферритин" capitalised, and the Russian stemmer then never stems it.
        body = (document.extracted_text or "")[:INDEXED_CHARS].lower()
        Document.objects.filter(pk=document.pk).update(
            search_vector=SearchVector(Value(document.filename.lower()), config=CONFIG,
                                       weight="A")
            + SearchVector(Value(body), config=CONFIG, weight="B")
        )
        return
    with connection.cursor() as cursor:
        key = _sqlite_key(document.pk)
        cursor.execute("DELETE FROM documents_fts WHERE document_id = %s", [key])
        cursor.execute(
            "INSERT INTO documents_fts (document_id, filename, body) VALUES (%s, %s, %s)",
            [key, document.filename, (document.extracted_text or "")[:INDEXED_CHARS]],
        )


def _plain(marked: str) -> str:
    return marked.replace(START, "").replace(STOP, "")


# --- PostgreSQL -------------------------------------------------------------------------

def _search_postgres(user, query, limit):
    return _ranked_postgres(user, SearchQuery(query, config=CONFIG, search_type="websearch"),
                            limit)


def _ranked_postgres(user, tsquery, limit):
    return _with_headlines(_rank_postgres(user, tsquery, limit), tsquery)


def _rank_postgres(user, tsquery, limit) -> list[tuple]:
    """(pk, rank) of the best matches, without snippets."""
    return list(
        Document.objects.for_user(user)
        .filter(search_vector=tsquery)
        .annotate(rank=SearchRank(F("search_vector"), tsquery))
        .order_by("-rank", "-created")
        .values_list("pk", "rank")[:limit]
    )


def _with_headlines(ranked, tsquery) -> list[SearchHit]:
    if not ranked:
        return []
    # Headlines are costly: made only for the rows shown.
    headline = SearchHeadline(
        Left("extracted_text", INDEXED_CHARS), tsquery,
        config=CONFIG, start_sel=START, stop_sel=STOP, max_words=35, min_words=15,
    )
    rows = {
        row["pk"]: row
        for row in Document.objects.filter(pk__in=[pk for pk, _ in ranked])
        .annotate(headline=headline)
        .values("pk", "filename", "headline", "document_date")
    }
    hits = []
    for pk, rank in ranked:
        row = rows[pk]
        marked = row["headline"] or ""
        hits.append(SearchHit(str(pk), row["filename"], _plain(marked), float(rank), marked,
                              row["document_date"]))
    return hits


# --- SQLite FTS5 ------------------------------------------------------------------------

def _sqlite_key(pk) -> str:
    return pk.hex  # how Django stores UUIDs on SQLite


TOKEN = re.compile(r'(-?)"([^"]*)"|(\S+)')
WORD = re.compile(r"\w+", re.UNICODE)


def fts5_query(query: str) -> str:
    """websearch-style input ("phrase", -word, or) as a safe FTS5 expression."""
    include, exclude = [], []
    pending_or = False
    for match in TOKEN.finditer(query):
        negate, phrase, bare = match.group(1), match.group(2), match.group(3)
        if bare and bare.lower() == "or":
            pending_or = bool(include)
            continue
        if bare and bare.startswith("-") and len(bare) > 1:
            negate, bare = "-", bare[1:]
        words = WORD.findall(phrase if phrase is not None else bare)
        if not words:
            continue
        if phrase is not None:
            term = '"' + " ".join(words) + '"'
        else:
            term = " ".join(_term(word) for word in words)
            term = f"({term})" if len(words) > 1 else term
        if negate:
            exclude.append(term)
        elif pending_or:
            include[-1] = f"({include[-1]} OR {term})"
        else:
            include.append(term)
        pending_or = False
    if not include:
        return ""
    expression = " AND ".join(include)
    for term in exclude:
        expression = f"{expression} NOT {term}"
    return expression


def _term(word: str) -> str:
    # FTS5 stems only English (porter); a Russian word is its Snowball stem and any ending.
    if CYRILLIC.search(word):
        stem = message_terms.stem(word)
        if len(stem) >= 3:
            return f'"{stem}"*'
    return f'"{word}"'


def _search_sqlite(user, query, limit):
    return _ranked_sqlite(user, fts5_query(query), limit)


def _ranked_sqlite(user, expression, limit):
    if not expression:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT d.id, d.filename, snippet(documents_fts, 2, %s, %s, ' … ', 24), "
            "bm25(documents_fts, 10.0, 1.0) AS score, d.document_date "
            "FROM documents_fts JOIN documents_document d ON d.id = documents_fts.document_id "
            "WHERE documents_fts MATCH %s AND d.user_id = %s ORDER BY score LIMIT %s",
            [START, STOP, expression, _sqlite_key(user.pk), limit],
        )
        rows = cursor.fetchall()
    to_date = Document._meta.get_field("document_date").to_python
    return [
        SearchHit(
            str(Document._meta.pk.to_python(pk)), filename, _plain(marked), -float(score), marked,
            to_date(day) if day else None,
        )
        for pk, filename, marked, score, day in rows
    ]
