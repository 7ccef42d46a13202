"""Full-text search over a user's documents.

PostgreSQL: a GIN-indexed tsvector, `websearch_to_tsquery`, `ts_rank` and `ts_headline`,
all with the `russian` configuration, which stems Cyrillic words with the Russian
Snowball stemmer and Latin ones with the English stemmer: one vector and one query cover
both languages with half the vector of two configurations (see bench/fts.py).
SQLite: an FTS5 table (porter + unicode61) kept in sync by `index_document`; porter
stems only English, so a Russian word is searched as its Snowball stem followed by any
ending (a prefix query). Both answer the same `SearchHit`s.

Made for the worst case, where every one of the user's documents matches (bench/fts.py):
the PostgreSQL vector is kept in the table row, not in TOAST (migration 0008); each
search is one statement that ranks every match and runs ts_headline on the rows kept
only. The FTS5 table carries each row's owner (migration 0009), so the user's matches are
found and ranked inside FTS5, which also sorts them (`ORDER BY rank`) and so makes
snippets for the returned rows only.

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

from django.contrib.postgres.search import SearchVector
from django.db import connection
from django.db.models import Value
from django.utils.html import escape
from django.utils.safestring import mark_safe

from chats.assistant import terms as message_terms

from .models import Document

NAME_SEPARATORS = re.compile(r"[._-]+")

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
        tsquery = " | ".join(f"'{term.word}'" for term in found)
        # Ranked first, with the candidates' text for the coverage count in the same
        # statement; snippets only for the hits kept.
        hits, texts = [], {}
        for pk, rank, filename, body in _candidates_postgres(user, tsquery,
                                                             limit * CANDIDATES):
            hits.append(SearchHit(str(pk), filename, "", float(rank)))
            texts[str(pk)] = (filename, body)
    else:
        hits, texts = _ranked_sqlite(user, " OR ".join(_term(term.word) for term in found),
                                     limit * CANDIDATES, with_text=True)
    if not hits:
        return []
    coverage = _coverage(hits, message_terms.groups(found), texts)
    most, best = max(coverage.values()), hits[0].rank
    kept = [hit for hit in hits
            if coverage[hit.document_id] == most or hit.rank >= best * RELATIVE_RANK]
    kept.sort(key=lambda hit: (-coverage[hit.document_id], -hit.rank))
    kept = kept[:limit]
    if postgres:
        kept = _with_headlines([(hit.document_id, hit.rank) for hit in kept], tsquery)
    return kept


def _coverage(hits, groups, texts) -> dict[str, int]:
    """How many of the message's ideas each hit's document mentions (`texts`: each hit's
    filename and the indexed head of its text, by document id)."""
    patterns = [message_terms.prefix_pattern(group) for group in groups]
    coverage = {}
    for hit in hits:
        filename, body = texts.get(hit.document_id, ("", ""))
        text = f"{filename}\n{body or ''}".replace("ё", "е").replace("Ё", "Е")
        coverage[hit.document_id] = sum(1 for pattern in patterns if pattern.search(text))
    return coverage


def name_words(filename: str) -> str:
    """A file name as words: PostgreSQL's parser reads "blood-test_2024.pdf" as one file
    token, so a search for "blood" would never find the name (migration 0010 does the same
    in SQL with regexp_replace)."""
    return NAME_SEPARATORS.sub(" ", filename).lower()


def index_document(document: Document) -> None:
    """Brings the document's index entry up to date with its filename and text."""
    if connection.vendor == "postgresql":
        # Lower-cased here, not by PostgreSQL: in a database created with the C locale its
        # parser leaves "Ферритин" capitalised, and the Russian stemmer then never stems it.
        body = (document.extracted_text or "")[:INDEXED_CHARS].lower()
        Document.objects.filter(pk=document.pk).update(
            search_vector=SearchVector(Value(name_words(document.filename)), config=CONFIG,
                                       weight="A")
            + SearchVector(Value(body), config=CONFIG, weight="B")
        )
        return
    with connection.cursor() as cursor:
        key = _sqlite_key(document.pk)
        cursor.execute("DELETE FROM documents_fts WHERE document_id = %s", [key])
        cursor.execute(
            "INSERT INTO documents_fts (document_id, filename, body, owner) "
            "VALUES (%s, %s, %s, %s)",
            [key, document.filename, (document.extracted_text or "")[:INDEXED_CHARS],
             "u" + _sqlite_key(document.user_id)],
        )


