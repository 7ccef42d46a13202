"""The one place that builds Anthropic clients and records what they cost.

Every caller of the model (the chat engine, document extraction, the daily review) gets
its client, model name and usage bookkeeping here; a one-shot structured answer (a
forced tool call) is `ask_for_tool`. The SDK itself reads
ANTHROPIC_BASE_URL, so any Anthropic-compatible endpoint works.
"""

import asyncio
import os
import weakref

import anthropic
from constance import config
from django.conf import settings
from django.db.models import F
from django.utils import timezone

from .models import TokenUsage

DEFAULT_TIMEOUT = 120.0


def is_configured() -> bool:
    return bool(settings.ANTHROPIC_API_KEY)


def model_name() -> str:
    return config.claude_model


def async_client(**options) -> anthropic.AsyncAnthropic:
    options.setdefault("timeout", DEFAULT_TIMEOUT)
    return anthropic.AsyncAnthropic(api_key=settings.ANTHROPIC_API_KEY, **options)


_loop_clients: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def shared_async_client() -> anthropic.AsyncAnthropic:
    """One client per event loop, reused across turns: building one costs ~50 ms (TLS
    context, connection pool) and reusing it keeps connections to the API warm."""
    loop = asyncio.get_running_loop()
    key = (settings.ANTHROPIC_API_KEY, os.environ.get("ANTHROPIC_BASE_URL", ""))
    cached = _loop_clients.get(loop)
    if cached is None or cached[0] != key:
        cached = (key, async_client())
        _loop_clients[loop] = cached
    return cached[1]


def sync_client(**options) -> anthropic.Anthropic:
    options.setdefault("timeout", DEFAULT_TIMEOUT)
    return anthropic.Anthropic(api_key=settings.ANTHROPIC_API_KEY, **options)


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
    """The model's reply held no call of the forced tool."""


def ask_for_tool(user, source: str, tool: dict, *, system: str, content: str,
                 max_tokens: int) -> dict:
    """One request whose answer must be a call of `tool` (a Messages API tool definition):
    returns the tool's input, after adding the usage to `user`'s `source` total."""
    model = model_name()
    response = sync_client().messages.create(
        model=model,
        max_tokens=max_tokens,
        system=system,
        messages=[{"role": "user", "content": content}],
        tools=[tool],
        tool_choice={"type": "tool", "name": tool["name"]},
    )
    record_usage(user, source, model, response.usage)
    answer = next((block.input for block in response.content
                   if block.type == "tool_use" and block.name == tool["name"]), None)
    if not isinstance(answer, dict):
        raise NoToolAnswer(f"no {tool['name']} call in the answer")
    return answer
