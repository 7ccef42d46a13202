"""Prompt caching as the Messages API documents it, for the fake server.

The prompt is read as one ordered list of blocks: every tool definition, then the system
blocks (a string `system` is one text block), then each message's content blocks (a string
`content` is one text block). A block's hash covers everything before it, so changing any
byte of an earlier block changes every later prefix; `cache_control` itself is not part of
the content. The model seeds the chain (caches are per model), and `tool_choice` and the
presence of images are mixed in where the messages start: as documented, changing them
keeps the tools and system caches but invalidates the message caches.

Token estimate: a block costs max(1, len(canonical JSON) // 4) tokens (about 4 characters
a token, as the fake's count_tokens), an image block a flat 1600 (the documented cost of a
~1.15 megapixel image). `input_tokens` reported by the real API are approximate anyway;
what the tests rely on is the split between read, written and uncached tokens.

For one request (the rules of the prompt-caching guide):
- breakpoints are the blocks carrying `cache_control` (at most 4, checked elsewhere);
- a read happens at the longest prefix, ending at a breakpoint or at any of the 20 blocks
  before one, whose hash is in the cache and not expired; its tokens are
  `cache_read_input_tokens`, and the hit refreshes that entry's TTL;
- every breakpoint after the read whose prefix has at least `min_tokens` tokens is
  written; tokens from the read up to the last written breakpoint are
  `cache_creation_input_tokens`;
- everything else is `input_tokens` (uncached: after the last breakpoint, or not long
  enough to be cached).
Entries live 5 minutes (`"ttl": "1h"`: an hour) on the cache's clock, which tests advance.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from dataclasses import dataclass

from .anthropic_checks import content_blocks, has_images

LOOKBACK = 20
IMAGE_TOKENS = 1600
TTLS = {"5m": 300.0, "1h": 3600.0}


@dataclass
class Block:
    tokens: int
    digest: str  # hash of the prefix ending with this block
    cache_control: dict | None


@dataclass
class CacheUsage:
    input_tokens: int
    cache_creation_input_tokens: int
    cache_read_input_tokens: int
    ephemeral_5m_input_tokens: int = 0
    ephemeral_1h_input_tokens: int = 0


def _canonical(value) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _tokens(block: dict) -> int:
    if block.get("type") == "image":
        return IMAGE_TOKENS
    return max(1, len(_canonical(block)) // 4)


def prompt_blocks(body: dict) -> list[Block]:
    """The request as the ordered, hash-chained blocks the cache is keyed on."""
    raw: list[tuple[str, dict]] = [("tool", tool) for tool in body.get("tools") or []]
    raw += [("system", block) for block in content_blocks(body.get("system"))]
    first_message = len(raw)
    for message in body.get("messages") or []:
        raw += [(message.get("role", ""), block) for block in content_blocks(message.get("content"))]

    chain = hashlib.sha256(_canonical({"model": body.get("model")}).encode())
    blocks = []
    for index, (role, block) in enumerate(raw):
        if index == first_message:
            chain.update(_canonical({"tool_choice": body.get("tool_choice"),
                                     "images": has_images(body)}).encode())
        content = {key: value for key, value in block.items() if key != "cache_control"}
        chain.update(_canonical({"role": role, "block": content}).encode())
        blocks.append(Block(_tokens(content), chain.copy().hexdigest(), block.get("cache_control")))
    return blocks


class PromptCache:
    def __init__(self, min_tokens: int = 1024):
        self.min_tokens = min_tokens
        self._entries: dict[str, tuple[float, float]] = {}  # prefix digest -> (expiry, ttl)
        self._offset = 0.0
        self._lock = threading.Lock()

    def now(self) -> float:
        return time.monotonic() + self._offset

    def advance(self, seconds: float) -> None:
        """Moves the cache's clock forward (TTL tests)."""
        self._offset += seconds

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._offset = 0.0

    def __len__(self) -> int:
        now = self.now()
        return sum(1 for expiry, _ in self._entries.values() if expiry > now)

    def use(self, body: dict) -> CacheUsage:
        """Reads and writes the request's prefixes; returns the usage split."""
        blocks = prompt_blocks(body)
        total = sum(block.tokens for block in blocks)
        cumulative, running = [], 0
        for block in blocks:
            running += block.tokens
            cumulative.append(running)
        breakpoints = [i for i, block in enumerate(blocks) if block.cache_control]
        with self._lock:
            now = self.now()
            read_at = -1
            for point in breakpoints:
                for index in range(point, max(-1, point - LOOKBACK - 1), -1):
                    if index > read_at and self._entries.get(blocks[index].digest, (0, 0))[0] > now:
                        read_at = index
                        break
            read = cumulative[read_at] if read_at >= 0 else 0
            if read_at >= 0:
                digest = blocks[read_at].digest
                ttl_seconds = self._entries[digest][1]
                self._entries[digest] = (now + ttl_seconds, ttl_seconds)  # a hit refreshes
            written_to, by_ttl = read_at, {"5m": 0, "1h": 0}
            for point in breakpoints:
                if point <= read_at or cumulative[point] < self.min_tokens:
                    continue
                ttl = (blocks[point].cache_control or {}).get("ttl") or "5m"
                ttl = ttl if ttl in TTLS else "5m"
                self._entries[blocks[point].digest] = (now + TTLS[ttl], TTLS[ttl])
                start = cumulative[written_to] if written_to >= 0 else 0
                by_ttl[ttl] += cumulative[point] - start
                written_to = point
        written = sum(by_ttl.values())
        return CacheUsage(
            input_tokens=total - read - written,
            cache_creation_input_tokens=written,
            cache_read_input_tokens=read,
            ephemeral_5m_input_tokens=by_ttl["5m"],
            ephemeral_1h_input_tokens=by_ttl["1h"],
        )
