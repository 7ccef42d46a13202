"""Any Anthropic-compatible model: a local server alone configures the assistant, and a
model that refuses tools or images still answers (against the strict fake server)."""

import anthropic
import httpx2
import pytest

from chats import llm, model_support
from chats.assistant.reply import TOOLS_UNAVAILABLE
from chats.models import Chat, Message
from tests.fakes.anthropic_server import Reply

RECORD = {"name": "record", "description": "Record the facts.",
          "input_schema": {"type": "object", "properties": {"kind": {"type": "string"}},
                           "required": ["kind"]}}
IMAGE = {"type": "image", "source": {"type": "base64", "media_type": "image/png",
                                     "data": "iVBORw0KGgo="}}


def api_error(status: int, message: str) -> anthropic.APIStatusError:
    request = httpx2.Request("POST", "http://local/v1/messages")
    response = httpx2.Response(status, request=request)
    body = {"type": "error", "error": {"type": "invalid_request_error", "message": message}}
    cls = {400: anthropic.BadRequestError, 500: anthropic.InternalServerError}[status]
    return cls(message, response=response, body=body)


@pytest.mark.parametrize("message", [
    "registry.ollama.ai/library/qwen:7b does not support tools",
    "tools param requires --jinja flag",
    '"auto" tool choice requires --enable-auto-tool-choice and --tool-call-parser to be set',
    "Model does not support tool use",
])
def test_known_tool_refusals_are_recognised(message):
    assert model_support.refuses_tools(api_error(400, message))
    assert not model_support.refuses_images(api_error(400, message))


def test_other_errors_are_not_refusals():
    assert not model_support.refuses_tools(api_error(400, "max_tokens: Field required"))
    assert not model_support.refuses_tools(ValueError("does not support tools"))
    assert model_support.refuses_images(api_error(400, "image input is not supported - hint: "
                                                       "if this is unexpected, you may need to "
                                                       "provide the mmproj"))
    assert model_support.refuses_images(api_error(400, "this model does not support image input"))


@pytest.mark.parametrize(("text", "expected"), [
    ('{"kind": "lab"}', {"kind": "lab"}),
    ('Here are the facts:\n```json\n{"kind": "lab", "n": {"a": 1}}\n```\nDone.',
     {"kind": "lab", "n": {"a": 1}}),
    ('Sure! {"kind": "letter"} hope this helps', {"kind": "letter"}),
    ("```\n{\"kind\": \"x\"}\n```", {"kind": "x"}),
    ("No JSON {here at all", None),
    ("[1, 2]", None),
])
def test_json_is_read_from_a_models_text(text, expected):
    assert llm.parse_json_object(text) == expected


# --- Configuration --------------------------------------------------------------------------
@pytest.mark.django_db
def test_a_base_url_alone_configures_a_keyless_local_server(fake_anthropic, settings,
                                                            monkeypatch, user):
    settings.ANTHROPIC_API_KEY = ""
    settings.ANTHROPIC_BASE_URL = ""
    assert not llm.is_configured()
    settings.ANTHROPIC_BASE_URL = fake_anthropic.url
    monkeypatch.delenv("ANTHROPIC_BASE_URL")  # only the setting points at the server
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    fake_anthropic.require_api_key = False
    assert llm.is_configured()
    fake_anthropic.queue(Reply.tool("record", {"kind": "lab"}))
    answer = llm.ask_for_tool(user, "document", RECORD, system="s", content="c", max_tokens=50)
    assert answer == {"kind": "lab"}
    assert not fake_anthropic.rejected


