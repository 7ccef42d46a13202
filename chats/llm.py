"""The one place that builds Anthropic clients and records what they cost.

Every caller of the model (the chat engine, document extraction, the daily review) gets
its client, model name and usage bookkeeping here; a one-shot structured answer (a
forced tool call) is `ask_for_tool`, which also works with models that take no tools or
no images (see model_support.py). Any Anthropic-compatible endpoint works: the API with
ANTHROPIC_API_KEY, or a local server (Ollama, llama.cpp) named by ANTHROPIC_BASE_URL alone.
"""

import asyncio
import json
import logging
import re
import weakref

import anthropic
from constance import config
from django.conf import settings
from django.db.models import F
from django.utils import timezone

from . import model_support
from .models import TokenUsage

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 120.0
ANTHROPIC_API_URL = "https://api.anthropic.com"
# The SDK refuses to send a request without a key; local servers do not check it.
LOCAL_SERVER_KEY = "local-server-without-key"


def is_configured() -> bool:
    """A key for Anthropic's API, or the address of an Anthropic-compatible server."""
    return bool(settings.ANTHROPIC_API_KEY or settings.ANTHROPIC_BASE_URL)


def _client_options(options: dict) -> dict:
    options.setdefault("timeout", DEFAULT_TIMEOUT)
    options.setdefault("api_key", settings.ANTHROPIC_API_KEY or LOCAL_SERVER_KEY)
    # Always given: the SDK would take an empty ANTHROPIC_BASE_URL for the address itself.
    options.setdefault("base_url", model_support.server_address() or ANTHROPIC_API_URL)
    return options


def model_name() -> str:
    return config.claude_model


def async_client(**options) -> anthropic.AsyncAnthropic:
    return anthropic.AsyncAnthropic(**_client_options(options))


_loop_clients: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def shared_async_client() -> anthropic.AsyncAnthropic:
    """One client per event loop, reused across turns: building one costs ~50 ms (TLS
    context, connection pool) and reusing it keeps connections to the API warm."""
    loop = asyncio.get_running_loop()
    key = (settings.ANTHROPIC_API_KEY, model_support.server_address())
    cached = _loop_clients.get(loop)
    if cached is None or cached[0] != key:
        cached = (key, async_client())
        _loop_clients[loop] = cached
    return cached[1]


def sync_client(**options) -> anthropic.Anthropic:
    return anthropic.Anthropic(**_client_options(options))


def record_usage(user, source: str, model: str, usage) -> None:
    """Adds one request's usage (an SDK `Usage` or a dict) to the user's daily total."""
    if usage is None:
        return

    def value(name):
        raw = usage.get(name) if isinstance(usage, dict) else getattr(usage, name, None)
        return int(raw or 0)

    row, _ = TokenUsage.objects.get_or_create(
        user=user, day=timezone.localdate(), source=source, model=model or "unknown"
    )
    TokenUsage.objects.filter(pk=row.pk).update(
        requests=F("requests") + 1,
        input_tokens=F("input_tokens") + value("input_tokens"),
        output_tokens=F("output_tokens") + value("output_tokens"),
        cache_read_tokens=F("cache_read_tokens") + value("cache_read_input_tokens"),
        cache_creation_tokens=F("cache_creation_tokens") + value("cache_creation_input_tokens"),
    )


class NoToolAnswer(ValueError):
    """The model's reply held no call of the forced tool (nor, without tools, a JSON
    object in its text)."""


def ask_for_tool(user, source: str, tool: dict, *, system: str, content: str | list,
                 max_tokens: int) -> dict:
    """One request whose answer must be a call of `tool` (a Messages API tool definition):
    returns the tool's input, after adding the usage to `user`'s `source` total.

    `content` is the user turn: text, or content blocks (images included). A server that
    refuses images gets the text blocks only; one that refuses tools is asked for the
    same object as JSON in the answer's text. Both refusals are remembered per model."""
    model = model_name()
    client = sync_client()
    if model_support.lacks(model, model_support.IMAGES):
        content = without_images(content)
    if not model_support.lacks(model, model_support.TOOLS):
        try:
            response = _create(client, model, content, max_tokens=max_tokens, system=system,
                               tools=[tool], tool_choice={"type": "tool", "name": tool["name"]})
        except anthropic.APIStatusError as error:
            if not model_support.refuses_tools(error):
                raise
            log.info("%s takes no tools; asking for JSON in text", model)
            model_support.remember_lacks(model, model_support.TOOLS)
        else:
            record_usage(user, source, model, response.usage)
            answer = next((block.input for block in response.content
                           if block.type == "tool_use" and block.name == tool["name"]), None)
            if not isinstance(answer, dict):
                raise NoToolAnswer(f"no {tool['name']} call in the answer")
            return answer
    response = _create(client, model, content, max_tokens=max_tokens,
                       system=f"{system}\n\n{json_instruction(tool)}")
    record_usage(user, source, model, response.usage)
    text = "".join(block.text for block in response.content if block.type == "text")
    answer = parse_json_object(text)
    if answer is None:
        raise NoToolAnswer(f"no JSON object for {tool['name']} in the answer")
    return answer


