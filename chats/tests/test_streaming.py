"""A turn over /ws/chats/<id>/: streaming, saving, stopping and errors, against the fake API."""

import asyncio
import time

import pytest

from chats.assistant import turns
from chats.models import Chat, Message
from tests.fakes.anthropic_server import Reply

pytestmark = pytest.mark.django_db(transaction=True)


async def last_answer(chat):
    return await Message.objects.filter(chat=chat, role="assistant").order_by("-created").afirst()


async def test_answer_streams_in_batches_and_is_saved(fake_anthropic, user, chat_socket):
    chat = await Chat.objects.acreate(user=user)
    text = "Metformin is usually taken with meals. " * 8
    fake_anthropic.queue(Reply.text(text, delay=0.005, chunk_size=3))
    socket = chat_socket(user, chat.pk)
    assert (await socket.connect())[0]
    await socket.send(action="send", content="When should I take metformin?")
    events = await socket.until_finished()

    answer = await last_answer(chat)
    assert answer.content == text
    assert answer.metadata["status"] == "done"
    assert answer.metadata["stop_reason"] == "end_turn"
    assert answer.metadata["usage"]["output_tokens"] > 0
    updates = [e for e in events if e["id"] == str(answer.pk)]
    deltas = [e for e in updates if e["type"] == "delta"]
    # Streamed: the text reached the page in several pieces before the end, each piece
    # only the new text, in order and without a gap (the final message holds the rest)…
    assert len(deltas) >= 3
    assert text.startswith("".join(d["text"] for d in deltas))
    assert [d["offset"] for d in deltas] == [sum(len(d["text"]) for d in deltas[:i])
                                              for i in range(len(deltas))]
    # …but batched: far fewer frames than the ~100 deltas the model sent, and the whole
    # rendered message only when the answer is announced and when it ends.
    assert len(updates) < 60
    assert [e["status"] for e in updates if e["type"] == "message"] == ["streaming", "done"]
    await chat.arefresh_from_db()
    assert chat.title == "When should I take metformin?"
    await socket.close()


async def test_markdown_is_rendered_and_html_escaped(fake_anthropic, user, chat_socket):
    chat = await Chat.objects.acreate(user=user)
    fake_anthropic.queue(Reply.text("**Take** it <script>alert(1)</script> daily"))
    socket = chat_socket(user, chat.pk)
    await socket.connect()
    await socket.send(action="send", content="hi")
    events = await socket.until_finished()
    html = events[-1]["html"]
    assert "<strong>Take</strong>" in html
    assert "<script>" not in html
    await socket.close()


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        (Reply.http_error(529), "overloaded"),
        (Reply.http_error(429), "rate limit"),
        (Reply.http_error(401), "API key"),
    ],
)
async def test_api_errors_end_the_turn_with_a_clear_message(
    fake_anthropic, user, chat_socket, reply, expected
):
    chat = await Chat.objects.acreate(user=user)
    # Enough errors for the SDK's own retries too.
    fake_anthropic.queue(reply, reply, reply)
    socket = chat_socket(user, chat.pk)
    await socket.connect()
    await socket.send(action="send", content="hello")
    events = await socket.until_finished()
    assert events[-1]["status"] == "error"
    assert expected in events[-1]["html"]
    answer = await last_answer(chat)
    assert answer.metadata["status"] == "error"
    await socket.close()


@pytest.mark.parametrize(
    ("reply", "code"),
    [
        (Reply.text("The first part arrived and then", error_type="overloaded_error",
                    error_after=14), "overloaded"),
        (Reply.text("The first part arrived and then", disconnect_after=14), "connection"),
    ],
)
async def test_mid_stream_failure_keeps_what_arrived(fake_anthropic, user, chat_socket, reply, code):
    chat = await Chat.objects.acreate(user=user)
    fake_anthropic.queue(reply)
    socket = chat_socket(user, chat.pk)
    await socket.connect()
    await socket.send(action="send", content="hello")
    events = await socket.until_finished()
    answer = await last_answer(chat)
    assert answer.metadata["status"] == "error"
    assert answer.metadata["error"]["code"] == code
    assert answer.content.startswith("The first part")
    assert "The part that arrived is kept above." in events[-1]["html"]
    await socket.close()


async def test_without_api_key_the_chat_says_how_to_configure(settings, user, chat_socket):
    settings.ANTHROPIC_API_KEY = ""
    settings.ANTHROPIC_BASE_URL = ""
    chat = await Chat.objects.acreate(user=user)
    socket = chat_socket(user, chat.pk)
    await socket.connect()
    await socket.send(action="send", content="hello")
    events = await socket.until_finished()
    assert "ANTHROPIC_API_KEY" in events[-1]["html"]
    assert "not configured" in events[-1]["html"]
    assert await Message.objects.filter(chat=chat, role="user").acount() == 1
    await socket.close()


