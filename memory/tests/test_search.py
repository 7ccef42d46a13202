"""Memory relevant to a message: entries of any importance, by stemmed terms of both
languages, only the user's own."""

import pytest

from memory import search
from memory.context import relevant_memory_blocks
from memory.models import MemoryEntry

pytestmark = pytest.mark.django_db


def titles(hits):
    return [hit.title for hit in hits]


def test_entries_of_any_importance_match_other_forms_and_the_other_language(user):
    MemoryEntry.objects.create(user=user, title="Ferritin low in 2025", importance="low",
                               content="took iron for three months")
    MemoryEntry.objects.create(user=user, title="Гемоглобин снижен", importance="medium")
    MemoryEntry.objects.create(user=user, title="Knee surgery", importance="medium")
    assert titles(search.relevant(user, "Какой у меня был ферритин?")) == ["Ferritin low in 2025"]
    assert titles(search.relevant(user, "What about my haemoglobin levels?")) == [
        "Гемоглобин снижен"]
    assert titles(search.relevant(user, "iron tablets")) == ["Ferritin low in 2025"]
    assert search.relevant(user, "What was it last year?") == []


def test_a_match_in_the_title_ranks_above_one_in_the_content(user):
    MemoryEntry.objects.create(user=user, title="Diet notes", content="less sugar, more fibre")
    MemoryEntry.objects.create(user=user, title="Sugar cravings at night")
    assert titles(search.relevant(user, "sugar")) == ["Sugar cravings at night", "Diet notes"]


def test_only_the_users_active_entries(user, other_user):
    MemoryEntry.objects.create(user=other_user, title="Bob's ferritin 999")
    MemoryEntry.objects.create(user=user, title="Old ferritin", is_active=False)
    assert search.relevant(user, "ferritin") == []


def test_the_turn_block_leaves_out_what_the_system_prompt_already_has(user):
    MemoryEntry.objects.create(user=user, title="Penicillin allergy", importance="critical")
    MemoryEntry.objects.create(user=user, title="Penicillin rash as a child", importance="low")
    [block] = relevant_memory_blocks(user, None, "Can I take penicillin?")
    assert block["text"].startswith('<data source="memory"')
    assert "rash as a child" in block["text"] and "Penicillin allergy" not in block["text"]
