"""What the fake Messages API refuses, as the real API (or a local server) would.

`check_request` raises `RequestError` for requests the real API answers with 400
invalid_request_error: missing fields, a bad `tool_choice` (unknown type, naming a tool not
in `tools`, given without tools), more than 4 `cache_control` breakpoints or one on an
empty text block, empty text, `tool_use`/`tool_result` blocks without tools, and
`tool_result` blocks that do not answer the previous message's `tool_use` blocks (and the
reverse). The messages are the real API's where we know them, close to them otherwise.

`check_local_server` imitates local Anthropic-compatible servers that cannot do tools or
images. For tools we use Ollama's wording ("<model> does not support tools", HTTP 400);
for images llama.cpp's ("image input is not supported - hint: if this is unexpected, you
may need to provide the mmproj") — llama.cpp itself answers that one with HTTP 500
server_error; the fake answers 400 invalid_request_error so the SDK does not retry it.

`reply_violation` tells when a scripted reply contradicts the request (a forced
`tool_choice` answered without that tool, `tool_choice` none or no tools answered with a
tool call, text before a forced tool call, several calls despite
`disable_parallel_tool_use`, a forced call whose input holds a field its tool's
`input_schema` does not declare — at any depth, e.g. `follow_ups` in record_document's
answer before the schema had them): the real model cannot answer that way (it fills the
schema it is given), so the server answers 500 instead of letting the test pass on an
impossible reply.
"""

from __future__ import annotations

import json

MAX_BREAKPOINTS = 4
TOOL_CHOICE_TYPES = {"auto", "any", "tool", "none"}


class RequestError(Exception):
    def __init__(self, message: str, status: int = 400, error_type: str = "invalid_request_error"):
        super().__init__(message)
        self.message, self.status, self.error_type = message, status, error_type


def content_blocks(content) -> list[dict]:
    if isinstance(content, str):
        return [{"type": "text", "text": content}]
    return [block for block in content or [] if isinstance(block, dict)]


def check_request(body: dict) -> None:
    for name in ("model", "max_tokens", "messages"):
        if name not in body:
            raise RequestError(f"{name}: Field required")
    if not isinstance(body["messages"], list) or not body["messages"]:
        raise RequestError("messages: at least one message is required")
    _check_shapes(body)
    _check_tool_choice(body)
    _check_cache_control(body)
    _check_text(body)
    _check_tool_pairs(body)


def _check_shapes(body: dict) -> None:
    """Objects where objects belong, so the checks below and the cache can read them."""
    for index, tool in enumerate(body.get("tools") or []):
        if not isinstance(tool, dict) or not tool.get("name"):
            raise RequestError(f"tools.{index}.name: Field required")
    system = body.get("system")
    if system is not None and not isinstance(system, str) and not (
            isinstance(system, list) and all(isinstance(b, dict) for b in system)):
        raise RequestError("system: Input should be a valid string or a list of blocks")
    for index, message in enumerate(body["messages"]):
        content = message.get("content") if isinstance(message, dict) else None
        if not isinstance(content, str) and not (
                isinstance(content, list) and all(isinstance(b, dict) for b in content)):
            raise RequestError(f"messages.{index}.content: Input should be a valid string or a "
                               f"list of blocks")


def _check_tool_choice(body: dict) -> None:
    choice, tools = body.get("tool_choice"), body.get("tools") or []
    if choice is None:
        return
    if not isinstance(choice, dict) or choice.get("type") not in TOOL_CHOICE_TYPES:
        raise RequestError("tool_choice: Input tag does not match any of the expected tags: "
                           "'auto', 'any', 'tool', 'none'")
    if not tools:
        raise RequestError("tool_choice may only be specified while providing tools.")
    if choice["type"] == "tool":
        names = {tool.get("name") for tool in tools}
        if not choice.get("name"):
            raise RequestError("tool_choice.tool.name: Field required")
        if choice["name"] not in names:
            raise RequestError(f"tool_choice.name: tool '{choice['name']}' not found in the "
                               f"provided tools")


def _all_blocks(body: dict):
    """(location, block) for every block that may carry cache_control, in prompt order."""
    for index, tool in enumerate(body.get("tools") or []):
        yield f"tools.{index}", tool
    if isinstance(body.get("system"), list):
        for index, block in enumerate(body["system"]):
            yield f"system.{index}", block
    for m_index, message in enumerate(body.get("messages") or []):
        if isinstance(message.get("content"), list):
            for b_index, block in enumerate(message["content"]):
                yield f"messages.{m_index}.content.{b_index}", block


def _check_cache_control(body: dict) -> None:
    marked = [(where, block) for where, block in _all_blocks(body)
              if isinstance(block, dict) and block.get("cache_control")]
    if len(marked) > MAX_BREAKPOINTS:
        raise RequestError(f"A maximum of {MAX_BREAKPOINTS} blocks with cache_control may be "
                           f"provided. Found {len(marked)}.")
    for where, block in marked:
        control = block["cache_control"]
        if control.get("type") != "ephemeral" or control.get("ttl", "5m") not in ("5m", "1h"):
            raise RequestError(f"{where}.cache_control: invalid cache_control {json.dumps(control)}")
        if block.get("type") == "text" and not block.get("text"):
            raise RequestError(f"{where}.cache_control: cache_control cannot be set for empty "
                               f"text blocks")