async def test_another_users_chat_socket_is_refused(user, other_user, chat_socket):
    chat = await Chat.objects.acreate(user=other_user)
    socket = chat_socket(user, chat.pk)
    connected, code = await socket.connect()
    assert not connected
    assert code == 4404


async def test_second_message_waits_for_the_answer(fake_anthropic, user, chat_socket):
    chat = await Chat.objects.acreate(user=user)
    fake_anthropic.queue(Reply.text("slow " * 50, delay=0.02))
    socket = chat_socket(user, chat.pk)
    await socket.connect()
    await socket.send(action="send", content="one")
    await socket.receive()
    await socket.send(action="send", content="two")
    while (event := await socket.receive())["type"] != "error":
        pass
    assert "still being written" in event["message"]
    await turns.stop(user, chat.pk)
    await asyncio.sleep(0.1)
    await socket.close()


async def test_sending_too_fast_gets_a_clear_message(fake_anthropic, user, chat_socket,
                                                     monkeypatch):
    from chats import limits

    monkeypatch.setattr(limits, "MESSAGES_PER_MINUTE", 0)
    chat = await Chat.objects.acreate(user=user)
    socket = chat_socket(user, chat.pk)
    await socket.connect()
    await socket.send(action="send", content="hello")
    event = await socket.receive()
    assert event["type"] == "error" and "too fast" in event["message"]
    assert not await Message.objects.filter(chat=chat).aexists()
    await socket.close()


async def test_timeout_ends_the_turn_with_a_clear_message(fake_anthropic, user, chat_socket,
                                                          monkeypatch):
    from chats import llm

    monkeypatch.setattr(llm, "DEFAULT_TIMEOUT", 0.2)
    slow = Reply.text("too late", first_token_delay=2)
    fake_anthropic.queue(slow, slow, slow)  # the SDK retries a timeout twice
    chat = await Chat.objects.acreate(user=user)
    socket = chat_socket(user, chat.pk)
    await socket.connect()
    await socket.send(action="send", content="hello")
    events = await socket.until_finished(timeout=20)
    answer = await last_answer(chat)
    assert answer.metadata["error"]["code"] == "timeout"
    assert "took too long" in events[-1]["html"]
    await socket.close()


async def test_errors_are_told_in_the_users_language(fake_anthropic, user, chat_socket):
    user.language = "ru"
    await user.asave()
    fake_anthropic.queue(*[Reply.http_error(529)] * 3)
    chat = await Chat.objects.acreate(user=user)
    socket = chat_socket(user, chat.pk)
    await socket.connect()
    await socket.send(action="send", content="привет")
    events = await socket.until_finished()
    assert "Сервис ИИ сейчас перегружен" in events[-1]["html"]
    await socket.close()


async def test_a_server_without_token_counting_or_caching_still_answers(
    fake_anthropic, user, chat_socket
):
    # Like Ollama or llama.cpp behind ANTHROPIC_BASE_URL: no count_tokens endpoint and no
    # cache usage reported. The engine estimates tokens itself and needs neither.
    fake_anthropic.count_tokens_supported = False
    fake_anthropic.prompt_caching_supported = False
    fake_anthropic.queue(Reply.text("Local model answer."))
    chat = await Chat.objects.acreate(user=user)
    socket = chat_socket(user, chat.pk)
    await socket.connect()
    await socket.send(action="send", content="hello")
    events = await socket.until_finished()
    assert events[-1]["status"] == "done" and "Local model answer." in events[-1]["html"]
    await socket.close()


async def test_a_page_joining_late_gets_the_answer_as_it_is_now(user, chat_socket):
    # The page was rendered while the answer was being written and the answer ended
    # before its socket joined: the socket's first event brings the final state.
    chat = await Chat.objects.acreate(user=user)
    answer = await Message.objects.acreate(
        chat=chat, role="assistant", content="Finished answer",
        metadata={"status": "done", "parts": [
            {"type": "text", "text": "Finished answer", "html": "<p>Finished answer</p>"}]})
    socket = chat_socket(user, chat.pk)
    await socket.connect()
    event = await socket.receive()
    assert event["id"] == str(answer.pk) and event["status"] == "done"
    assert "Finished answer" in event["html"]
    await socket.close()


