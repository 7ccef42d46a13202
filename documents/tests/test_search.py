"""Full-text search: the same behaviour on PostgreSQL (tsvector, GIN) and SQLite (FTS5)."""

import pytest
from django.db import connection

from documents import search
from documents.models import Document

pytestmark = pytest.mark.django_db


def indexed(user, name, text):
    document = Document.objects.create(
        user=user, filename=name, mime_type="text/plain", sha256=name, extracted_text=text,
        status=Document.Status.COMPLETED,
    )
    search.index_document(document)
    return document


def ids(hits):
    return [hit.document_id for hit in hits]


def test_english_words_match_other_forms_and_snippets_highlight_them(user):
    doc = indexed(user, "lipids.txt", "Fasting lipid panel. Cholesterol levels were elevated.")
    hits = search.search(user, "cholesterol level")
    assert ids(hits) == [str(doc.pk)]
    assert "\ue000" not in hits[0].snippet
    assert "<mark>Cholesterol</mark>" in str(hits[0].snippet_html)


def test_russian_words_match_other_endings(user):
    doc = indexed(user, "письмо.txt", "Рекомендовано: контроль холестерина через три месяца.")
    assert ids(search.search(user, "холестерин")) == [str(doc.pk)]
    assert "<mark>" in str(search.search(user, "холестерин")[0].snippet_html)


def test_websearch_syntax_phrases_exclusions_and_or(user):
    a = indexed(user, "a.txt", "metformin 500 mg twice daily")
    b = indexed(user, "b.txt", "metformin stopped, insulin started")
    c = indexed(user, "c.txt", "aspirin 100 mg")
    assert set(ids(search.search(user, "metformin"))) == {str(a.pk), str(b.pk)}
    assert ids(search.search(user, "metformin -insulin")) == [str(a.pk)]
    assert ids(search.search(user, '"insulin started"')) == [str(b.pk)]
    assert set(ids(search.search(user, "aspirin or insulin"))) == {str(b.pk), str(c.pk)}


def test_better_matches_rank_first(user):
    weak = indexed(user, "weak.txt", "ferritin mentioned once among many other words here")
    strong = indexed(user, "ferritin.txt", "ferritin ferritin low ferritin, repeat ferritin")
    assert ids(search.search(user, "ferritin")) == [str(strong.pk), str(weak.pk)]


def test_a_word_in_the_file_name_weighs_more_than_in_the_text(user):
    filler = " ".join(["routine visit notes"] * 20)
    for number in range(6):  # documents without the word, so that it is a rare one
        indexed(user, f"visit-{number}.txt", filler)
    named = indexed(user, "ferritin.txt", f"{filler} ferritin {filler}")
    thrice = indexed(user, "notes.txt", f"{filler} ferritin ferritin ferritin {filler}")
    assert ids(search.search(user, "ferritin")) == [str(named.pk), str(thrice.pk)]


def test_words_of_a_file_name_are_found(user):
    doc = indexed(user, "blood-test_2024.ferritin.pdf", "nothing else here")
    for word in ("blood", "test", "ferritin"):
        assert ids(search.search(user, word)) == [str(doc.pk)]


def test_other_users_documents_are_never_found(user, other_user):
    indexed(other_user, "secret.txt", "hepatitis serology positive")
    assert search.search(user, "hepatitis") == []


def test_hostile_queries_return_results_or_nothing_never_an_error(user):
    indexed(user, "a.txt", "glucose 5.1")
    for query in ['"', "-", "or", "AND NOT (", "glucose*) OR", "'; DROP TABLE x; --", "NEAR(a b)"]:
        search.search(user, query)
    assert ids(search.search(user, "glucose")) != []


def test_reindexing_replaces_the_old_text(user):
    doc = indexed(user, "a.txt", "old words")
    doc.extracted_text = "new words"
    doc.save()
    search.index_document(doc)
    assert search.search(user, "old") == []
    assert ids(search.search(user, "new")) == [str(doc.pk)]


def test_deleted_documents_leave_the_index(user):
    doc = indexed(user, "a.txt", "thyroid ultrasound")
    doc.delete()
    assert search.search(user, "thyroid") == []