def _check_text(body: dict) -> None:
    system = body.get("system")
    if isinstance(system, list) and any(b.get("type") == "text" and not b.get("text") for b in system):
        raise RequestError("system: text content blocks must be non-empty")
    messages = body["messages"]
    for index, message in enumerate(messages):
        if message.get("role") not in ("user", "assistant"):
            raise RequestError(f"messages.{index}.role: Input should be 'user' or 'assistant'")
        blocks = content_blocks(message.get("content"))
        last_assistant = index == len(messages) - 1 and message["role"] == "assistant"
        if not blocks and not last_assistant:
            raise RequestError(f"messages.{index}: all messages must have non-empty content "
                               f"except for the optional final assistant message")
        prefill = last_assistant and isinstance(message.get("content"), str)
        for block in blocks:
            if block.get("type") == "text" and not block.get("text") and not prefill:
                raise RequestError("messages: text content blocks must be non-empty")
        if last_assistant and blocks and blocks[-1].get("type") == "text":
            text = blocks[-1].get("text") or ""
            if text != text.rstrip():
                raise RequestError("messages: final assistant content cannot end with trailing "
                                   "whitespace")


def _check_tool_pairs(body: dict) -> None:
    messages = body["messages"]
    uses_tools = any(b.get("type") in ("tool_use", "tool_result")
                     for m in messages for b in content_blocks(m.get("content")))
    if uses_tools and not body.get("tools"):
        raise RequestError("Requests which include `tool_use` or `tool_result` blocks must "
                           "define tools.")
    for index, message in enumerate(messages):
        blocks = content_blocks(message.get("content"))
        if message.get("role") == "assistant" and index + 1 < len(messages):
            called = [b.get("id") for b in blocks if b.get("type") == "tool_use"]
            following = content_blocks(messages[index + 1].get("content"))
            answered = {b.get("tool_use_id") for b in following if b.get("type") == "tool_result"}
            missing = [call for call in called if call not in answered]
            if missing:
                raise RequestError(
                    f"messages.{index}: `tool_use` ids were found without `tool_result` blocks "
                    f"immediately after: {', '.join(missing)}. Each `tool_use` block must have a "
                    f"corresponding `tool_result` block in the next message.")
        if message.get("role") == "user":
            previous = content_blocks(messages[index - 1].get("content")) if index else []
            called = {b.get("id") for b in previous if b.get("type") == "tool_use"} \
                if index and messages[index - 1].get("role") == "assistant" else set()
            for b_index, block in enumerate(blocks):
                if block.get("type") == "tool_result" and block.get("tool_use_id") not in called:
                    raise RequestError(
                        f"messages.{index}.content.{b_index}: unexpected `tool_use_id` found in "
                        f"`tool_result` blocks: {block.get('tool_use_id')}. Each `tool_result` "
                        f"block must have a corresponding `tool_use` block in the previous message.")


def has_images(body: dict) -> bool:
    def walk(blocks):
        return any(b.get("type") == "image" or (
            b.get("type") == "tool_result" and isinstance(b.get("content"), list)
            and walk(content_blocks(b["content"]))) for b in blocks)

    return any(walk(content_blocks(m.get("content"))) for m in body.get("messages") or [])


def check_local_server(body: dict, tools_supported: bool, images_supported: bool) -> None:
    if not tools_supported and (body.get("tools") or body.get("tool_choice")):
        raise RequestError(f"{body.get('model') or 'model'} does not support tools")
    if not images_supported and has_images(body):
        raise RequestError("image input is not supported - hint: if this is unexpected, you may "
                           "need to provide the mmproj")


def reply_violation(body: dict, blocks: list) -> str | None:
    """Why a scripted reply (Text and ToolUse blocks) is impossible for this request."""
    calls = [block for block in blocks if hasattr(block, "input")]
    choice = body.get("tool_choice") or {"type": "auto"}
    kind = choice.get("type")
    if calls and not body.get("tools"):
        return f"a tool call ({calls[0].name}) answers a request without tools"
    if calls and kind == "none":
        return f"a tool call ({calls[0].name}) answers tool_choice none"
    if kind in ("any", "tool"):
        if not calls:
            return f"no tool call answers tool_choice {json.dumps(choice)}"
        if kind == "tool" and calls[0].name != choice.get("name"):
            return f"the tool call {calls[0].name} answers tool_choice {json.dumps(choice)}"
        if not hasattr(blocks[0], "input"):
            return "text before the tool call: a forced tool_choice starts with the tool call"
    if choice.get("disable_parallel_tool_use") and len(calls) > 1:
        return f"{len(calls)} tool calls despite disable_parallel_tool_use"
    if kind in ("any", "tool"):
        schemas = {tool.get("name"): tool.get("input_schema") for tool in body["tools"]}
        for call in calls:
            extra = undeclared(schemas.get(call.name), call.input, "")
            if extra:
                return f"the input of {call.name} holds {extra}, which its input_schema " \
                       f"does not declare"
    return None


def undeclared(schema, value, path: str) -> str | None:
    """The first field of `value` that `schema` (a JSON Schema's properties and items)
    does not declare, as a path; None when every field is declared. A schema that declares
    no properties, or allows additional ones, allows any."""
    if not isinstance(schema, dict):
        return None
    if isinstance(value, dict) and isinstance(schema.get("properties"), dict) \
            and schema.get("additionalProperties") is not True:
        properties = schema["properties"]
        for name, inner in value.items():
            if name not in properties:
                return f"{path}{name}"
            found = undeclared(properties[name], inner, f"{path}{name}.")
            if found:
                return found
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        for index, inner in enumerate(value):
            found = undeclared(schema["items"], inner, f"{path}{index}.")
            if found:
                return found
    return None
