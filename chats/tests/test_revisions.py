"""Regenerating the last answer and editing the last question, against the fake API: the
replaced versions are kept and shown, and only the current ones reach the model. (Editing
earlier questions, and their branches: test_branches.py.)"""

import json

import pytest
from django.urls import reverse

from chats.models import Chat, Message
from tests.fakes.anthropic_server import Reply

pytestmark = pytest.mark.django_db(transaction=True)


async def answered_chat(user, fake_anthropic, chat_socket):
    chat = await Chat.objects.acreate(user=user)
    fake_anthropic.queue(Reply.text("First answer about iron."))
    socket = chat_socket(user, chat.pk)
    assert (await socket.connect())[0]
    await socket.send(action="send", content="Is ferritin 12 low?")
    await socket.until_finished()
    return chat, socket


def request_texts(body) -> str:
    return json.dumps(body["messages"], ensure_ascii=False)


async def test_regenerate_keeps_the_old_answer_and_the_model_sees_only_the_new_one(
        fake_anthropic, user, chat_socket, async_client):
    chat, socket = await answered_chat(user, fake_anthropic, chat_socket)
    await async_client.aforce_login(user)
    fake_anthropic.queue(Reply.text("Second answer about iron."))
    response = await async_client.post(reverse("chats:regenerate", args=[chat.pk]))
    assert response.status_code == 200
    events = await socket.until_finished()

    answers = [m async for m in Message.objects.filter(chat=chat, role="assistant")]
    assert len(answers) == 1  # the same message, now with a version behind it
    answer = answers[0]
    assert answer.content == "Second answer about iron."
    assert [v["content"] for v in answer.metadata["versions"]] == ["First answer about iron."]
    assert "1 earlier version" in events[-1]["html"] and "First answer about iron." in events[-1]["html"]
    # The model was asked the same question again, without the replaced answer.
    assert "Is ferritin 12 low?" in request_texts(fake_anthropic.requests[-1])
    assert "First answer" not in request_texts(fake_anthropic.requests[-1])

    # The next turn's history has only the current answer.
    fake_anthropic.queue(Reply.text("Third."))
    await socket.send(action="send", content="And what now?")
    await socket.until_finished()
    history = request_texts(fake_anthropic.requests[-1])
    assert "Second answer about iron." in history and "First answer" not in history
    await socket.close()


async def test_editing_the_last_question_keeps_the_old_question_as_a_branch(
        fake_anthropic, user, chat_socket, async_client):
    chat, socket = await answered_chat(user, fake_anthropic, chat_socket)
    old = await Message.objects.aget(chat=chat, role="user")
    await async_client.aforce_login(user)
    fake_anthropic.queue(Reply.text("About B12 then."))
    response = await async_client.post(reverse("chats:edit", args=[chat.pk, old.pk]),
                                       {"content": "Is B12 of 150 low?"})
    assert response.status_code == 200
    await socket.until_finished()
    shown = [m.content async for m in Message.objects.on_path().filter(chat=chat)]
    assert shown == ["Is B12 of 150 low?", "About B12 then."]
    kept = [m.content async for m in Message.objects.filter(chat=chat, on_path=False)]
    assert kept == ["Is ferritin 12 low?", "First answer about iron."]
    sent = request_texts(fake_anthropic.requests[-1])
    assert "Is B12 of 150 low?" in sent and "ferritin" not in sent
    page = (await async_client.get(reverse("chats:detail", args=[chat.pk]))).content.decode()
    assert ">Is B12 of 150 low?</div>" in page and ">Is ferritin 12 low?</div>" not in page
    assert "2 / 2" in page
    await socket.close()


async def test_nothing_to_regenerate_and_empty_edits_are_refused(user, async_client):
    chat = await Chat.objects.acreate(user=user)
    await async_client.aforce_login(user)
    response = await async_client.post(reverse("chats:regenerate", args=[chat.pk]))
    assert response.status_code == 400 and "no answer" in response.json()["error"]
    question = await Message.objects.acreate(chat=chat, role="user", content="Iron?")
    response = await async_client.post(reverse("chats:edit", args=[chat.pk, question.pk]),
                                       {"content": " "})
    assert response.status_code == 400


@pytest.mark.parametrize("name", ["regenerate", "edit"])
async def test_another_users_chat_cannot_be_revised(user, other_user, async_client, name):
    chat = await Chat.objects.acreate(user=other_user)
    question = await Message.objects.acreate(chat=chat, role="user", content="Bob's question")
    await Message.objects.acreate(chat=chat, role="assistant", content="Bob's answer")
    await async_client.aforce_login(user)
    args = [chat.pk] if name == "regenerate" else [chat.pk, question.pk]
    response = await async_client.post(reverse(f"chats:{name}", args=args),
                                       {"content": "mine now"})
    assert response.status_code == 404
    assert await Message.objects.filter(chat=chat, content="Bob's answer").aexists()
    assert await Message.objects.filter(chat=chat).acount() == 2
    mine = await Chat.objects.acreate(user=user)
    mine_question = await Message.objects.acreate(chat=mine, role="user", content="Mine")
    args = [mine.pk] if name == "regenerate" else [mine.pk, mine_question.pk]
    assert (await async_client.get(reverse(f"chats:{name}", args=args))).status_code == 405