# What a re-check sends: the smallest request with a tool, and one with an image (a white
# 1×1 PNG), each answered with at most one token.
PROBE_TOOL = {"name": "probe", "description": "Say that you are ready.",
              "input_schema": {"type": "object", "properties": {"ready": {"type": "boolean"}}}}
PIXEL_PNG = ("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4//8/AAX+Av4N70a4"
             "AAAAAElFTkSuQmCC")


def recheck_support(model: str | None = None) -> dict[str, str]:
    """Forgets what the model's server was remembered to refuse, and asks it again: one
    tiny request with a tool, one with an image. Returns, per feature, "supported",
    "refused" (remembered, as a turn would) or the server's error."""
    model = model or model_name()
    model_support.forget(model)
    client = sync_client(timeout=60.0, max_retries=0)
    probes = {
        model_support.TOOLS: (model_support.refuses_tools, {
            "tools": [PROBE_TOOL], "messages": [{"role": "user", "content": "Ready?"}]}),
        model_support.IMAGES: (model_support.refuses_images, {"messages": [{
            "role": "user", "content": [
                {"type": "image", "source": {"type": "base64", "media_type": "image/png",
                                             "data": PIXEL_PNG}},
                {"type": "text", "text": "Ready?"}]}]}),
    }
    found = {}
    for feature, (refuses, request) in probes.items():
        try:
            client.messages.create(model=model, max_tokens=1, **request)
        except anthropic.APIStatusError as error:
            if refuses(error):
                model_support.remember_lacks(model, feature)
                found[feature] = "refused"
            else:
                found[feature] = f"{error.status_code}: {model_support.server_message(error)}"
        except anthropic.APIError as error:
            found[feature] = str(error)
        else:
            found[feature] = "supported"
    return found


def _create(client, model: str, content, **options):
    """messages.create; without the image blocks (remembered) when the server refuses them."""
    try:
        return client.messages.create(model=model, messages=[{"role": "user", "content": content}],
                                      **options)
    except anthropic.APIStatusError as error:
        if not (has_images(content) and model_support.refuses_images(error)):
            raise
    log.info("%s takes no images; sending the text only", model)
    model_support.remember_lacks(model, model_support.IMAGES)
    return client.messages.create(
        model=model, messages=[{"role": "user", "content": without_images(content)}], **options)


def has_images(content) -> bool:
    return isinstance(content, list) and any(block.get("type") == "image" for block in content)


def without_images(content):
    if not has_images(content):
        return content
    return [block for block in content if block.get("type") != "image"]


def json_instruction(tool: dict) -> str:
    """The tool's contract restated for a model without tools: one JSON object in text."""
    schema = json.dumps(tool["input_schema"], ensure_ascii=False)
    return (f"Answer with one JSON object and nothing else — no explanation before or after. "
            f"It is the input of `{tool['name']}` ({tool.get('description', '')}) and must "
            f"match this JSON schema:\n{schema}")


_FENCE = re.compile(r"```(?:json|JSON)?\s*\n?(.*?)```", re.DOTALL)


def parse_json_object(text: str) -> dict | None:
    """The first JSON object in a model's text: inside a ```json fence or not, after
    prose or before it. None when there is none."""
    candidates = [match.group(1) for match in _FENCE.finditer(text or "")] + [text or ""]
    decoder = json.JSONDecoder()
    for candidate in candidates:
        for match in re.finditer(r"\{", candidate):
            try:
                value, _end = decoder.raw_decode(candidate, match.start())
            except ValueError:
                continue
            if isinstance(value, dict):
                return value
    return None
