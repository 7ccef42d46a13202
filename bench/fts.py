"""Benchmark: full-text search over 10,000 documents (PostgreSQL; SQLite FTS5 too).

Run from the repository root with DATABASE_URL pointing at an empty PostgreSQL database
(or without it for SQLite): bench/fts.sh starts a throwaway PostgreSQL and runs this.
Prints the median and p95 of `documents.search.search` for a mix of English and Russian
queries, and of `documents.search.relevant` (the documents step of a chat turn: the
meaningful terms of a natural question ORed, both languages' names of an analyte) for
natural questions, as Markdown for docs/benchmarks.md.
"""

import os
import random
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
from django.db import connection  # noqa: E402

from accounts.models import User  # noqa: E402
from documents import search  # noqa: E402
from documents.models import Document  # noqa: E402

DOCUMENTS, RUNS = 10_000, 200
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
    batch = [
        Document(user=user if index % 2 == 0 else other, filename=f"doc-{index}.pdf",
                 sha256=f"{index:064d}", mime_type="application/pdf", status="completed",
                 extracted_text=text(rng, DENSE))
        for index in range(DOCUMENTS)
    ]
    Document.objects.bulk_create(batch, batch_size=1000)
    start = time.perf_counter()
    for document in Document.objects.only("id", "filename", "extracted_text").iterator():
        search.index_document(document)
    print(f"<!-- indexed {DOCUMENTS} documents in {time.perf_counter() - start:.1f} s -->")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE documents_document")
    return user


def measure(user, queries, function, limit):
    for query in queries:  # warm caches
        function(user, query, limit=limit)
    timings = {query: [] for query in queries}
    for run in range(RUNS):
        query = queries[run % len(queries)]
        start = time.perf_counter()
        hits = function(user, query, limit=limit)
        timings[query].append((time.perf_counter() - start) * 1000)
        assert hits, query
    return timings


def report(timings):
    every = [value for values in timings.values() for value in values]
    every.sort()
    print("| query | median |\n|---|---|")
    for query, values in timings.items():
        print(f"| `{query}` | {statistics.median(values):.1f} ms |")
    print(f"| **all** | **{statistics.median(every):.1f} ms** (p95 "
          f"{every[int(len(every) * 0.95)]:.1f} ms) |")


def main():
    user = populate()
    timings = measure(user, QUERIES, search.search, 10)
    corpus = "every document matches (worst case)" if DENSE else "realistic vocabulary"
    print(f"### {connection.vendor}, {corpus}: {DOCUMENTS:,} documents (half of them the "
          f"searching user's), {RUNS} searches, 10 results with snippets\n")
    report(timings)
    print(f"\n#### The documents step of a chat turn (`relevant`, {RUNS} natural questions, "
          f"5 excerpts)\n")
    report(measure(user, NATURAL, search.relevant, 5))


if __name__ == "__main__":
    main()
