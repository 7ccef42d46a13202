"""The tool loop: tool calls run as the chat's owner, results go back, until a final answer."""

import pytest

from chats.assistant import engine
from chats.models import Chat, Message, TokenUsage
from memory.models import MemoryEntry
from tests.fakes.anthropic_server import Reply

pytestmark = pytest.mark.django_db(transaction=True)


async def test_remember_metformin_saves_memory_and_next_turn_carries_it(
    fake_anthropic, user, chat_socket
):
    chat = await Chat.objects.acreate(user=user)
    fake_anthropic.queue(
        Reply.tool("save_memory", {"title": "Metformin 500 mg", "category": "medication",
                                   "importance": "high", "content": "twice a day"},
                   text="I'll remember that."),
        Reply.text("Saved: you take metformin."),
        Reply.text("You take metformin."),
    )
    socket = chat_socket(user, chat.pk)
    await socket.connect()
    await socket.send(action="send", content="Remember that I take metformin 500 mg twice a day")
    events = await socket.until_finished()

    entry = await MemoryEntry.objects.aget(user=user)
    assert entry.title == "Metformin 500 mg"
    assert entry.source_chat_id == chat.pk
    # The tool result went back to the model in the second request.
    second = fake_anthropic.requests[1]
    tool_result = second["messages"][-1]["content"][0]
    assert tool_result["type"] == "tool_result"
    assert "Metformin 500 mg" in tool_result["content"]
    # The chat shows the call as a collapsible card, then the final text.
    html = events[-1]["html"]
    # with a human label, the saved fact and its Undo.
    assert '<details class="tool-card' in html and ">Memory</span>" in html
    assert "Saved to memory: Metformin 500 mg" in html
    assert 'data-state="applied"' in html and "Undo" in html
    answer = await Message.objects.aget(chat=chat, role="assistant")
    assert answer.content == "I'll remember that.\n\nSaved: you take metformin."
    assert answer.metadata["rounds"] == 2
    usage = await TokenUsage.objects.aget(user=user, source="chat")
    assert usage.requests == 2 and usage.output_tokens > 0

    await socket.send(action="send", content="What do I take?")
    await socket.until_finished()
    system = "\n".join(block["text"] for block in fake_anthropic.requests[2]["system"])
    assert "Metformin 500 mg" in system
    await socket.close()


async def test_tools_act_only_for_the_chats_owner(fake_anthropic, user, other_user, chat_socket):
    await MemoryEntry.objects.acreate(user=other_user, title="Bob's secret diagnosis")
    await MemoryEntry.objects.acreate(user=user, title="Alice's asthma")
    chat = await Chat.objects.acreate(user=user)
    fake_anthropic.queue(Reply.tool("get_memory", {}), Reply.text("Done."))
    socket = chat_socket(user, chat.pk)
    await socket.connect()
    await socket.send(action="send", content="What do you know?")
    await socket.until_finished()
    result = fake_anthropic.requests[1]["messages"][-1]["content"][0]["content"]
    assert "Alice's asthma" in result
    assert "Bob" not in result
    await socket.close()


async def test_the_loop_is_bounded(fake_anthropic, user, chat_socket, monkeypatch):
    monkeypatch.setattr(engine, "MAX_ROUNDS", 3)
    fake_anthropic.responder = lambda body: Reply.tool("get_memory", {})
    chat = await Chat.objects.acreate(user=user)
    socket = chat_socket(user, chat.pk)
    await socket.connect()
    await socket.send(action="send", content="loop forever")
    events = await socket.until_finished()
    assert len(fake_anthropic.requests) == 3
    assert "too many tools" in events[-1]["html"]
    await socket.close()


async def test_unknown_tool_is_reported_back_to_the_model(fake_anthropic, user, chat_socket):
    fake_anthropic.queue(Reply.tool("no_such_tool", {"x": 1}), Reply.text("Sorry."))
    chat = await Chat.objects.acreate(user=user)
    socket = chat_socket(user, chat.pk)
    await socket.connect()
    await socket.send(action="send", content="go")
    await socket.until_finished()
    result = fake_anthropic.requests[1]["messages"][-1]["content"][0]
    assert result["is_error"] is True
    await socket.close()
