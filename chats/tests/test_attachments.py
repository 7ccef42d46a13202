"""Files attached in the chat composer: uploaded as documents, processed by the real
pipeline (the job is run here, as the worker would), and their text given to the model
as data of the current user turn — or the answer says which file it could not read."""

import asyncio

import pytest
from asgiref.sync import sync_to_async
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import AsyncClient

from chats.assistant import reading
from chats.models import Chat, Message
from documents import tasks
from documents.models import Document
from documents.readers import RefusedFile
from documents.tests import hostile
from documents.tests.conftest import LIPID_EN, text_pdf
from tests.fakes.anthropic_server import Reply

pytestmark = pytest.mark.django_db(transaction=True)

FACTS = {"doc_type": "lab_result", "document_date": "2025-03-14", "provider": "City Lab",
         "summary": "Lipid panel.", "findings": [], "lab_values": []}
ANSWER = "Your total cholesterol of 6.1 mmol/L is above the range."


def model_answers(fake_anthropic, text=ANSWER):
    """The document job's forced tool call gets its facts, the chat turn its answer."""
    def respond(body):
        if (body.get("tool_choice") or {}).get("type") == "tool":
            return Reply.tool("record_document", FACTS)
        return Reply.text(text)
    fake_anthropic.responder = respond


def chat_requests(fake_anthropic) -> list[dict]:
    return [body for body in fake_anthropic.requests
            if (body.get("tool_choice") or {}).get("type") != "tool"]


async def attach(user, chat, *files, as_user=None):
    client = AsyncClient()
    await client.aforce_login(as_user or user)
    return await client.post(f"/chats/{chat.pk}/attachments/", {"files": list(files)})


async def events_until(socket, predicate, timeout=15):
    async with asyncio.timeout(timeout):
        while True:
            event = await socket.receive(timeout=timeout)
            if predicate(event):
                return event


def user_turn_texts(request: dict) -> list[str]:
    turn = request["messages"][-1]
    assert turn["role"] == "user"
    return [block["text"] for block in turn["content"] if block["type"] == "text"]


async def test_an_attached_pdf_is_processed_and_its_text_reaches_the_model(
        fake_anthropic, user, chat_socket):
    model_answers(fake_anthropic)
    chat = await Chat.objects.acreate(user=user)
    response = await attach(user, chat, SimpleUploadedFile("lipids.pdf", text_pdf(LIPID_EN)))
    assert response.status_code == 200
    [file] = response.json()["files"]
    assert file["name"] == "lipids.pdf" and file["url"] == f"/documents/{file['id']}/"
    document = await Document.objects.aget(pk=file["id"], user=user)
    assert document.status == "pending"  # queued like any upload

    socket = chat_socket(user, chat.pk)
    assert (await socket.connect())[0]
    await socket.send(action="send", content="Is my cholesterol fine?", attachments=[file["id"]])
    # The question is saved first, and the page says the file is being read.
    reading_event = await events_until(socket, lambda e: "Reading lipids.pdf" in e.get("html", ""))
    assert reading_event["status"] == "streaming"
    question = await Message.objects.aget(chat=chat, role="user")
    assert question.content == "Is my cholesterol fine?"
    assert question.metadata["attachments"] == [{"id": file["id"], "name": "lipids.pdf"}]
    assert chat_requests(fake_anthropic) == []  # the model waits for the text

    # The worker's job, on the real pipeline (text layer, index, facts).
    assert await sync_to_async(tasks.process_document, thread_sensitive=False)(
        file["id"]) == "completed"
    events = await socket.until_finished(timeout=20)
    assert events[-1]["status"] == "done"
    assert ANSWER.split(" of ")[0] in events[-1]["html"]

    [request] = chat_requests(fake_anthropic)
    texts = user_turn_texts(request)
    attached = [text for text in texts if text.startswith('<data source="attachment"')]
    assert len(attached) == 1
    assert attached[0].startswith('<data source="attachment" title="lipids.pdf">')
    assert "Total cholesterol 6.1 mmol/L" in attached[0] and attached[0].endswith("</data>")
    assert texts[-1] == "Is my cholesterol fine?"  # the user's own words last

    # The question shows its attachment as a link to the document.
    page = await sync_to_async(_page)(user, chat)
    assert f'href="/documents/{file["id"]}/"' in page and "lipids.pdf" in page
    await socket.close()


def _page(user, chat):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client.get(f"/chats/{chat.pk}/").content.decode()


async def test_another_users_document_is_refused_and_never_reaches_the_model(
        fake_anthropic, user, other_user, chat_socket):
    model_answers(fake_anthropic)
    theirs = await Chat.objects.acreate(user=other_user)
    response = await attach(other_user, theirs,
                            SimpleUploadedFile("secret.txt", b"Bob's HIV test: negative"))
    their_id = response.json()["files"][0]["id"]
    chat = await Chat.objects.acreate(user=user)
    socket = chat_socket(user, chat.pk)
    await socket.connect()
    for ids in ([their_id], ["not-an-id"], [their_id] * 2, {"id": their_id}):
        await socket.send(action="send", content="What does it say?", attachments=ids)
        event = await socket.receive()
        assert event["type"] == "error"
        assert "not found in your documents" in event["message"] or "could not be read" in \
            event["message"]
    assert not await Message.objects.filter(chat=chat).aexists()
    assert fake_anthropic.requests == []
    # Nor may anyone attach to a chat that is not theirs.
    response = await attach(user, theirs, SimpleUploadedFile("a.txt", b"Glucose 5.1"))
    assert response.status_code == 404
    await socket.close()


