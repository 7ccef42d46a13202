"""Context providers: what each app adds to the system prompt of a turn.

The assistant platform knows no feature app. An app that has something to tell the
model registers a `Provider` in its `AppConfig.ready()`; `context.build` asks every
provider in `order`. Stable blocks (the same from one turn to the next: context files,
the skill, memory) come first and carry the cache breakpoint; volatile blocks (those that
depend on the current message, like document excerpts) follow, before the session facts.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Provider:
    name: str
    order: int  # smaller first; SPEC §6: layers 10-30, memory 40, documents 50
    stable: bool  # True: part of the cached prefix
    blocks: Callable[[Any, Any, str], list[dict]]  # (user, chat, current text) -> blocks


_providers: dict[str, Provider] = {}


def register(provider: Provider) -> Provider:
    _providers[provider.name] = provider
    return provider


def all_providers() -> list[Provider]:
    return sorted(_providers.values(), key=lambda provider: (provider.order, provider.name))


def block(title: str, body: str) -> dict:
    """One system block, as every provider writes it: a heading and the text."""
    return {"type": "text", "text": f"# {title}\n\n{body.strip()}"}
