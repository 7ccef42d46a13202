"""Turns start side by side (issue 23): the preparation of one message — the checks, the
saved question, the context — does not wait for another's. Before, every preparation ran
on asgiref's one thread-sensitive thread, so 80 messages sent together reached the model
one after another over seconds.

The proof is structural, not a stopwatch: a context provider holds each preparation at a
barrier until three of them are inside it at once. Run one at a time, the barrier breaks
and the turns fail; run side by side, all three reach the model."""

import asyncio
import threading

import pytest
from django.core.cache import cache

from chats.assistant import providers, turns
from chats.models import Chat, Message
from tests.fakes.anthropic_server import Reply

# The embedded mode keeps one preparation thread (SQLite takes one writer at a time).
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres_only]

AT_ONCE = 3


@pytest.fixture
def meeting_point():
    barrier = threading.Barrier(AT_ONCE)

    def blocks(user, chat, current_text):
        barrier.wait(timeout=5)  # BrokenBarrierError when the others cannot come in
        return []

    providers.register(providers.Provider("test-meeting-point", 99, providers.TURN, blocks))
    yield barrier
    providers._providers.pop("test-meeting-point", None)


async def test_preparations_of_several_messages_run_at_the_same_time(
        fake_anthropic, user, meeting_point):
    await cache.aclear()
    fake_anthropic.responder = lambda body: Reply.text("Here.")
    chats = [await Chat.objects.acreate(user=user) for _ in range(AT_ONCE)]

    started = await asyncio.gather(*(turns.start(user, chat.pk, f"Question {n}")
                                     for n, chat in enumerate(chats)))
    await asyncio.gather(*(task for task in started if task is not None))

    assert not meeting_point.broken
    assert len(fake_anthropic.requests) == AT_ONCE
    answers = Message.objects.filter(chat__user=user, role="assistant")
    assert {a.metadata.get("status") async for a in answers} == {"done"}