# --- Forced tool calls without tools, without images ----------------------------------------
@pytest.mark.django_db
def test_a_server_without_tools_is_asked_for_json_and_that_is_remembered(fake_anthropic, user):
    fake_anthropic.tools_supported = False
    fake_anthropic.queue(Reply.text('The facts:\n```json\n{"kind": "lab"}\n```'),
                         Reply.text('{"kind": "letter"}'))
    first = llm.ask_for_tool(user, "document", RECORD, system="Read it.", content="text",
                             max_tokens=50)
    assert first == {"kind": "lab"}
    assert [r["message"] for r in fake_anthropic.rejected] == [
        f"{llm.model_name()} does not support tools"]
    retry = fake_anthropic.requests[1]
    assert "tools" not in retry and "tool_choice" not in retry
    assert "JSON schema" in retry["system"] and '"kind"' in retry["system"]
    # The next request goes without tools at once.
    second = llm.ask_for_tool(user, "document", RECORD, system="Read it.", content="text",
                              max_tokens=50)
    assert second == {"kind": "letter"}
    assert len(fake_anthropic.requests) == 3 and len(fake_anthropic.rejected) == 1


@pytest.mark.django_db
def test_a_json_answer_that_is_not_json_is_no_answer(fake_anthropic, user):
    fake_anthropic.tools_supported = False
    fake_anthropic.queue(Reply.text("I cannot read this document, sorry."))
    with pytest.raises(llm.NoToolAnswer):
        llm.ask_for_tool(user, "document", RECORD, system="s", content="c", max_tokens=50)


@pytest.mark.django_db
def test_a_server_without_vision_gets_the_text_only_and_that_is_remembered(fake_anthropic, user):
    fake_anthropic.images_supported = False
    fake_anthropic.queue(Reply.tool("record", {"kind": "lab"}), Reply.tool("record", {"kind": "x"}))
    content = [IMAGE, {"type": "text", "text": "OCR text"}]
    assert llm.ask_for_tool(user, "document", RECORD, system="s", content=content,
                            max_tokens=50) == {"kind": "lab"}
    assert len(fake_anthropic.rejected) == 1
    assert fake_anthropic.requests[1]["messages"][0]["content"] == [
        {"type": "text", "text": "OCR text"}]
    llm.ask_for_tool(user, "document", RECORD, system="s", content=content, max_tokens=50)
    assert len(fake_anthropic.requests) == 3 and len(fake_anthropic.rejected) == 1


@pytest.mark.django_db
def test_other_bad_requests_are_not_retried(fake_anthropic, user):
    with pytest.raises(anthropic.BadRequestError):  # an empty message is invalid anywhere
        llm.ask_for_tool(user, "document", RECORD, system="s", content="", max_tokens=50)
    assert len(fake_anthropic.requests) == 1


# --- The chat ---------------------------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
async def test_a_chat_with_a_model_without_tools_answers_and_says_so(fake_anthropic, user,
                                                                    chat_socket):
    fake_anthropic.tools_supported = False
    fake_anthropic.queue(Reply.text("Ferritin was 35 ng/mL."), Reply.text("Second answer."))
    chat = await Chat.objects.acreate(user=user)
    socket = chat_socket(user, chat.pk)
    assert (await socket.connect())[0]
    await socket.send(action="send", content="What was my ferritin?")
    events = await socket.until_finished()
    answer = await Message.objects.filter(chat=chat, role="assistant").alatest("created")
    assert answer.metadata["status"] == "done"
    assert answer.content == "Ferritin was 35 ng/mL."
    assert answer.metadata["notes"] == [TOOLS_UNAVAILABLE]
    assert 'data-note="tools_unavailable"' in events[-1]["html"]
    assert "cannot use tools" in events[-1]["html"]
    assert len(fake_anthropic.rejected) == 1 and "tools" not in fake_anthropic.requests[1]
    assert "No tools are available" in fake_anthropic.requests[1]["system"][-1]["text"]
    # Remembered: the next turn goes without tools at once, and still says so.
    await socket.send(action="send", content="And later?")
    events = await socket.until_finished()
    assert len(fake_anthropic.requests) == 3 and len(fake_anthropic.rejected) == 1
    assert "tools" not in fake_anthropic.requests[2]
    assert 'data-note="tools_unavailable"' in events[-1]["html"]
    await socket.close()


