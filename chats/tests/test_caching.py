"""Prompt caching pays across the turns of a chat: the fake Messages API keeps a cache by
the documented rules (tests/fakes/anthropic_cache.py) and reports reads and writes as the
API does; the usage it reports is what the turns record per answer and per day."""

import pytest
from asgiref.sync import sync_to_async
from channels.layers import channel_layers

from chats.assistant import turns
from chats.models import Chat, Message, TokenUsage
from memory.models import MemoryEntry
from skills.context import primary_context, save_context
from skills.models import ContextFile, Skill
from tests.fakes.anthropic_server import Reply

pytestmark = pytest.mark.django_db(transaction=True)

# A primary context of realistic length (~1,500 tokens): the shortest cacheable prompt is
# 1,024 tokens, as for the real Sonnet models.
PRIMARY = "\n".join(
    f"{n}. You are not a doctor; explain results plainly, say when to see a clinician, and "
    f"treat chest pain, stroke signs and severe bleeding as emergencies (rule {n})."
    for n in range(1, 40)
)
QUESTIONS = [
    "I have been feeling tired for two weeks.", "I also sleep badly.",
    "Could it be my thyroid?", "What tests should I ask for?", "Is coffee a problem?",
    "I run three times a week.", "My mother had anaemia.", "Should I take iron?",
    "How long until I feel better?", "Thanks, anything else to watch?",
]


def answer_for(body) -> Reply:
    turn = len(body["messages"]) // 2 + 1
    return Reply.text(f"Answer {turn}: " + "Here is a careful explanation of what may be "
                      "going on, what to try first, and when to see a doctor. " * 3)


async def test_ten_turns_of_one_chat_read_the_system_prompt_and_the_history_from_the_cache(
    fake_anthropic, user
):
    primary = await sync_to_async(primary_context)() or ContextFile(type="primary")
    await sync_to_async(save_context)(primary, PRIMARY)
    skill = await Skill.objects.acreate(name="General practitioner",
                                        system_prompt="Think like a family doctor.")
    await MemoryEntry.objects.acreate(user=user, title="Hypothyroidism", importance="high",
                                      category="condition", content="levothyroxine 50 µg")
    chat = await Chat.objects.acreate(user=user, skill=skill)
    fake_anthropic.responder = answer_for
    channel_layers.backends.clear()

    for question in QUESTIONS:
        task = await turns.start(user, chat.pk, question)
        await task

    usages = [m.metadata["usage"] async for m in Message.objects.filter(
        chat=chat, role="assistant").order_by("created")]
    input_side = ("input_tokens", "cache_read_input_tokens", "cache_creation_input_tokens")
    assert [{key: usage[key] for key in input_side} for usage in usages] == [
        {key: reported[key] for key in input_side} for reported in fake_anthropic.usages
    ]  # each answer records the usage the API reported for its request
    assert all(usage["output_tokens"] > 0 for usage in usages)
    reads = [usage["cache_read_input_tokens"] for usage in usages]
    writes = [usage["cache_creation_input_tokens"] for usage in usages]
    uncached = [usage["input_tokens"] for usage in usages]

    # Turn 1 writes the system prompt; turn 2 reads it and writes the first exchange;
    # from then on each turn reads everything up to the previous exchange.
    assert reads[0] == 0 and writes[0] >= 1024
    system_tokens = writes[0]
    assert reads[1] == system_tokens
    for turn in range(2, len(usages)):
        assert reads[turn] == reads[turn - 1] + writes[turn - 1], f"turn {turn + 1}"
        assert reads[turn] > system_tokens
    # Only the new exchange is written, and only the current turn is uncached.
    assert max(writes[1:]) < 200 and max(uncached) < 200

    share = sum(reads) / (
        sum(reads) + sum(writes) + sum(uncached))
    print(f"\ncache-read share of input tokens over {len(usages)} turns: {share:.1%} "
          f"(read {sum(reads)}, written {sum(writes)}, uncached {sum(uncached)})")
    assert share > 0.75

    day = await TokenUsage.objects.aget(user=user, source="chat")
    assert day.requests == 10
    assert day.cache_read_tokens == sum(reads)
    assert day.cache_creation_tokens == sum(writes)
    assert day.input_tokens == sum(uncached)
