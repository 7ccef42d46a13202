"""Stop: from this process (the running task is cancelled at once) and from another one
(the shared flag, seen while streaming and by the watcher while the turn waits)."""

import asyncio

import pytest
from django.core.cache import cache

from chats.assistant import stopping, turns
from chats.models import Chat, Message
from tests.fakes.anthropic_server import Reply

pytestmark = pytest.mark.django_db(transaction=True)


async def last_answer(chat):
    return await Message.objects.filter(chat=chat, role="assistant").order_by("-created").afirst()


async def answer_being_written(chat):
    answer = None
    while answer is None:
        await asyncio.sleep(0.02)
        answer = await last_answer(chat)
    return answer


async def test_stop_keeps_the_partial_answer(fake_anthropic, user, chat_socket):
    chat = await Chat.objects.acreate(user=user)
    fake_anthropic.queue(Reply.text("word " * 400, delay=0.01, chunk_size=5))
    socket = chat_socket(user, chat.pk)
    await socket.connect()
    await socket.send(action="send", content="Tell me a long story")
    while True:  # wait until some text has arrived
        event = await socket.receive()
        if event["type"] == "delta" and "word" in event["text"]:
            break
    second_tab = chat_socket(user, chat.pk)  # Stop works from any open page
    await second_tab.connect()
    await second_tab.send(action="stop")
    events = await socket.until_finished()
    assert events[-1]["status"] == "stopped"
    answer = await last_answer(chat)
    assert answer.metadata["status"] == "stopped"
    assert 0 < len(answer.content) < len("word " * 400)
    await socket.close()
    await second_tab.close()


async def test_stop_cannot_reach_another_users_chat(fake_anthropic, user, other_user):
    chat = await Chat.objects.acreate(user=other_user)
    await Message.objects.acreate(chat=chat, role="assistant",
                                  metadata={"status": "streaming"})
    assert await turns.stop(user, chat.pk) is False
    with pytest.raises(turns.TurnRejected):
        await turns.start(user, chat.pk, "hijack")


async def test_stop_from_another_process_reaches_a_turn_waiting_for_the_model(
    fake_anthropic, user, chat_socket, monkeypatch
):
    monkeypatch.setattr(stopping, "WATCH_INTERVAL", 0.05)
    fake_anthropic.queue(Reply.text("late", first_token_delay=3))
    chat = await Chat.objects.acreate(user=user)
    socket = chat_socket(user, chat.pk)
    await socket.connect()
    await socket.send(action="send", content="hello")
    answer = await answer_being_written(chat)
    # Another server process has no task to cancel: it only sets the shared flag.
    await cache.aset(stopping.key(answer.pk), True)
    events = await socket.until_finished(timeout=2)
    assert events[-1]["status"] == "stopped"
    await socket.close()


async def test_stop_in_this_process_cancels_the_task_at_once(
    fake_anthropic, user, chat_socket, monkeypatch
):
    # The watcher would take a minute: only the cancelled task can end the turn in time.
    monkeypatch.setattr(stopping, "WATCH_INTERVAL", 60)
    fake_anthropic.queue(Reply.text("late", first_token_delay=3))
    chat = await Chat.objects.acreate(user=user)
    socket = chat_socket(user, chat.pk)
    await socket.connect()
    task = await turns.start(user, chat.pk, "hello")
    answer = await answer_being_written(chat)
    assert stopping.running(answer.pk) is task
    assert await turns.stop(user, chat.pk) is True
    events = await socket.until_finished(timeout=1)
    assert events[-1]["status"] == "stopped"
    assert (await last_answer(chat)).metadata["status"] == "stopped"
    # The final state can reach the page a loop iteration before the task has ended.
    await asyncio.wait([task], timeout=1)
    assert stopping.running(answer.pk) is None  # the registry forgets an ended turn
    assert await cache.aget(stopping.key(answer.pk)) is None  # and its flag is cleared
    await socket.close()


async def test_a_finished_answer_has_nothing_to_stop(fake_anthropic, user, chat_socket):
    fake_anthropic.queue(Reply.text("Done quickly."))
    chat = await Chat.objects.acreate(user=user)
    socket = chat_socket(user, chat.pk)
    await socket.connect()
    await socket.send(action="send", content="hello")
    await socket.until_finished()
    assert await turns.stop(user, chat.pk) is False
    # The final state can reach the page a loop iteration before the task has ended.
    if tasks := stopping.running_tasks():
        await asyncio.wait(tasks, timeout=1)
    assert stopping.running_tasks() == []
    await socket.close()


async def test_a_stopped_turn_finishes_although_its_watcher_sees_the_flag_too(
    fake_anthropic, user, chat_socket, monkeypatch
):
    from chats import live

    # Stop here cancels the task and sets the flag; the watcher, looking every 10 ms, sees
    # the flag while the turn is still publishing its end (a slow channel layer). It must
    # not cancel the turn a second time and cut that last update.
    monkeypatch.setattr(stopping, "WATCH_INTERVAL", 0.01)
    publish = live.publish

    async def slow_end(chat_id, payload):
        if payload.get("status") == "stopped":
            await asyncio.sleep(0.3)
        await publish(chat_id, payload)

    monkeypatch.setattr(live, "publish", slow_end)
    fake_anthropic.queue(Reply.text("late", first_token_delay=3))
    chat = await Chat.objects.acreate(user=user)
    socket = chat_socket(user, chat.pk)
    await socket.connect()
    await socket.send(action="send", content="hello")
    answer = await answer_being_written(chat)
    await turns.stop(user, chat.pk)
    events = await socket.until_finished(timeout=3)
    assert events[-1]["status"] == "stopped"
    await asyncio.sleep(0.1)
    assert await cache.aget(stopping.key(answer.pk)) is None
    await socket.close()