@pytest.mark.django_db(transaction=True)
async def test_a_model_with_tools_gets_no_note(fake_anthropic, user, chat_socket):
    fake_anthropic.queue(Reply.text("Hello."))
    chat = await Chat.objects.acreate(user=user)
    socket = chat_socket(user, chat.pk)
    await socket.connect()
    await socket.send(action="send", content="hi")
    events = await socket.until_finished()
    assert "tools" in fake_anthropic.requests[0]
    assert "data-note" not in events[-1]["html"]
    await socket.close()


@pytest.mark.django_db(transaction=True)
async def test_a_chat_answers_through_a_keyless_local_server(fake_anthropic, settings,
                                                            monkeypatch, user, chat_socket):
    settings.ANTHROPIC_API_KEY = ""
    settings.ANTHROPIC_BASE_URL = fake_anthropic.url
    monkeypatch.delenv("ANTHROPIC_BASE_URL")
    fake_anthropic.require_api_key = False
    fake_anthropic.queue(Reply.text("Local answer."))
    chat = await Chat.objects.acreate(user=user)
    socket = chat_socket(user, chat.pk)
    await socket.connect()
    await socket.send(action="send", content="hi")
    events = await socket.until_finished()
    assert events[-1]["status"] == "done" and "Local answer." in events[-1]["html"]
    await socket.close()


# --- llama.cpp's error shape, and re-checking a server ---------------------------------------
def llama_error(status: int, message: str, error_type: str) -> anthropic.APIStatusError:
    """An error as llama.cpp's llama-server answers it: `{"error": {"code", "message",
    "type"}}`, without Anthropic's outer `"type": "error"`."""
    request = httpx2.Request("POST", "http://local/v1/messages")
    response = httpx2.Response(status, request=request)
    body = {"error": {"code": status, "message": message, "type": error_type}}
    cls = {400: anthropic.BadRequestError, 500: anthropic.InternalServerError}[status]
    return cls(f"Error code: {status} - {body}", response=response, body=body)


def test_llama_cpp_errors_are_read_in_their_own_shape():
    refusal = llama_error(500, "tools param requires --jinja flag", "server_error")
    assert model_support.refuses_tools(refusal)
    assert model_support.server_message(refusal) == "tools param requires --jinja flag"
    too_long = llama_error(400, "the request exceeds the available context size, try "
                                "increasing it", "exceed_context_size_error")
    assert not model_support.refuses_tools(too_long)
    assert model_support.server_message(too_long).startswith("the request exceeds")


def test_a_refusal_is_remembered_for_minutes_not_hours():
    assert model_support.REMEMBER_FOR <= 15 * 60


@pytest.mark.django_db
def test_an_administrator_rechecks_the_servers_tools_and_images(fake_anthropic, client,
                                                                make_user):
    client.force_login(make_user("admin@example.com", role="admin"))
    model = llm.model_name()
    page = client.get("/admin/chats/tokenusage/").content.decode()
    assert "Re-check the model’s tools and images" in page.replace("&#x27;", "'")

    fake_anthropic.tools_supported = False
    response = client.post("/admin/chats/tokenusage/recheck-model/", follow=True)
    text = response.content.decode()
    assert f"Model {model}: tools refused, images supported." in text
    assert model_support.lacks(model, model_support.TOOLS)
    assert not model_support.lacks(model, model_support.IMAGES)

    # The server was restarted with tools on: a re-check, and the next request has them.
    fake_anthropic.tools_supported = True
    text = client.post("/admin/chats/tokenusage/recheck-model/", follow=True).content.decode()
    assert f"Model {model}: tools supported, images supported." in text
    assert not model_support.lacks(model, model_support.TOOLS)
    assert client.get("/admin/chats/tokenusage/recheck-model/").status_code == 405
    fake_anthropic.rejected.clear()


@pytest.mark.django_db
def test_only_administrators_recheck(fake_anthropic, client, user):
    client.force_login(user)
    response = client.post("/admin/chats/tokenusage/recheck-model/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert fake_anthropic.requests == []
