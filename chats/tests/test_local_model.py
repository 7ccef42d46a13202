"""A real local model server, proven: llama.cpp's `llama-server` with SmolLM2-135M-Instruct
(scripts/local-model/, both from the package registries), against the real app code.

Run by `make test-local-model`, which builds and starts two servers and sets
LOCAL_MODEL_URL (tools on: --jinja with a ChatML tool template) and
LOCAL_MODEL_NO_TOOLS_URL (--no-jinja: it refuses tools). The normal suite deselects these
tests (conftest.py, marker `local_model`). The model is tiny: the tests check the
protocol and what a user sees, never what the answers say.
"""

import asyncio
import os

import anthropic
import pytest
from django.core.files.base import ContentFile

from chats import llm, model_support
from chats.assistant.reply import TOOLS_UNAVAILABLE
from chats.models import Chat, Message, TokenUsage

pytestmark = [pytest.mark.local_model, pytest.mark.django_db(transaction=True)]
TURN_SECONDS = 240  # one core, a 135M model: a short answer takes seconds, a loaded machine more


def use_server(settings, url: str) -> str:
    """The app configured as the README says for a local server: ANTHROPIC_BASE_URL alone."""
    settings.ANTHROPIC_BASE_URL = url
    settings.ANTHROPIC_API_KEY = ""
    model = llm.model_name()
    model_support.forget(model)
    return model


@pytest.fixture
def local_model(settings):
    model = use_server(settings, os.environ["LOCAL_MODEL_URL"])
    yield model
    model_support.forget(model)


@pytest.fixture
def local_model_without_tools(settings):
    model = use_server(settings, os.environ["LOCAL_MODEL_NO_TOOLS_URL"])
    yield model
    model_support.forget(model)


async def last_answer(chat):
    return await Message.objects.filter(chat=chat, role="assistant").order_by("-created").afirst()


async def test_a_chat_turn_streams_is_saved_and_its_usage_recorded(local_model, user,
                                                                    chat_socket):
    chat = await Chat.objects.acreate(user=user)
    socket = chat_socket(user, chat.pk)
    assert (await socket.connect())[0]
    await socket.send(action="send", content="Say hello in one short sentence.")
    events = await socket.until_finished(timeout=TURN_SECONDS)
    answer = await last_answer(chat)
    assert answer.metadata["status"] == "done", answer.metadata
    assert answer.content.strip()
    deltas = [e for e in events if e["type"] == "delta" and e["id"] == str(answer.pk)]
    assert deltas, "the answer reached the page while it was written"
    assert answer.content.startswith("".join(d["text"] for d in deltas))
    usage = await TokenUsage.objects.filter(user=user, source="chat").afirst()
    assert usage is not None and usage.requests >= 1
    assert usage.input_tokens > 0 and usage.output_tokens > 0
    await socket.close()


async def test_stop_keeps_what_arrived(local_model, user, chat_socket):
    chat = await Chat.objects.acreate(user=user)
    socket = chat_socket(user, chat.pk)
    assert (await socket.connect())[0]
    await socket.send(action="send", content="Write a very long story about a lighthouse keeper.")
    async with asyncio.timeout(TURN_SECONDS):
        while True:
            event = await socket.receive(timeout=TURN_SECONDS)
            if event["type"] == "delta" and event["text"].strip():
                break
    await socket.send(action="stop")
    events = await socket.until_finished(timeout=60)
    assert events[-1].get("status") == "stopped", events[-1]
    answer = await last_answer(chat)
    assert answer.metadata["status"] == "stopped"
    assert answer.content.strip()  # what arrived before Stop is kept
    await socket.close()


def test_a_documents_facts_end_in_a_clear_state_and_it_stays_searchable(local_model, user):
    """A 135M model may not call the forced tool (llama.cpp does not enforce tool_choice):
    the facts end done or unavailable with a reason, never stuck; the text is searchable."""
    from documents import search, tasks
    from documents.models import Document

    text = (b"Laboratory report, 12 March 2026. Ferritin 9 ng/mL (reference 30-400), low. "
            b"Haemoglobin 118 g/L (reference 120-160), low.")
    document = Document(user=user, filename="ferritin.txt", mime_type="text/plain",
                        file_size=len(text), sha256="local-model-ferritin")
    document.file.save("ferritin.txt", ContentFile(text), save=False)
    document.save()
    tasks.process_document(document.pk)
    document.refresh_from_db()
    assert document.status == Document.Status.COMPLETED, document.error
    # Done; unavailable (no readable tool call); or, on a slow machine where the answer
    # outlasts the client's timeout (seen here: 3 × 120 s), waiting for the periodic job
    # with the reason shown. Never stuck without a reason.
    assert document.facts_status in (Document.FactsStatus.DONE, Document.FactsStatus.UNAVAILABLE,
                                     Document.FactsStatus.WAITING)
    if document.facts_status != Document.FactsStatus.DONE:
        assert document.facts_error.strip()  # the reason the user sees
    assert [hit.filename for hit in search.search(user, "ferritin")] == ["ferritin.txt"]


async def test_without_tools_the_chat_answers_and_the_refusal_is_remembered(
    local_model_without_tools, user, chat_socket
):
    chat = await Chat.objects.acreate(user=user)
    socket = chat_socket(user, chat.pk)
    assert (await socket.connect())[0]
    await socket.send(action="send", content="Say hello in one short sentence.")
    await socket.until_finished(timeout=TURN_SECONDS)
    answer = await last_answer(chat)
    assert answer.metadata["status"] == "done", answer.metadata
    assert TOOLS_UNAVAILABLE in answer.metadata.get("notes", [])
    assert answer.content.strip()
    assert await model_support.alacks(local_model_without_tools, model_support.TOOLS)
    await socket.close()


def test_recheck_reads_the_real_servers_answers(local_model, settings):
    """With tools (jinja template): supported; without an mmproj: images refused, in
    llama.cpp's own words, which model_support recognises."""
    assert llm.recheck_support() == {"tools": "supported", "images": "refused"}
    settings.ANTHROPIC_BASE_URL = os.environ["LOCAL_MODEL_NO_TOOLS_URL"]
    assert llm.recheck_support()["tools"] == "refused"


def test_the_servers_errors_come_in_its_own_shape_and_are_read(local_model):
    """llama.cpp answers `{"error": {"code", "message", "type"}}` (it even takes an empty
    `messages` list without an error, which Anthropic's API refuses): an image to a server
    without an mmproj is refused in that shape, and read as the server's sentence."""
    client = llm.sync_client(max_retries=0)
    image = {"type": "image", "source": {"type": "base64", "media_type": "image/png",
                                         "data": llm.PIXEL_PNG}}
    with pytest.raises(anthropic.APIStatusError) as raised:
        client.messages.create(model=local_model, max_tokens=5, messages=[
            {"role": "user", "content": [image, {"type": "text", "text": "What is this?"}]}])
    error = raised.value
    assert isinstance(error.body, dict) and "code" in error.body["error"], error.body
    assert "type" not in error.body  # no Anthropic outer {"type": "error"}
    message = model_support.server_message(error)
    assert message.startswith("image input is not supported"), message
    assert model_support.refuses_images(error)
