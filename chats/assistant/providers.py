"""Context providers: what each app adds to a turn, and where it goes.

The assistant platform knows no feature app. An app that has something to tell the
model registers a `Provider` in its `AppConfig.ready()`; `context.build` asks every
provider in `order`. A provider's `placement` says where its blocks go:

- `SYSTEM` — stable from one message to the next (context files, the skill, critical and
  high memory): the system prompt, which ends with the cache breakpoint, so every turn of
  a chat reads it from the cache;
- `TURN` — made for the current message (document excerpts, lab values, memory relevant
  to it): data blocks (`untrusted.data_block`) at the start of the current user turn,
  after the history's breakpoint, so they never break the cached prefix. Returned as
  `chats.sources.Blocks(blocks, sources)`, they name the documents they were read from
  (`Source(document_id, filename, page)`), which are listed under the answer.

A `SYSTEM` provider that names its `sources` (the models its blocks are read from) is
built once and kept between turns (context_cache.py) until a row of one of them is saved
or deleted; its blocks may depend only on those rows, the user, the chat's skill and the
active language. Without `sources` it is built for every turn.
"""

from collections.abc import Callable
from typing import Any

SYSTEM, TURN = "system", "turn"


class Provider:
    """`blocks(user, chat, current_text)` returns content blocks: system blocks written
    with `block(title, body)`, turn blocks with `untrusted.data_block(source, title, body)`.
    `stable=True/False` is the older spelling of `placement` and still accepted.
    `sources`: the models a `SYSTEM` provider's blocks are read from (see above)."""

    __slots__ = ("blocks", "name", "order", "placement", "sources")

    def __init__(self, name: str, order: int, placement: str | None = None,
                 blocks: Callable[[Any, Any, str], list[dict]] | None = None, *,
                 stable: bool | None = None, sources: tuple | None = None):
        if placement is None:
            placement = TURN if stable is False else SYSTEM
        if placement not in (SYSTEM, TURN):
            raise ValueError(f"placement must be {SYSTEM!r} or {TURN!r}, not {placement!r}")
        if blocks is None:
            raise TypeError("a provider needs its blocks function")
        if sources is not None and placement != SYSTEM:
            raise ValueError("only a system provider is kept between turns")
        self.name, self.order, self.placement, self.blocks = name, order, placement, blocks
        self.sources = tuple(sources) if sources is not None else None

    @property
    def stable(self) -> bool:
        return self.placement == SYSTEM

    def __repr__(self):
        return f"Provider({self.name!r}, {self.order}, {self.placement!r})"


_providers: dict[str, Provider] = {}


def register(provider: Provider) -> Provider:
    if provider.sources:
        from . import context_cache

        context_cache.watch(*provider.sources)
    _providers[provider.name] = provider
    return provider


def all_providers() -> list[Provider]:
    return sorted(_providers.values(), key=lambda provider: (provider.order, provider.name))


def block(title: str, body: str) -> dict:
    """One system block, as every system provider writes it: a heading and the text."""
    return {"type": "text", "text": f"# {title}\n\n{body.strip()}"}