@pytest.mark.parametrize(("name", "data", "status", "phrase"), [
    ("setup.exe", b"MZ\x90\x00\x03" + b"\x00" * 200, 400, "setup.exe"),
    ("png-bomb.png", hostile.png_bomb(), 400, "too large to process"),
    ("cut.pdf", hostile.truncated_files()["cut.pdf"], 400, "truncated"),
])
async def test_a_bad_file_is_refused_with_a_clear_message(user, name, data, status, phrase):
    chat = await Chat.objects.acreate(user=user)
    response = await attach(user, chat, SimpleUploadedFile(name, data))
    assert response.status_code == status
    body = response.json()
    assert phrase in body["error"] and name in body["error"]
    assert "id" not in body["files"][0]
    assert not await Document.objects.filter(user=user).aexists()


async def test_nothing_to_attach_and_an_archived_chat_are_4xx(user):
    chat = await Chat.objects.acreate(user=user)
    response = await attach(user, chat)
    assert response.status_code == 400 and "at least one file" in response.json()["error"]
    await Chat.objects.filter(pk=chat.pk).aupdate(is_archived=True)
    response = await attach(user, chat, SimpleUploadedFile("a.txt", b"Glucose 5.1"))
    assert response.status_code == 400 and "archived" in response.json()["error"]


async def test_when_processing_fails_the_answer_still_comes_and_names_the_file(
        fake_anthropic, user, chat_socket, monkeypatch):
    model_answers(fake_anthropic, "I could not read that file, but here is what I know.")
    chat = await Chat.objects.acreate(user=user)
    response = await attach(user, chat, SimpleUploadedFile("scan.pdf", text_pdf(LIPID_EN)))
    file_id = response.json()["files"][0]["id"]

    def damaged(*args, **kwargs):  # the reader's sandbox finds the file damaged
        raise RefusedFile("The PDF is damaged and cannot be read.")
    monkeypatch.setattr("documents.readers.sandbox.read", damaged)

    socket = chat_socket(user, chat.pk)
    await socket.connect()
    await socket.send(action="send", content="What is in it?", attachments=[file_id])
    await events_until(socket, lambda e: "Reading scan.pdf" in e.get("html", ""))
    assert await sync_to_async(tasks.process_document, thread_sensitive=False)(
        file_id) == "failed"
    events = await socket.until_finished(timeout=20)
    final = events[-1]
    assert final["status"] == "done"
    assert "Could not read “scan.pdf”: The PDF is damaged and cannot be read." in \
        final["html"].replace("&ldquo;", "“").replace("&rdquo;", "”")
    assert "I could not read that file" in final["html"]
    texts = user_turn_texts(chat_requests(fake_anthropic)[-1])
    assert not any(text.startswith("<data source=\"attachment\"") for text in texts)
    assert '<data source="file-names" title="Attached files that could not be read">\n' \
        'scan.pdf\n</data>' in texts
    assert any("could not be read" in text and "named in the data block" in text
               for text in texts)
    answer = await Message.objects.aget(chat=chat, role="assistant")
    assert answer.metadata["unread"] == [
        {"name": "scan.pdf", "reason": "The PDF is damaged and cannot be read."}]
    await socket.close()


async def test_a_file_not_read_in_time_does_not_hold_the_answer(
        fake_anthropic, user, chat_socket, monkeypatch):
    monkeypatch.setattr(reading, "WAIT_SECONDS", 1.0)
    monkeypatch.setattr(reading, "POLL_INTERVAL", 0.1)
    model_answers(fake_anthropic)
    chat = await Chat.objects.acreate(user=user)
    response = await attach(user, chat, SimpleUploadedFile("queued.txt", b"Glucose 5.1 mmol/L"))
    file_id = response.json()["files"][0]["id"]
    socket = chat_socket(user, chat.pk)
    await socket.connect()
    await socket.send(action="send", content="", attachments=[file_id])  # the file alone
    events = await socket.until_finished(timeout=15)  # no worker: it stays queued
    assert events[-1]["status"] == "done"
    assert "still being processed after 1 seconds" in events[-1]["html"]
    question = await Message.objects.aget(chat=chat, role="user")
    assert question.content == "" and question.metadata["attachments"][0]["id"] == file_id
    await chat.arefresh_from_db()
    assert chat.title == "queued.txt"
    await socket.close()


def test_the_history_replays_a_past_questions_attachments_as_a_note():
    from chats.assistant.context import as_api_text

    text = as_api_text("And this?", {"attachments": [{"id": "x", "name": "ecg.pdf"}]})
    assert text == ('<data source="file-name" title="attached file">\necg.pdf\n</data>'
                    "\n\nAnd this?")


def test_the_composer_speaks_russian(client, make_user):
    owner = make_user("ru@example.com", language="ru")
    chat = Chat.objects.create(user=owner)
    client.force_login(owner)
    page = client.get(f"/chats/{chat.pk}/").content.decode()
    for text in ("Приложить", "Файлы к отправке", "Загрузка: %(names)s…", "Убрать %(name)s",
                 'name="files"'):
        assert text in page
