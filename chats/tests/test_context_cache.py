"""The stable context kept between turns (chats/assistant/context_cache.py): the next
turn reads it without a query while nothing changed, byte for byte, and sees at once a
change of any of its sources — the primary and personal context, the skill, memory, the
health record, the user — made here or in another process."""

import datetime

import pytest
from asgiref.sync import sync_to_async
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from chats.assistant import context, context_cache, turns
from chats.models import Chat, Message
from memory.models import HealthPreference, Medication, MemoryEntry, Vital
from skills.context import primary_context, save_context, save_personal_context
from skills.models import ContextFile, Skill
from tests.fakes.anthropic_server import Reply

pytestmark = pytest.mark.django_db


def system_of(user, chat) -> list[dict]:
    question = Message.objects.create(chat=chat, role="user", content="how am I?")
    return context.system_blocks(user, chat, question.content)


def text_of(blocks) -> str:
    return "\n".join(block["text"] for block in blocks)


@pytest.fixture
def chat(user):
    skill = Skill.objects.create(name="Cardiologist", system_prompt="SKILL: heart focus")
    save_personal_context(user, "PERSONAL: I am a runner")
    MemoryEntry.objects.create(user=user, title="MEMORY: metformin 500 mg",
                               category="medication", importance="high")
    # Made by the first read of the health record otherwise (a saved source: the turn
    # after it builds again).
    HealthPreference.for_user(user)
    return Chat.objects.create(user=user, skill=skill)


def test_an_unchanged_context_is_read_again_without_a_query_and_byte_for_byte(user, chat):
    first = system_of(user, chat)
    with CaptureQueriesContext(connection) as queries:
        second = context.system_blocks(user, chat, "and now?")
    assert second == first
    assert len(queries) == 0  # the layers, memory and the health record are kept


@pytest.mark.parametrize("change, expected", [
    (lambda user, chat: save_personal_context(user, "PERSONAL: I swim now"), "I swim now"),
    (lambda user, chat: save_context(primary_context() or ContextFile(type="primary"),
                                     "PRIMARY: be brief"), "PRIMARY: be brief"),
    (lambda user, chat: _edit_skill(chat), "SKILL: rhythm focus"),
    (lambda user, chat: MemoryEntry.objects.create(
        user=user, title="MEMORY: penicillin allergy", importance="critical"), "penicillin"),
    (lambda user, chat: _edit_memory(user), "metformin 1000 mg"),
    (lambda user, chat: Medication.objects.create(
        user=user, name="Atorvastatin", strength="20 mg", times=["21:00"]), "Atorvastatin"),
    (lambda user, chat: Vital.objects.create(
        user=user, kind="weight", value=71.5, unit="kg", measured_at=timezone.now()), "71.5"),
])
def test_a_saved_source_is_in_the_next_turns_context(user, chat, change, expected):
    assert expected not in text_of(system_of(user, chat))
    change(user, chat)
    assert expected in text_of(system_of(user, chat))


def _edit_skill(chat):
    skill = Skill.objects.get(pk=chat.skill_id)
    skill.system_prompt = "SKILL: rhythm focus"
    skill.save()
    chat.skill = skill  # the turn reads the chat (and its skill) afresh
    return True


def _edit_memory(user):
    entry = MemoryEntry.objects.get(user=user, title__startswith="MEMORY:")
    entry.title = "MEMORY: metformin 1000 mg"
    entry.save()


def test_a_deleted_memory_entry_leaves_the_next_turns_context(user, chat):
    assert "metformin" in text_of(system_of(user, chat))
    MemoryEntry.objects.filter(user=user).delete()
    assert "metformin" not in text_of(system_of(user, chat))


def test_a_changed_unit_preference_and_timezone_show_in_the_next_turn(user, chat):
    Vital.objects.create(user=user, kind="weight", value=70, unit="kg",
                         measured_at=datetime.datetime(2026, 3, 1, 23, 30, tzinfo=datetime.UTC))
    assert "2026-03-01 23:30" in text_of(system_of(user, chat))
    user.timezone = "Europe/Moscow"
    user.save()
    assert "2026-03-02 02:30" in text_of(system_of(user, chat))
    preference = HealthPreference.for_user(user)
    preference.weight_unit = "lb"
    preference.save()
    assert "lb" in text_of(system_of(user, chat))


def test_another_users_change_keeps_this_users_context(user, other_user, chat):
    system_of(user, chat)
    MemoryEntry.objects.create(user=other_user, title="someone else", importance="high")
    with CaptureQueriesContext(connection) as queries:
        context.system_blocks(user, chat, "again")
    assert len(queries) == 0


def test_a_change_made_by_another_process_is_seen(user, chat):
    """Another process saved the entry: its signal bumped the shared version, not this
    process's kept blocks (simulated: the row changes without a signal here)."""
    system_of(user, chat)
    MemoryEntry.objects.filter(user=user).update(title="MEMORY: metformin 750 mg")
    assert "750 mg" not in text_of(system_of(user, chat))  # no signal: nothing knew yet
    context_cache._bump(user.pk)  # what the other process's signal did
    assert "750 mg" in text_of(system_of(user, chat))


def test_kept_blocks_expire_even_if_a_change_was_missed(user, chat, monkeypatch):
    system_of(user, chat)
    MemoryEntry.objects.filter(user=user).update(title="MEMORY: metformin 750 mg")
    monkeypatch.setattr(context_cache, "LOCAL_TTL", 0.0)
    assert "750 mg" in text_of(system_of(user, chat))


@pytest.mark.django_db(transaction=True)
async def test_editing_memory_between_two_turns_reaches_the_model(fake_anthropic, user):
    """End to end: the request of the next turn carries the edited entry, and a turn in
    between with nothing changed sends the same system prompt."""
    entry = await MemoryEntry.objects.acreate(user=user, title="Allergy: penicillin",
                                              importance="critical")
    chat = await Chat.objects.acreate(user=user)
    fake_anthropic.responder = lambda body: Reply.text("Noted.")
    for question in ("first", "second"):
        await (await turns.start(user, chat.pk, question))
    entry.title = "Allergy: amoxicillin"
    await entry.asave()
    await (await turns.start(user, chat.pk, "third"))

    systems = [text_of(request["system"]) for request in fake_anthropic.requests]
    assert systems[0] == systems[1]
    assert "penicillin" in systems[1] and "amoxicillin" not in systems[1]
    assert "amoxicillin" in systems[2]
    await sync_to_async(context_cache.clear)()