def rebuild_index() -> int:
    """Every document's index entry anew, from its filename and text (after a restore:
    the backup holds the rows, not the FTS5 table nor, across databases, the vectors).
    Returns how many documents were indexed."""
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM documents_fts")
    count = 0
    documents = Document.objects.only("pk", "user_id", "filename", "extracted_text")
    for document in documents.order_by("pk").iterator(chunk_size=200):
        index_document(document)
        count += 1
    return count


def _plain(marked: str) -> str:
    return marked.replace(START, "").replace(STOP, "")


# --- PostgreSQL -------------------------------------------------------------------------

# One statement ranks the user's matches and makes snippets for the rows kept only: the
# inner query reads each matching vector from the row (stored inline, migration 0008),
# the outer one runs ts_headline on at most `limit` texts.
# ts_rank's weights are for D, C, B, A: '{0.1, 0.1, 0.1, 1.0}' makes a word of the name
# (A) count ten times one of the text (B), as the bm25 weights do in FTS5.
HEADLINE_OPTIONS = f"StartSel={START}, StopSel={STOP}, MaxWords=35, MinWords=15"
SEARCH_SQL = (
    "SELECT d.id, d.filename, ts_headline(%(config)s::regconfig, "
    "LEFT(d.extracted_text, %(chars)s), top.query, %(options)s), d.document_date, top.rank "
    "FROM (SELECT id, created, query, "
    "      ts_rank('{0.1, 0.1, 0.1, 1.0}', search_vector, query) AS rank "
    "      FROM documents_document, websearch_to_tsquery(%(config)s::regconfig, %(query)s) "
    "      AS query WHERE user_id = %(user)s AND search_vector @@ query "
    "      ORDER BY rank DESC, created DESC LIMIT %(limit)s) AS top "
    "JOIN documents_document d ON d.id = top.id ORDER BY top.rank DESC, top.created DESC"
)
# relevant(): the candidates ranked, with the head of their text for the coverage count.
CANDIDATES_SQL = (
    "SELECT d.id, top.rank, d.filename, LEFT(d.extracted_text, %(chars)s) "
    "FROM (SELECT id, created, ts_rank('{0.1, 0.1, 0.1, 1.0}', search_vector, query) AS rank "
    "      FROM documents_document, to_tsquery(%(config)s::regconfig, %(query)s) AS query "
    "      WHERE user_id = %(user)s AND search_vector @@ query "
    "      ORDER BY rank DESC, created DESC LIMIT %(limit)s) AS top "
    "JOIN documents_document d ON d.id = top.id ORDER BY top.rank DESC, top.created DESC"
)
HEADLINES_SQL = (
    "SELECT id, filename, ts_headline(%(config)s::regconfig, LEFT(extracted_text, %(chars)s), "
    "to_tsquery(%(config)s::regconfig, %(query)s), %(options)s), document_date "
    "FROM documents_document WHERE id = ANY(%(ids)s::uuid[])"
)


def _search_postgres(user, query, limit):
    with connection.cursor() as cursor:
        cursor.execute(SEARCH_SQL, {"config": CONFIG, "chars": INDEXED_CHARS, "query": query,
                                    "options": HEADLINE_OPTIONS, "user": user.pk,
                                    "limit": limit})
        rows = cursor.fetchall()
    return [SearchHit(str(pk), filename, _plain(marked or ""), float(rank), marked or "", day)
            for pk, filename, marked, day, rank in rows]


