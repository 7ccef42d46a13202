"""The checks of a message sent, now in one thread hop with the rate limit's counter
beside it: each refusal is the same clear message, nothing is saved or sent for a refused
message, and a message refused for another reason does not count toward the rate limit."""

import pytest
from django.core.cache import cache
from django.utils import timezone

from chats import limits
from chats.assistant import turns
from chats.models import Chat, Message
from tests.fakes.anthropic_server import Reply

pytestmark = pytest.mark.django_db(transaction=True)


async def refusal(user, chat_id, content="hello") -> str:
    with pytest.raises(turns.TurnRejected) as refused:
        await turns.start(user, chat_id, content)
    return refused.value.args[0]


async def test_refusals_save_nothing_and_do_not_count(fake_anthropic, user, other_user,
                                                      monkeypatch):
    await cache.aclear()
    monkeypatch.setattr(limits, "MESSAGES_PER_MINUTE", 2)
    fake_anthropic.responder = lambda body: Reply.text("Fine.")
    chat = await Chat.objects.acreate(user=user)
    archived = await Chat.objects.acreate(user=user, is_archived=True)
    strangers = await Chat.objects.acreate(user=other_user)
    await Message.objects.acreate(chat=chat, role="assistant", content="…", metadata={
        "status": "streaming", "heartbeat": timezone.now().isoformat()})

    for _ in range(3):  # more than the limit, each refused for its own reason
        assert "still being written" in await refusal(user, chat.pk)
        assert "archived" in await refusal(user, archived.pk)
        assert "does not exist" in await refusal(user, strangers.pk)
        assert "Write a message first" in await refusal(user, chat.pk, "  ")
    assert await Message.objects.filter(chat__user=user).acount() == 1

    await Message.objects.filter(chat=chat).aupdate(metadata={"status": "done"})
    for question in ("one", "two"):  # the refused ones did not count
        await (await turns.start(user, chat.pk, question))
    assert "too fast" in await refusal(user, chat.pk, "three")
    assert len(fake_anthropic.requests) == 2  # nothing refused reached the model
    assert await Message.objects.filter(chat=chat, role="user").acount() == 2
