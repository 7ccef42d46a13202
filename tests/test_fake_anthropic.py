"""The fake Anthropic server speaks the wire protocol the real SDK expects."""

import anthropic
import pytest

from tests.fakes.anthropic_server import Reply

SAVE_MEMORY = {"name": "save_memory", "description": "Saves a note.",
               "input_schema": {"type": "object", "properties": {"title": {"type": "string"}}}}


@pytest.fixture
def client(fake_anthropic):
    return anthropic.Anthropic(api_key="k", base_url=fake_anthropic.url, max_retries=0)


def test_streams_text_token_by_token(client, fake_anthropic):
    fake_anthropic.queue(Reply.text("Hello, Alice. How are you today?", chunk_size=3))
    with client.messages.stream(model="m", max_tokens=50,
                                messages=[{"role": "user", "content": "hi"}]) as stream:
        pieces = list(stream.text_stream)
        final = stream.get_final_message()
    assert len(pieces) > 5
    assert "".join(pieces) == "Hello, Alice. How are you today?"
    assert final.stop_reason == "end_turn"
    assert fake_anthropic.last_request["messages"][0]["content"] == "hi"


def test_tool_use_json_arrives_whole_despite_awkward_splits(client, fake_anthropic):
    fake_anthropic.queue(Reply.tool("save_memory", {"title": "Метформин", "note": 'a "quoted" value'},
                                    text="Saving."))
    with client.messages.stream(model="m", max_tokens=50, tools=[SAVE_MEMORY],
                                messages=[{"role": "user", "content": "x"}]) as stream:
        final = stream.get_final_message()
    tool = final.content[1]
    assert tool.type == "tool_use" and tool.name == "save_memory"
    assert tool.input == {"title": "Метформин", "note": 'a "quoted" value'}
    assert final.stop_reason == "tool_use"


def test_error_event_mid_stream_raises_after_partial_text(client, fake_anthropic):
    fake_anthropic.queue(Reply.text("partial answer that breaks", error_type="overloaded_error",
                                    error_after=8))
    received = []
    with (
        pytest.raises(anthropic.APIStatusError),
        client.messages.stream(model="m", max_tokens=5, messages=[{"role": "user", "content": "x"}]) as s,
    ):
        for piece in s.text_stream:
            received.append(piece)
    assert "".join(received).startswith("partial")


@pytest.mark.parametrize(("status", "error"), [(429, anthropic.RateLimitError),
                                                (529, anthropic.InternalServerError)])
def test_http_errors(client, fake_anthropic, status, error):
    fake_anthropic.queue(Reply.http_error(status))
    with pytest.raises(error):
        client.messages.create(model="m", max_tokens=5, messages=[{"role": "user", "content": "x"}])


def test_dropped_connection_is_an_error(client, fake_anthropic):
    """Mid-stream, the SDK lets the HTTP library's error through (not an anthropic.APIError)."""
    import httpx2

    fake_anthropic.queue(Reply.text("a long answer cut in the middle", disconnect_after=6))
    with (
        pytest.raises(httpx2.RemoteProtocolError),
        client.messages.stream(model="m", max_tokens=5, messages=[{"role": "user", "content": "x"}]) as s,
    ):
        list(s.text_stream)