def _candidates_postgres(user, tsquery, limit) -> list[tuple]:
    """(pk, rank, filename, indexed head of the text) of the best matches of a raw
    tsquery, best first, without snippets."""
    with connection.cursor() as cursor:
        cursor.execute(CANDIDATES_SQL, {"config": CONFIG, "chars": INDEXED_CHARS,
                                        "query": tsquery, "user": user.pk, "limit": limit})
        return cursor.fetchall()


def _with_headlines(ranked, tsquery) -> list[SearchHit]:
    """SearchHits with snippets for (pk, rank) pairs, in their order; `tsquery` is raw."""
    if not ranked:
        return []
    with connection.cursor() as cursor:
        cursor.execute(HEADLINES_SQL, {"config": CONFIG, "chars": INDEXED_CHARS,
                                       "query": tsquery, "options": HEADLINE_OPTIONS,
                                       "ids": [str(pk) for pk, _ in ranked]})
        rows = {str(row[0]): row for row in cursor.fetchall()}
    hits = []
    for pk, rank in ranked:
        _, filename, marked, day = rows[str(pk)]
        marked = marked or ""
        hits.append(SearchHit(str(pk), filename, _plain(marked), float(rank), marked, day))
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


# bm25 weights: document_id (unindexed) 0, filename 10 (PostgreSQL's weight A), body 1,
# owner 0. FTS5 sums the weighted hits of a term over the columns before bm25 saturates
# them, so a name's word counts like ten in the text. The owner column holds "u" + the
# user's key, so the user's rows are found inside FTS5 (a join to documents_document for
# every match cost ~30 ms at 10,000 matches: each row read walks
# the text's overflow pages to reach user_id). `ORDER BY rank LIMIT` lets FTS5 sort the
# matches itself and keep their positions, so snippets are made for the rows returned
# only, without matching again; only those rows are joined to documents_document.
SQLITE_SQL = (
    "SELECT d.id, d.filename, top.marked, top.rank, d.document_date, top.body "
    "FROM (SELECT document_id, snippet(documents_fts, 2, %(start)s, %(stop)s, ' … ', 24) "
    "      AS marked, rank, {body} AS body FROM documents_fts "
    "      WHERE documents_fts MATCH %(expression)s "
    "      AND rank MATCH 'bm25(0.0, 10.0, 1.0, 0.0)' ORDER BY rank LIMIT %(limit)s) AS top "
    "JOIN documents_document d ON d.id = top.document_id "
    "WHERE d.user_id = %(user)s ORDER BY top.rank"
)
SQLITE_SEARCH_SQL = SQLITE_SQL.format(body="''")
SQLITE_CANDIDATES_SQL = SQLITE_SQL.format(body="body")


def _ranked_sqlite(user, expression, limit, with_text=False):
    """The best hits for an FTS5 expression; with_text: also each hit's filename and
    indexed text by id, for the coverage count of relevant()."""
    if not expression:
        return ([], {}) if with_text else []
    key = _sqlite_key(user.pk)
    with connection.cursor() as cursor:
        cursor.execute(
            SQLITE_CANDIDATES_SQL if with_text else SQLITE_SEARCH_SQL,
            {"expression": f'owner : "u{key}" AND ({expression})', "limit": limit,
             "start": START, "stop": STOP, "user": key},
        )
        rows = cursor.fetchall()
    to_date = Document._meta.get_field("document_date").to_python
    hits, texts = [], {}
    for pk, filename, marked, score, day, body in rows:
        document_id = str(Document._meta.pk.to_python(pk))
        hits.append(SearchHit(document_id, filename, _plain(marked), -float(score), marked,
                              to_date(day) if day else None))
        texts[document_id] = (filename, body)
    return (hits, texts) if with_text else hits
