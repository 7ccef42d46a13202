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


# --- Prompt caching by the documented prefix rules --------------------------------------
CACHE = {"type": "ephemeral"}
STABLE = "You are a careful health assistant. Never invent a diagnosis. " * 90  # ~1.4k tokens


def ask(client, history, text, system=STABLE, **options):
    """One chat turn laid out as a caching app should: the stable system prompt and the
    history end at breakpoints, the new message after them."""
    messages = [dict(m) for m in history]
    if messages:
        last = messages[-1]
        messages[-1] = {**last, "content": [{"type": "text", "text": last["content"],
                                             "cache_control": CACHE}]}
    messages.append({"role": "user", "content": text})
    return client.messages.create(
        model="m", max_tokens=50, messages=messages,
        system=[{"type": "text", "text": system, "cache_control": CACHE}], **options,
    ).usage


def conversation(client, turns, system=STABLE):
    history, usages = [], []
    for number in range(turns):
        question = f"Question number {number}: what about my blood pressure?"
        usages.append(ask(client, history, question, system=system))
        history += [{"role": "user", "content": question},
                    {"role": "assistant", "content": f"Answer number {number}."}]
    return usages


def test_repeated_turns_write_then_read_the_prefix_and_the_history(client, fake_anthropic):
    first, second, third = conversation(client, 3)
    # Turn 1: nothing cached yet; the system prompt is written, the question is uncached.
    assert first.cache_read_input_tokens == 0
    assert first.cache_creation_input_tokens > 1024 and first.input_tokens > 0
    # Turn 2: the system prompt is read back; the history up to its breakpoint is written.
    assert second.cache_read_input_tokens == first.cache_creation_input_tokens
    assert second.cache_creation_input_tokens > 0
    # Turn 3: the previous turn's history breakpoint is found by the look-back.
    assert third.cache_read_input_tokens == (second.cache_read_input_tokens
                                             + second.cache_creation_input_tokens)
    for usage in (first, second, third):  # the final message and message_start agree
        assert usage.input_tokens + usage.cache_read_input_tokens + usage.cache_creation_input_tokens > 0


def test_streamed_usage_reports_the_cache_in_message_start_and_at_the_end(client, fake_anthropic):
    conversation(client, 1)
    kwargs = {"model": "m", "max_tokens": 20, "messages": [{"role": "user", "content": "Hi"}],
              "system": [{"type": "text", "text": STABLE, "cache_control": CACHE}]}
    with client.messages.stream(**kwargs) as stream:
        events = list(stream)
        final = stream.get_final_message()
    start = next(e for e in events if e.type == "message_start").message.usage
    assert start.cache_read_input_tokens == final.usage.cache_read_input_tokens > 1024
    assert final.usage.cache_creation_input_tokens == 0


def test_changing_the_system_text_invalidates_everything_after_it(client, fake_anthropic):
    conversation(client, 2)
    changed = STABLE.replace("careful", "cautious", 1)
    first, second = conversation(client, 2, system=changed)
    assert first.cache_read_input_tokens == 0 and first.cache_creation_input_tokens > 1024
    assert second.cache_read_input_tokens == first.cache_creation_input_tokens


def test_a_prompt_below_the_minimum_is_not_cached(client, fake_anthropic):
    usages = conversation(client, 2, system="You are brief.")
    for usage in usages:
        assert usage.cache_read_input_tokens == usage.cache_creation_input_tokens == 0
        assert usage.input_tokens > 0
    fake_anthropic.cache.min_tokens = 1  # a model with a lower minimum caches it
    assert conversation(client, 2, system="You are brief.")[1].cache_read_input_tokens > 0


def test_cache_entries_expire_after_five_minutes_unless_read(client, fake_anthropic):
    written = ask(client, [], "First?").cache_creation_input_tokens
    fake_anthropic.cache.advance(240)
    assert ask(client, [], "Second?").cache_read_input_tokens == written  # refreshes the TTL
    fake_anthropic.cache.advance(240)  # 8 minutes after the write, 4 after the read
    assert ask(client, [], "Third?").cache_read_input_tokens == written
    fake_anthropic.cache.advance(301)
    expired = ask(client, [], "Fourth?")
    assert expired.cache_read_input_tokens == 0 and expired.cache_creation_input_tokens == written