def test_search_page_shows_ranked_highlighted_results(signed_in_client, user):
    indexed(user, "<b>bold</b>.txt", "Hemoglobin 135 g/L <script>x</script>")
    page = signed_in_client.get("/documents/search/", {"q": "hemoglobin"}).content.decode()
    assert "<mark>Hemoglobin</mark>" in page
    assert "&lt;b&gt;bold&lt;/b&gt;.txt" in page and "<script>x" not in page
    empty = signed_in_client.get("/documents/search/", {"q": "nothinglikethis"})
    assert empty.status_code == 200 and "Nothing found" in empty.content.decode()


@pytest.mark.postgres_only
def test_postgres_uses_a_gin_index_over_english_and_russian(user):
    doc = indexed(user, "ru.txt", "анализы крови")
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = "
                       "'documents_search_vector_gin'")
        assert "gin (search_vector)" in cursor.fetchone()[0]
    vector = Document.objects.values_list("search_vector", flat=True).get(pk=doc.pk)
    assert "'анализ'" in vector  # stemmed by the Russian configuration


def test_capitalised_russian_words_are_stemmed_whatever_the_database_locale(user):
    doc = indexed(user, "железо.txt", "Ферритин 28 нг/мл. Железо сыворотки в норме.")
    assert ids(search.search(user, "ферритина")) == [str(doc.pk)]
    assert ids(search.relevant(user, "Какой у меня был ферритин?")) == [str(doc.pk)]


def test_when_every_document_matches_the_best_ranked_come_first_with_snippets(user, other_user):
    # The worst case of bench/fts.py in small: every document matches; only the `limit`
    # best of the user's are returned, best first, each with a highlighted snippet.
    for index in range(12):
        indexed(other_user, f"other-{index}.txt", "glucose " * 30)
    weak = [indexed(user, f"weak-{index}.txt", "glucose " + "normal fasting panel " * 5)
            for index in range(8)]
    strong = indexed(user, "strong.txt", "glucose glucose glucose elevated glucose")
    hits = search.search(user, "glucose", limit=5)
    assert len(hits) == 5 and hits[0].document_id == str(strong.pk)
    assert set(ids(hits[1:])) <= {str(document.pk) for document in weak}
    assert all("<mark>glucose</mark>" in str(hit.snippet_html) for hit in hits)
    assert [hit.rank for hit in hits] == sorted((hit.rank for hit in hits), reverse=True)


def test_the_turns_documents_step_never_reads_another_users_documents(user, other_user):
    indexed(other_user, "their-ferritin.txt", "ferritin ferritin ferritin ферритин")
    mine = indexed(user, "my-ferritin.txt", "Ferritin 12 ng/mL, low.")
    hits = search.relevant(user, "What was my ferritin?")
    assert ids(hits) == [str(mine.pk)] and "<mark>" in str(hits[0].snippet_html)


@pytest.mark.postgres_only
def test_postgres_keeps_the_search_vector_in_the_row(user):
    # STORAGE MAIN (migration 0008): the vector is read from the row, not from TOAST.
    with connection.cursor() as cursor:
        cursor.execute("SELECT attstorage FROM pg_attribute WHERE attrelid = "
                       "'documents_document'::regclass AND attname = 'search_vector'")
        assert cursor.fetchone()[0] == "m"


@pytest.mark.django_db(transaction=True)
def test_the_fts_owner_migration_keeps_indexed_documents_findable(user, other_user):
    # Migration 0009 rebuilds the SQLite FTS5 table with an owner column; going back and
    # forth keeps every indexed document, still found by its owner only. (No-op on PG.)
    from django.db.migrations.executor import MigrationExecutor

    mine = indexed(user, "mine.txt", "thyroid ultrasound")
    indexed(other_user, "theirs.txt", "thyroid ultrasound")
    for target in ("0008_search_vector_inline", "0009_fts_owner"):
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate([("documents", target)])
    assert ids(search.search(user, "thyroid")) == [str(mine.pk)]
    # Every later migration again, for the tests that run after this one.
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