async def test_the_question_and_the_empty_answer_come_before_any_update(
    fake_anthropic, user, chat_socket, monkeypatch
):
    from chats import live

    # A slow channel layer (a distant Redis) delays the announcement while the model
    # answers at once: still, no update of the answer may overtake the announcement.
    publish = live.publish

    async def slow_announcement(chat_id, payload):
        if 'data-role="user"' in payload.get("html", ""):  # the question, announced first
            while not fake_anthropic.requests:  # held until the model is answering
                await asyncio.sleep(0.01)
            await asyncio.sleep(0.3)
        await publish(chat_id, payload)

    monkeypatch.setattr(live, "publish", slow_announcement)
    fake_anthropic.queue(Reply.text("Quick answer in many small pieces.", chunk_size=1))
    chat = await Chat.objects.acreate(user=user)
    socket = chat_socket(user, chat.pk)
    await socket.connect()
    await socket.send(action="send", content="hello")
    events = await socket.until_finished()
    question, placeholder = events[0], events[1]
    assert 'data-role="user"' in question["html"] and "hello" in question["html"]
    assert 'data-role="assistant"' in placeholder["html"]
    assert placeholder["status"] == "streaming" and "Quick" not in placeholder["html"]
    assert {e["id"] for e in events[1:]} == {placeholder["id"]}
    assert events[-1]["status"] == "done"
    await socket.close()


async def test_a_turn_waiting_for_the_model_keeps_its_heartbeat(
    fake_anthropic, user, chat_socket, monkeypatch
):
    from chats.assistant import engine, stopping

    monkeypatch.setattr(stopping, "WATCH_INTERVAL", 0.05)
    monkeypatch.setattr(engine, "HEARTBEAT_INTERVAL", 0.1)
    fake_anthropic.queue(Reply.text("late", first_token_delay=2))
    chat = await Chat.objects.acreate(user=user)
    socket = chat_socket(user, chat.pk)
    await socket.connect()
    await socket.send(action="send", content="hello")
    while (answer := await last_answer(chat)) is None:
        await asyncio.sleep(0.02)
    first = answer.metadata["heartbeat"]
    # Still no text (the first token is 2 s away), yet the answer says its process is
    # alive: its heartbeat moves on (every 0.1 s here; waited for, not slept for).
    give_up = time.monotonic() + 30
    while True:
        await asyncio.sleep(0.05)
        await answer.arefresh_from_db()
        assert answer.content == "" and answer.metadata["status"] == "streaming"
        if answer.metadata["heartbeat"] > first:
            break
        assert time.monotonic() < give_up, "the heartbeat never moved on"
    await turns.stop(user, chat.pk)
    await socket.until_finished()
    await socket.close()


async def test_the_context_is_built_once_per_turn(fake_anthropic, user, chat_socket,
                                                  monkeypatch):
    from chats.assistant import context

    calls = []
    build = context.build

    def counted(*args, **kwargs):
        calls.append(args)
        return build(*args, **kwargs)

    # A spy around the real function: it builds the real context and counts.
    monkeypatch.setattr(context, "build", counted)
    fake_anthropic.queue(Reply.text("Fine."))
    chat = await Chat.objects.acreate(user=user)
    socket = chat_socket(user, chat.pk)
    await socket.connect()
    await socket.send(action="send", content="hello")
    await socket.until_finished()
    assert len(calls) == 1
    await socket.close()


async def test_a_context_that_cannot_be_built_ends_the_turn_with_a_clear_message(
    fake_anthropic, user, chat_socket, monkeypatch
):
    from chats.assistant import context

    calls = []

    def broken(*args, **kwargs):
        calls.append(args)
        raise RuntimeError("the search index is broken")

    # Injected fault: no real part breaks on demand half-way through a turn's context.
    monkeypatch.setattr(context, "build", broken)
    chat = await Chat.objects.acreate(user=user)
    socket = chat_socket(user, chat.pk)
    await socket.connect()
    await socket.send(action="send", content="hello")
    events = await socket.until_finished()
    assert events[-1]["status"] == "error"
    assert "could not gather what it needs" in events[-1]["html"]
    answer = await last_answer(chat)
    assert answer.metadata["status"] == "error"
    assert answer.metadata["error"]["code"] == "context_failed"
    assert len(calls) == 1  # not built again by the turn
    assert fake_anthropic.requests == []  # the model was not asked without its context
    # The chat is not left waiting for an answer: the next message goes through.
    monkeypatch.undo()
    fake_anthropic.queue(Reply.text("Back again."))
    await socket.send(action="send", content="hello again")
    events = await socket.until_finished()
    assert events[-1]["status"] == "done"
    await socket.close()