def test_tool_choice_and_tools_are_part_of_the_prefix(client, fake_anthropic):
    ask(client, [], "Hi?")
    with_tools = ask(client, [], "Hi?", tools=[SAVE_MEMORY])
    assert with_tools.cache_read_input_tokens == 0  # tools come first: a new prefix
    history = [{"role": "user", "content": "Earlier question."},
               {"role": "assistant", "content": "Earlier answer."}]
    ask(client, history, "Now?", tools=[SAVE_MEMORY])
    forced = ask(client, history, "Now?", tools=[SAVE_MEMORY], tool_choice={"type": "none"})
    # A new tool_choice keeps the system cache but not the message cache.
    assert forced.cache_read_input_tokens == with_tools.cache_creation_input_tokens


def test_a_reply_may_set_the_usage_itself(client, fake_anthropic):
    fake_anthropic.queue(Reply.text("x", input_tokens=7, cache_read_input_tokens=3))
    usage = ask(client, [], "Hi?")
    assert (usage.input_tokens, usage.cache_read_input_tokens) == (7, 3)
    assert usage.cache_creation_input_tokens > 1024  # not overridden: computed


def test_more_than_four_breakpoints_are_refused(client, fake_anthropic):
    blocks = [{"type": "text", "text": f"part {i}", "cache_control": CACHE} for i in range(5)]
    with pytest.raises(anthropic.BadRequestError, match="maximum of 4 blocks"):
        client.messages.create(model="m", max_tokens=5, system=blocks,
                               messages=[{"role": "user", "content": "x"}])


# --- tool_choice -------------------------------------------------------------------------
def create(client, **options):
    return client.messages.create(model="m", max_tokens=50,
                                  messages=[{"role": "user", "content": "Note this."}], **options)


@pytest.mark.parametrize(("options", "message"), [
    ({"tools": [SAVE_MEMORY], "tool_choice": {"type": "tool", "name": "get_memory"}}, "get_memory"),
    ({"tool_choice": {"type": "any"}}, "only be specified while providing tools"),
])
def test_an_invalid_tool_choice_is_a_400_and_leaves_the_script_alone(client, fake_anthropic,
                                                                      options, message):
    fake_anthropic.queue(Reply.text("For the next valid request."))
    with pytest.raises(anthropic.BadRequestError, match=message) as caught:
        create(client, **options)
    assert caught.value.body["error"]["type"] == "invalid_request_error"
    assert create(client).content[0].text == "For the next valid request."


def test_a_forced_tool_is_what_the_reply_calls(client, fake_anthropic):
    fake_anthropic.queue(Reply.tool("save_memory", {"title": "Metformin"}))
    message = create(client, tools=[SAVE_MEMORY],
                     tool_choice={"type": "tool", "name": "save_memory"})
    assert message.content[0].type == "tool_use" and message.stop_reason == "tool_use"


@pytest.mark.parametrize(("reply", "choice"), [
    (Reply.text("I would rather talk."), {"type": "tool", "name": "save_memory"}),
    (Reply.text("I would rather talk."), {"type": "any"}),
    (Reply.tool("save_memory", {"title": "x"}, text="Sure, saving."), {"type": "any"}),
    (Reply.tool("save_memory", {"title": "x"}), {"type": "none"}),
])
def test_a_scripted_reply_contradicting_tool_choice_fails_loudly(client, fake_anthropic, reply,
                                                                  choice):
    fake_anthropic.queue(reply, Reply.text("a retry must not get this"))
    with pytest.raises(anthropic.InternalServerError, match="violates tool_choice"):
        create(client, tools=[SAVE_MEMORY], tool_choice=choice)
    assert len(fake_anthropic.requests) == 1  # not retried
    assert len(fake_anthropic.violations) == 1
    fake_anthropic.violations.clear()  # provoked on purpose (the fixture fails on leftovers)


RECORD = {"name": "record", "description": "Records facts.", "input_schema": {
    "type": "object", "properties": {
        "summary": {"type": "string"},
        "follow_ups": {"type": "array", "items": {"type": "object", "properties": {
            "what": {"type": "string"}, "due_in_count": {"type": ["integer", "null"]}}}},
    }}}


