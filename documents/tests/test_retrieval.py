"""The turn's documents step answers natural questions in English and Russian (the set of
bench/retrieval.py), on both databases."""

import pytest

from bench.retrieval import evaluate, seed

pytestmark = pytest.mark.django_db


def test_natural_questions_in_both_languages_find_the_document_that_answers(user):
    result = evaluate(user, seed(user))
    misses = [row["question"] for row in result["rows"] if not row["hit"]]
    assert result["hit_rate"] >= 0.9, misses
    assert result["table_rate"] == 1.0
    assert result["excerpts"] <= 3  # the step is selective, not every document each time


def test_the_words_of_conversation_alone_find_nothing(user):
    from documents import search

    seed(user)
    assert search.relevant(user, "Hello! How are you today?") == []
    assert search.relevant(user, "Привет, как у тебя дела сегодня?") == []
