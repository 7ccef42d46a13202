"""A local server speaking the Anthropic Messages API, for the real `anthropic` SDK.

It answers POST /v1/messages as JSON or as an SSE stream (message_start, content blocks
with text_delta and input_json_delta split at awkward places, ping, message_delta,
message_stop), can send `error` events, HTTP 429/529/500 errors, or drop the connection
mid-stream, and records every request so tests can assert what the model was sent.

Tests queue replies with `server.queue(Reply(...))`; with the queue empty, `responder`
(a function of the request body, which may look at `tool_choice`) decides, and by default a
short text answer is given.

As strict as the real API where it matters (see anthropic_checks.py and anthropic_cache.py):
- invalid requests are answered 400 invalid_request_error before any reply is used (a
  queued reply waits for the next valid request); a scripted reply the real model could
  not give (contradicting `tool_choice`) is answered 500 "fake: scripted reply violates
  tool_choice: …" and recorded in `violations`, which the `fake_anthropic` fixture asserts
  is empty at the end of each test;
- prompt caching follows the documented prefix rules; usage reports
  input/cache-read/cache-write tokens computed from the request unless a Reply overrides
  them; `cache.advance(seconds)` moves the cache clock, `cache.min_tokens` (default 1024)
  is the minimum cacheable prompt;
- `tools_supported = False` / `images_supported = False` refuse requests with tools or
  images as local servers do (Ollama's / llama.cpp's wording); with
  `prompt_caching_supported = False` usage carries no cache fields (Ollama's shape), and
  `count_tokens_supported = False` answers count_tokens 404;
- `api_key` set: any other key is 401 authentication_error; `require_api_key = False`
  accepts requests with no key at all (local servers do not check). By default any key
  is accepted and a missing one is refused, as the real API does.
`reset()` restores all of these.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from .anthropic_cache import CacheUsage, PromptCache, prompt_blocks
from .anthropic_checks import RequestError, check_local_server, check_request, reply_violation


@dataclass
class Text:
    text: str


@dataclass
class ToolUse:
    name: str
    input: dict
    id: str = field(default_factory=lambda: f"toolu_{uuid.uuid4().hex[:20]}")


@dataclass
class Reply:
    blocks: list = field(default_factory=lambda: [Text("Hello from the fake model.")])
    stop_reason: str | None = None  # default: tool_use if a ToolUse is present, else end_turn
    chunk_size: int = 4  # characters per text_delta
    delay: float = 0.0  # seconds between deltas (0.02 ≈ 50 tokens/s)
    first_token_delay: float = 0.0
    status: int = 200  # an HTTP error status (429, 529, 500…) answers with an error body
    error_type: str = ""  # with status 200: an SSE `error` event after `error_after` chars
    error_after: int = 0
    disconnect_after: int | None = None  # drop the connection after this many text chars
    # Usage overrides; None: computed from the request by the prompt-cache rules.
    input_tokens: int | None = None
    cache_read_input_tokens: int | None = None
    cache_creation_input_tokens: int | None = None
    model: str = "claude-fake-1"

    @classmethod
    def text(cls, text: str, **kwargs) -> Reply:
        return cls(blocks=[Text(text)], **kwargs)

    @classmethod
    def tool(cls, name: str, input: dict, text: str = "", **kwargs) -> Reply:
        blocks = ([Text(text)] if text else []) + [ToolUse(name, input)]
        return cls(blocks=blocks, **kwargs)

    @classmethod
    def http_error(cls, status: int, error_type: str = "") -> Reply:
        default = {429: "rate_limit_error", 529: "overloaded_error", 401: "authentication_error"}
        return cls(status=status, error_type=error_type or default.get(status, "api_error"))

    def resolved_stop_reason(self) -> str:
        if self.stop_reason:
            return self.stop_reason
        return "tool_use" if any(isinstance(b, ToolUse) for b in self.blocks) else "end_turn"


ERROR_MESSAGES = {
    "rate_limit_error": "Number of request tokens has exceeded your per-minute rate limit",
    "overloaded_error": "Overloaded",
    "authentication_error": "invalid x-api-key",
    "invalid_request_error": "Invalid request",
    "api_error": "Internal server error",
}


class FakeAnthropicServer:
    def __init__(self, host: str = "127.0.0.1", port: int = 0):
        self.requests: list[dict] = []  # JSON bodies of /v1/messages calls, in order
        self.headers: list[dict] = []
        self._queue: deque[Reply] = deque()
        self.responder: Callable[[dict], Reply] | None = None
        self.rejected: list[dict] = []  # {"status", "type", "message"} of requests refused
        self.violations: list[str] = []  # scripted replies the real model could not give
        self.usages: list[dict] = []  # usage reported for each answered request
        self.cache = PromptCache()
        self._defaults()
        self._lock = threading.Lock()
        handler = type("Handler", (_Handler,), {"fake": self})
        self.httpd = ThreadingHTTPServer((host, port), handler)
        self.httpd.daemon_threads = True
        self.url = f"http://{host}:{self.httpd.server_address[1]}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def start(self) -> FakeAnthropicServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def queue(self, *replies: Reply) -> None:
        with self._lock:
            self._queue.extend(replies)

    def _defaults(self) -> None:
        self.count_tokens_supported = True
        self.prompt_caching_supported = True  # False: usage without cache fields, as Ollama
        self.tools_supported = True
        self.images_supported = True
        self.api_key: str | None = None  # set: only this key is accepted
        self.require_api_key = True  # False: requests without any key are accepted

    def reset(self) -> None:
        with self._lock:
            self._queue.clear()
            self.requests.clear()
            self.headers.clear()
            self.rejected.clear()
            self.violations.clear()
            self.usages.clear()
            self.responder = None
            self._defaults()
        self.cache.clear()
        self.cache.min_tokens = 1024

    def record(self, body: dict, headers: dict) -> None:
        with self._lock:
            self.requests.append(body)
            self.headers.append(headers)

    def next_reply(self, body: dict) -> Reply:
        with self._lock:
            if self._queue:
                return self._queue.popleft()
        if self.responder is not None:
            return self.responder(body)
        return Reply()

    @property
    def last_request(self) -> dict:
        return self.requests[-1]


def _chunks(text: str, size: int) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]


def _awkward_splits(payload: str) -> list[str]:
    """Split JSON in the middle of keys, strings and escapes, as the real API may."""
    cuts = sorted({1, 2, len(payload) // 3, len(payload) // 2, len(payload) - 1})
    parts, start = [], 0
    for cut in cuts:
        if start < cut < len(payload):
            parts.append(payload[start:cut])
            start = cut
    parts.append(payload[start:])
    return [p for p in parts if p]


class _Handler(BaseHTTPRequestHandler):
    fake: FakeAnthropicServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # keep test output clean
        pass

    def _read_json(self) -> dict | None:
        """The body, or None after answering 400 for one that is not a JSON object."""
        length = int(self.headers.get("content-length") or 0)
        try:
            body = json.loads(self.rfile.read(length) or b"{}")
        except ValueError:
            body = None
        if not isinstance(body, dict):
            self._send_error(400, "invalid_request_error", "The request body is not valid JSON.")
            return None
        return body

    def _send_error(self, status: int, error_type: str, message: str, headers: dict | None = None):
        self._send_json(status, {"type": "error", "error": {"type": error_type, "message": message}},
                        headers=headers)

    def _authenticate(self) -> bool:
        """The key comes as x-api-key or `Authorization: Bearer` (the SDK sends the latter)."""
        key = self.headers.get("x-api-key")
        bearer = self.headers.get("authorization") or ""
        if not key and bearer.lower().startswith("bearer "):
            key = bearer[7:].strip()
        fake = self.fake
        if not key and fake.require_api_key:
            message = "x-api-key header is required"
        elif key and fake.api_key is not None and key != fake.api_key:
            message = "invalid x-api-key"
        else:
            return True
        fake.rejected.append({"status": 401, "type": "authentication_error", "message": message})
        self._send_error(401, "authentication_error", message)
        return False

    def _send_json(self, status: int, payload: dict, headers: dict | None = None) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.send_header("request-id", f"req_{uuid.uuid4().hex[:12]}")
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        path = self.path.split("?")[0].rstrip("/")
        if path.endswith("/v1/messages/count_tokens"):
            body = self._read_json()
            if body is None or not self._authenticate():
                return None
            if not self.fake.count_tokens_supported:
                return self._send_json(404, {"type": "error", "error": {
                    "type": "not_found_error", "message": "Not found"}})
            tokens = sum(block.tokens for block in prompt_blocks(body))  # the usage estimate
            return self._send_json(200, {"input_tokens": tokens})
        if not path.endswith("/v1/messages"):
            return self._send_json(404, {"type": "error", "error": {
                "type": "not_found_error", "message": f"no route {self.path}"}})
        body = self._read_json()
        if body is None:
            return None
        fake = self.fake
        fake.record(body, dict(self.headers))
        if not self._authenticate():
            return None
        try:
            check_request(body)
            check_local_server(body, fake.tools_supported, fake.images_supported)
        except RequestError as error:
            fake.rejected.append({"status": error.status, "type": error.error_type,
                                  "message": error.message})
            return self._send_error(error.status, error.error_type, error.message)
        reply = fake.next_reply(body)
        if reply.status != 200:
            return self._send_error(reply.status, reply.error_type,
                                    ERROR_MESSAGES.get(reply.error_type, "error"),
                                    headers={"retry-after-ms": "5", "x-should-retry": "true"})
        violation = reply_violation(body, reply.blocks)
        if violation:
            fake.violations.append(violation)
            return self._send_error(500, "api_error",
                                    f"fake: scripted reply violates tool_choice: {violation}",
                                    headers={"x-should-retry": "false"})
        if fake.prompt_caching_supported:
            usage = self._usage(fake.cache.use(body), reply)
        else:  # a local server: every token is uncached input, no cache fields at all
            total = sum(block.tokens for block in prompt_blocks(body))
            usage = {"input_tokens": total if reply.input_tokens is None else reply.input_tokens}
        fake.usages.append(usage)
        if body.get("stream"):
            return self._stream(body, reply, usage)
        return self._send_json(200, self._message(body, reply, usage, complete=True))

    @staticmethod
    def _usage(computed: CacheUsage, reply: Reply) -> dict:
        usage = {
            "input_tokens": computed.input_tokens,
            "cache_creation_input_tokens": computed.cache_creation_input_tokens,
            "cache_read_input_tokens": computed.cache_read_input_tokens,
            "cache_creation": {"ephemeral_5m_input_tokens": computed.ephemeral_5m_input_tokens,
                               "ephemeral_1h_input_tokens": computed.ephemeral_1h_input_tokens},
            "service_tier": "standard",
        }
        for name in ("input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens"):
            if getattr(reply, name) is not None:
                usage[name] = getattr(reply, name)
        return usage

    def _message(self, body: dict, reply: Reply, usage: dict, complete: bool) -> dict:
        content = []
        if complete:
            for block in reply.blocks:
                if isinstance(block, Text):
                    content.append({"type": "text", "text": block.text})
                else:
                    content.append({"type": "tool_use", "id": block.id, "name": block.name,
                                    "input": block.input})
        output_tokens = sum(len(b.text) // 4 + 1 for b in reply.blocks if isinstance(b, Text))
        return {
            "id": f"msg_{uuid.uuid4().hex[:20]}",
            "type": "message",
            "role": "assistant",
            "model": body.get("model") or reply.model,
            "content": content,
            "stop_reason": reply.resolved_stop_reason() if complete else None,
            "stop_sequence": None,
            "usage": {**usage, "output_tokens": output_tokens if complete else 1},
        }

    def _event(self, name: str, payload: dict) -> None:
        # Chunked transfer encoding, as the real API: a connection dropped before the last
        # chunk is an incomplete body, which the client reports as an error.
        data = f"event: {name}\ndata: {json.dumps(payload)}\n\n".encode()
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()

    def _end_chunks(self) -> None:
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def _stream(self, body: dict, reply: Reply, usage: dict) -> None:
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("cache-control", "no-cache")
        self.send_header("transfer-encoding", "chunked")
        self.end_headers()
        self.close_connection = True
        sent_chars = 0
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self._stream_events(body, reply, usage, sent_chars)

    def _stream_events(self, body: dict, reply: Reply, usage: dict, sent_chars: int) -> None:
        self._event("message_start", {"type": "message_start",
                                      "message": self._message(body, reply, usage, complete=False)})
        if reply.first_token_delay:
            time.sleep(reply.first_token_delay)
        self._event("ping", {"type": "ping"})
        for index, block in enumerate(reply.blocks):
            if isinstance(block, Text):
                self._event("content_block_start", {"type": "content_block_start", "index": index,
                                                    "content_block": {"type": "text", "text": ""}})
                for piece in _chunks(block.text, reply.chunk_size):
                    if reply.disconnect_after is not None and sent_chars >= reply.disconnect_after:
                        self.wfile.flush()
                        self.connection.shutdown(2)  # no final chunk: a broken body
                        return
                    if reply.error_type and sent_chars >= reply.error_after:
                        self._event("error", {"type": "error", "error": {
                            "type": reply.error_type,
                            "message": ERROR_MESSAGES.get(reply.error_type, "error")}})
                        self._end_chunks()
                        return
                    self._event("content_block_delta", {"type": "content_block_delta", "index": index,
                                                        "delta": {"type": "text_delta", "text": piece}})
                    sent_chars += len(piece)
                    if reply.delay:
                        time.sleep(reply.delay)
            else:
                self._event("content_block_start", {"type": "content_block_start", "index": index,
                                                    "content_block": {"type": "tool_use", "id": block.id,
                                                                      "name": block.name, "input": {}}})
                for part in _awkward_splits(json.dumps(block.input, ensure_ascii=False)):
                    self._event("content_block_delta", {"type": "content_block_delta", "index": index,
                                                        "delta": {"type": "input_json_delta",
                                                                  "partial_json": part}})
            self._event("content_block_stop", {"type": "content_block_stop", "index": index})
        if reply.error_type:
            self._event("error", {"type": "error", "error": {
                "type": reply.error_type, "message": ERROR_MESSAGES.get(reply.error_type, "error")}})
            self._end_chunks()
            return
        final = self._message(body, reply, usage, complete=True)
        # As the API does now: message_delta carries the cumulative usage, input side included.
        delta_usage = {name: final["usage"][name] for name in (
            "input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens", "output_tokens")
            if name in final["usage"]}
        self._event("message_delta", {"type": "message_delta",
                                      "delta": {"stop_reason": final["stop_reason"], "stop_sequence": None},
                                      "usage": delta_usage})
        self._event("message_stop", {"type": "message_stop"})
        self._end_chunks()