@pytest.mark.parametrize(("answer", "field"), [
    ({"summary": "s", "next_visit": "June"}, "next_visit"),
    ({"summary": "s", "follow_ups": [{"what": "Holter", "due_in_days": 90}]},
     "follow_ups.0.due_in_days"),
])
def test_a_forced_call_holds_only_what_its_schema_declares(client, fake_anthropic, answer,
                                                           field):
    fake_anthropic.queue(Reply.tool("record", answer))
    with pytest.raises(anthropic.InternalServerError, match=f"holds {field}, which"):
        create(client, tools=[RECORD], tool_choice={"type": "tool", "name": "record"})
    assert len(fake_anthropic.violations) == 1
    fake_anthropic.violations.clear()  # provoked on purpose (the fixture fails on leftovers)
    declared = {"summary": "s", "follow_ups": [{"what": "Holter", "due_in_count": 3}]}
    fake_anthropic.queue(Reply.tool("record", declared))
    forced = create(client, tools=[RECORD], tool_choice={"type": "tool", "name": "record"})
    assert forced.content[0].input == declared


def test_a_responder_can_follow_tool_choice(client, fake_anthropic):
    def responder(body):
        if (body.get("tool_choice") or {}).get("type") == "tool":
            return Reply.tool(body["tool_choice"]["name"], {"title": "from the responder"})
        return Reply.text("Plain answer.")

    fake_anthropic.responder = responder
    forced = create(client, tools=[SAVE_MEMORY], tool_choice={"type": "tool", "name": "save_memory"})
    assert forced.content[0].input == {"title": "from the responder"}
    assert create(client, tools=[SAVE_MEMORY]).content[0].text == "Plain answer."


def test_tool_results_must_answer_the_previous_tool_calls(client, fake_anthropic):
    messages = [{"role": "user", "content": "Note this."},
                {"role": "assistant", "content": [{"type": "tool_use", "id": "toolu_1",
                                                   "name": "save_memory", "input": {}}]},
                {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_2",
                                              "content": "ok"}]}]
    with pytest.raises(anthropic.BadRequestError, match="without `tool_result`"):
        client.messages.create(model="m", max_tokens=5, tools=[SAVE_MEMORY], messages=messages)
    messages[2]["content"][0]["tool_use_id"] = "toolu_1"
    with pytest.raises(anthropic.BadRequestError, match="must define tools"):
        client.messages.create(model="m", max_tokens=5, messages=messages)
    client.messages.create(model="m", max_tokens=5, tools=[SAVE_MEMORY], messages=messages)


# --- A local server that refuses tools or images -----------------------------------------
def test_a_server_without_tools_refuses_them_like_ollama(client, fake_anthropic):
    fake_anthropic.tools_supported = False
    fake_anthropic.queue(Reply.text("Answer without tools."))
    with pytest.raises(anthropic.BadRequestError, match="does not support tools") as caught:
        create(client, tools=[SAVE_MEMORY])
    assert caught.value.status_code == 400
    assert create(client).content[0].text == "Answer without tools."
    assert fake_anthropic.rejected[0]["message"] == "m does not support tools"


def test_a_server_without_vision_refuses_images(client, fake_anthropic):
    fake_anthropic.images_supported = False
    image = {"type": "image", "source": {"type": "base64", "media_type": "image/png",
                                         "data": "iVBORw0KGgo="}}
    with pytest.raises(anthropic.BadRequestError, match="image input is not supported"):
        client.messages.create(model="m", max_tokens=5, messages=[
            {"role": "user", "content": [image, {"type": "text", "text": "Read this page."}]}])
    fake_anthropic.reset()
    assert fake_anthropic.images_supported and fake_anthropic.tools_supported


# --- Keys ----------------------------------------------------------------------------------
def test_a_wrong_key_is_refused_when_the_server_has_one(fake_anthropic):
    fake_anthropic.api_key = "sk-right"
    wrong = anthropic.Anthropic(api_key="sk-wrong", base_url=fake_anthropic.url, max_retries=0)
    with pytest.raises(anthropic.AuthenticationError):
        create(wrong)
    right = anthropic.Anthropic(api_key="sk-right", base_url=fake_anthropic.url, max_retries=0)
    assert create(right).content[0].type == "text"


