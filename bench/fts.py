"""Benchmark: full-text search over 10,000 documents (PostgreSQL; SQLite FTS5 too).

Run from the repository root with DATABASE_URL pointing at an empty PostgreSQL database
(or without it for SQLite): bench/fts.sh starts a throwaway PostgreSQL and runs this.
Times `documents.search.search` (the search page: a mix of English and Russian queries,
10 results with snippets) and `documents.search.relevant` (the documents step of a chat
turn: the meaningful terms of a natural question ORed, both languages' names of an
analyte; 5 excerpts) and prints, as Markdown for docs/benchmarks.md, each one's median,
p99 and ratio to the 30 ms limit, the CPU time per call (this process, plus the
PostgreSQL backend's, read from /proc: a figure the machine's load does not inflate) and,
on PostgreSQL, the server's own execution time of the call's statements (EXPLAIN ANALYZE).
FTS_DENSE=1 builds the worst case: every document holds every term of its language.
"""

import os
import random
import re
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.getcwd())
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DATA_DIR", tempfile.mkdtemp(prefix="anamnesis-bench-"))

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from accounts.models import User  # noqa: E402
from documents import search  # noqa: E402
from documents.models import Document  # noqa: E402

DOCUMENTS = int(os.environ.get("FTS_DOCUMENTS", 10_000))
RUNS = int(os.environ.get("FTS_RUNS", 200))
LIMIT_MS = 30.0
DENSE = os.environ.get("FTS_DENSE") == "1"
WORDS_EN = (
    'cholesterol', 'glucose', 'hemoglobin', 'ferritin', 'thyroid', 'ultrasound', 'creatinine',
    'platelets', 'metformin', 'atorvastatin', 'lisinopril', 'discharge', 'summary', 'referral',
    'normal', 'elevated', 'decreased', 'follow-up', 'recommended', 'patient', 'blood',
    'pressure', 'fasting', 'panel',
)
WORDS_RU = (
    'холестерин', 'глюкоза', 'гемоглобин', 'ферритин', 'щитовидная', 'железа', 'креатинин',
    'тромбоциты', 'метформин', 'аторвастатин', 'выписка', 'направление', 'норма', 'повышен',
    'понижен', 'контроль', 'рекомендовано', 'пациент', 'давление', 'натощак', 'анализ',
    'крови', 'заключение',
)
QUERIES = ["cholesterol", "thyroid ultrasound", "metformin -insulin", '"blood pressure"',
           "холестерин", "анализы крови", "щитовидной железы", "ferritin or гемоглобин"]

NATURAL = ["What was my ferritin last year?", "Какой у меня был ферритин?",
           "Is my cholesterol or glucose too high?", "Что с моим гемоглобином и креатинином?"]

FILLER = None


def filler(rng):
    """A 5,000-word vocabulary of made-up words: the bulk of a real letter's text."""
    global FILLER
    if FILLER is None:
        latin, cyrillic = "bcdfghklmnprstvaeiou", "бвгдклмнпрстаеиоуя"
        FILLER = {
            alphabet: ["".join(rng.choice(alphabet) for _ in range(rng.randint(4, 10)))
                       for _ in range(5000)]
            for alphabet in (latin, cyrillic)
        }
    return FILLER


def text(rng, dense: bool) -> str:
    """About 300 words (a page). Dense: medical terms only, so nearly every document
    matches every query (the worst case); otherwise 8 medical terms among filler."""
    english = rng.random() < 0.5
    words = WORDS_EN if english else WORDS_RU
    if dense:
        return " ".join(rng.choice(words) for _ in range(300))
    bulk = filler(rng)["bcdfghklmnprstvaeiou" if english else "бвгдклмнпрстаеиоуя"]
    chosen = [rng.choice(bulk) for _ in range(292)] + [rng.choice(words) for _ in range(8)]
    rng.shuffle(chosen)
    return " ".join(chosen)


def populate():
    call_command("migrate", verbosity=0)
    rng = random.Random(7)
    user, _ = User.objects.get_or_create(email="bench@example.com")
    other, _ = User.objects.get_or_create(email="other@example.com")
    if Document.objects.count() >= DOCUMENTS:
        return user
    start = time.perf_counter()
    batch = [
        Document(user=user if index % 2 == 0 else other, filename=f"doc-{index}.pdf",
                 sha256=f"{index:064d}", mime_type="application/pdf", status="completed",
                 extracted_text=text(rng, DENSE))
        for index in range(DOCUMENTS)
    ]
    with transaction.atomic():
        Document.objects.bulk_create(batch, batch_size=1000)
        index_all(batch)
    print(f"<!-- {DOCUMENTS} documents created and indexed in "
          f"{time.perf_counter() - start:.1f} s -->")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE documents_document")
    return user


