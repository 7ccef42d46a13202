"""What a model's server refuses — tools, images — recognised from its answers and
remembered for a while, so later requests leave those parts out from the start.

Anthropic's API takes both; local Anthropic-compatible servers (Ollama, llama.cpp, vLLM,
LM Studio) answer a request with tools or images that the loaded model cannot handle with
an HTTP error whose message says so, each in its own words (listed below).
"""

import hashlib
import os

import anthropic
from django.conf import settings
from django.core.cache import cache

TOOLS, IMAGES = "tools", "images"
# Seconds. Minutes, not hours: a server may load another model under the same name, or be
# restarted with tools on; an administrator can also re-check at once (llm.recheck_support,
# the button on the admin's token usage page).
REMEMBER_FOR = 10 * 60

# Lower-case fragments of the known refusals.
TOOL_REFUSALS = (
    "does not support tools",  # Ollama: "<model> does not support tools"
    "tools param requires --jinja",  # llama.cpp without --jinja
    "--enable-auto-tool-choice",  # vLLM: "auto" tool choice requires --enable-auto-tool-choice…
    "does not support tool",  # LM Studio, Unsloth and others ("…does not support tool use")
    "tools are not supported",
    "tool use is not supported",
    "tool calling is not supported",
    "does not advertise tools",  # Unsloth Studio
)
IMAGE_REFUSALS = (
    "image input is not supported",  # llama.cpp without an mmproj
    "does not support image",  # Ollama: "this model does not support image input"
    "does not support images",  # LM Studio, Ollama's app
    "mmproj",
    "images are not supported",
    "vision is not supported",
)


def server_message(error: BaseException) -> str:
    """The server's own words: the error body's message — Anthropic's `{"type": "error",
    "error": {"type", "message"}}` or llama.cpp's `{"error": {"code", "message", "type"}}`
    — else the exception's text."""
    body = getattr(error, "body", None)
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and inner.get("message"):
            return str(inner["message"])
        if isinstance(inner, str):
            return inner
    return str(error)


def _refusal(error: BaseException, fragments: tuple[str, ...]) -> bool:
    # llama.cpp answers its --jinja refusal with a 500; the others with 400 or 422.
    if not isinstance(error, anthropic.APIStatusError) or error.status_code not in (400, 422, 500):
        return False
    text = server_message(error).lower()
    return any(fragment in text for fragment in fragments)


def refuses_tools(error: BaseException) -> bool:
    """True when the error is a server saying the model cannot take `tools`."""
    return _refusal(error, TOOL_REFUSALS)


def refuses_images(error: BaseException) -> bool:
    """True when the error is a server saying the model cannot take image blocks."""
    return _refusal(error, IMAGE_REFUSALS)


def server_address() -> str:
    """The configured Anthropic-compatible server, "" for Anthropic's API. The environment
    is read again because a test may point the SDK at a local server after start-up; an
    empty variable (compose's `${ANTHROPIC_BASE_URL:-}`) means none."""
    return settings.ANTHROPIC_BASE_URL or os.environ.get("ANTHROPIC_BASE_URL", "").strip()


def _key(model: str, feature: str) -> str:
    server = server_address()
    digest = hashlib.sha256(f"{server}\n{model}".encode()).hexdigest()[:24]
    return f"llm-lacks:{feature}:{digest}"


def remember_lacks(model: str, feature: str) -> None:
    cache.set(_key(model, feature), True, REMEMBER_FOR)


def lacks(model: str, feature: str) -> bool:
    return bool(cache.get(_key(model, feature)))


async def aremember_lacks(model: str, feature: str) -> None:
    await cache.aset(_key(model, feature), True, REMEMBER_FOR)


async def alacks(model: str, feature: str) -> bool:
    return bool(await cache.aget(_key(model, feature)))


def forget(model: str) -> None:
    cache.delete_many([_key(model, TOOLS), _key(model, IMAGES)])