def test_no_key_is_refused_unless_the_server_does_not_check(fake_anthropic, monkeypatch):
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    monkeypatch.delenv("ANTHROPIC_AUTH_TOKEN", raising=False)
    keyless = anthropic.Anthropic(base_url=fake_anthropic.url, max_retries=0,
                                  default_headers={"Authorization": anthropic.Omit()})
    with pytest.raises(anthropic.AuthenticationError, match="x-api-key header is required"):
        create(keyless)
    fake_anthropic.require_api_key = False  # like Ollama or llama.cpp without --api-key
    assert create(keyless).content[0].type == "text"
    assert "authorization" not in {name.lower() for name in fake_anthropic.headers[-1]}


def test_a_server_without_prompt_caching_reports_plain_input_tokens(client, fake_anthropic):
    fake_anthropic.prompt_caching_supported = False
    first, second = conversation(client, 2)
    assert second.cache_read_input_tokens is None and second.cache_creation_input_tokens is None
    assert second.input_tokens > first.input_tokens > 1024


def test_count_tokens_agrees_with_the_usage_estimate(client, fake_anthropic):
    fake_anthropic.prompt_caching_supported = False
    kwargs = {"model": "m", "messages": [{"role": "user", "content": "How is my iron?"}],
              "system": STABLE}
    counted = client.messages.count_tokens(**kwargs).input_tokens
    assert client.messages.create(max_tokens=5, **kwargs).usage.input_tokens == counted


def test_malformed_requests_are_a_400_not_a_dropped_connection(fake_anthropic):
    import httpx2

    url = f"{fake_anthropic.url}/v1/messages"
    headers = {"x-api-key": "k", "content-type": "application/json"}
    assert httpx2.post(url, content=b"{not json", headers=headers).status_code == 400
    for body in ({"model": "m", "messages": [{"role": "user", "content": "x"}]},
                 {"model": "m", "max_tokens": 5, "messages": [{"role": "user", "content": 3}]},
                 {"model": "m", "max_tokens": 5, "messages": [{"role": "user", "content": ""}]}):
        answer = httpx2.post(url, json=body, headers=headers)
        assert answer.status_code == 400
        assert answer.json()["error"]["type"] == "invalid_request_error"


def _turns(count):
    messages = []
    for number in range(count):
        messages += [{"role": "user", "content": f"Step {number}?"},
                     {"role": "assistant", "content": f"Done {number}."}]
    return messages


def _with_breakpoint_at_the_end(messages):
    last = messages[-1]
    return [*messages[:-1], {"role": last["role"], "content": [
        {"type": "text", "text": last["content"], "cache_control": CACHE}]}]


@pytest.mark.parametrize(("new_blocks", "read"), [(20, True), (22, False)])
def test_the_look_back_reaches_twenty_blocks_before_a_breakpoint(client, fake_anthropic,
                                                                 new_blocks, read):
    fake_anthropic.cache.min_tokens = 1
    system = [{"type": "text", "text": STABLE}]  # no breakpoint of its own
    first = _turns(3)
    client.messages.create(model="m", max_tokens=5, system=system,
                           messages=[*_with_breakpoint_at_the_end(first), {"role": "user", "content": "?"}])
    longer = first + _turns(3 + new_blocks // 2)[6:]
    usage = client.messages.create(
        model="m", max_tokens=5, system=system,
        messages=[*_with_breakpoint_at_the_end(longer), {"role": "user", "content": "?"}]).usage
    assert (usage.cache_read_input_tokens > 0) is read


def test_an_hour_long_breakpoint_outlives_five_minutes(client, fake_anthropic):
    system = [{"type": "text", "text": STABLE, "cache_control": {"type": "ephemeral", "ttl": "1h"}}]
    kwargs = {"model": "m", "max_tokens": 5, "system": system,
              "messages": [{"role": "user", "content": "x"}]}
    written = client.messages.create(**kwargs).usage
    assert written.cache_creation.ephemeral_1h_input_tokens == written.cache_creation_input_tokens
    fake_anthropic.cache.advance(30 * 60)
    assert client.messages.create(**kwargs).usage.cache_read_input_tokens > 1024
    assert client.messages.create(**{**kwargs, "model": "other"}).usage.cache_read_input_tokens == 0