def index_all(documents):
    """The index entries `search.index_document` writes, written in bulk (one document at
    a time takes minutes: on SQLite each one first deletes by an unindexed column). A
    sample is then indexed by `index_document` itself and must come out the same."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for start in range(0, len(documents), 500):
                chunk = documents[start:start + 500]
                cursor.execute(
                    "UPDATE documents_document d SET search_vector = "
                    "setweight(to_tsvector(%s::regconfig, v.name), 'A') || "
                    "setweight(to_tsvector(%s::regconfig, v.body), 'B') "
                    "FROM unnest(%s::uuid[], %s::text[], %s::text[]) AS v (id, name, body) "
                    "WHERE d.id = v.id",
                    [search.CONFIG, search.CONFIG, [document.pk for document in chunk],
                     [search.name_words(document.filename) for document in chunk],
                     [document.extracted_text[:search.INDEXED_CHARS].lower()
                      for document in chunk]])
        else:
            cursor.executemany(
                "INSERT INTO documents_fts (document_id, filename, body, owner) "
                "VALUES (%s, %s, %s, %s)",
                [(search._sqlite_key(document.pk), document.filename,
                  document.extracted_text[:search.INDEXED_CHARS],
                  "u" + search._sqlite_key(document.user_id)) for document in documents])
    for document in documents[:: max(1, len(documents) // 5)]:
        before = index_entry(document)
        search.index_document(document)
        assert index_entry(document) == before, "bulk indexing differs from index_document"


def index_entry(document):
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT search_vector::text FROM documents_document WHERE id = %s",
                           [document.pk])
        else:
            cursor.execute("SELECT * FROM documents_fts WHERE document_id = %s",
                           [search._sqlite_key(document.pk)])
        return cursor.fetchall()


def cpu_seconds(backend_pid):
    """CPU time of this process and of its PostgreSQL backend (same machine) so far."""
    seconds = time.process_time()
    if backend_pid:
        with open(f"/proc/{backend_pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        seconds += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return seconds


def backend_pid():
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    return pid if os.path.exists(f"/proc/{pid}/stat") else None


def server_time(user, queries, function, limit):
    """PostgreSQL's own execution time of the statements one call runs (EXPLAIN ANALYZE),
    median over the queries."""
    statements = []

    def capture(execute, sql, params, many, context):
        statements.append((sql, params))
        return execute(sql, params, many, context)

    totals = []
    for query in queries:
        statements.clear()
        with connection.execute_wrapper(capture):
            function(user, query, limit=limit)
        total = 0.0
        with connection.cursor() as cursor:
            for sql, params in list(statements):
                cursor.execute("EXPLAIN (ANALYZE, TIMING OFF) " + sql, params)
                plan = "\n".join(row[0] for row in cursor.fetchall())
                total += sum(float(value) for value in re.findall(
                    r"(?:Planning|Execution) Time: ([\d.]+)", plan))
        totals.append(total)
    return statistics.median(totals)


def measure(user, queries, function, limit):
    for query in queries:  # warm caches
        function(user, query, limit=limit)
    pid = backend_pid()
    timings = {query: [] for query in queries}
    cpu_start = cpu_seconds(pid)
    for run in range(RUNS):
        query = queries[run % len(queries)]
        start = time.perf_counter()
        hits = function(user, query, limit=limit)
        timings[query].append((time.perf_counter() - start) * 1000)
        assert hits, query
    cpu = (cpu_seconds(pid) - cpu_start) * 1000 / RUNS
    server = server_time(user, queries, function, limit) if pid else None
    return timings, cpu, server


def report(name, timings, cpu, server):
    every = sorted(value for values in timings.values() for value in values)
    median = statistics.median(every)
    p99 = every[min(len(every) - 1, int(len(every) * 0.99))]
    per_query = ", ".join(f"`{query}` {statistics.median(values):.1f}"
                          for query, values in timings.items())
    server_cell = f" {server:.1f} ms |" if server is not None else ""
    print(f"| `{name}` | **{median:.1f} ms** | {p99:.1f} ms | **{median / LIMIT_MS:.2f}×** | "
          f"{cpu:.1f} ms |{server_cell} {per_query} |")


def main():
    user = populate()
    corpus = "every document matches (worst case)" if DENSE else "realistic vocabulary"
    postgres = connection.vendor == "postgresql"
    print(f"### {connection.vendor}, {corpus}: {DOCUMENTS:,} documents (half of them the "
          f"searching user's), {RUNS} calls each; load average "
          f"{' '.join(f'{load:.1f}' for load in os.getloadavg())}\n")
    print("`search`: 8 queries, 10 results with snippets; `relevant`: 4 natural questions, "
          "5 excerpts. Ratio = median / 30 ms. CPU per call = this process"
          + (" + its PostgreSQL backend" if postgres else "") + ".\n")
    print("| function | median | p99 | ratio to 30 ms | CPU per call |"
          + (" PostgreSQL execution (EXPLAIN ANALYZE, median) |" if postgres else "")
          + " median per query (ms) |")
    print("|---|---:|---:|---:|---:|" + ("---:|" if postgres else "") + "---|")
    report("search", *measure(user, QUERIES, search.search, 10))
    report("relevant", *measure(user, NATURAL, search.relevant, 5))


if __name__ == "__main__":
    main()
