"""An assistant answer being built: its parts (text and tool calls) and how it is stored.

The message's metadata holds `parts` in the order they happened — text parts with their
rendered HTML, tool parts with name, input, summary, data and result — so the page and
the socket render a message the same way, whatever tool produced it.

Adding text costs the same however long the answer is: the text part being written (the
"live" part) keeps its pieces in a list, joined only when the answer is saved or shown
(at a bounded rate), and `take_delta` hands out just the text not yet sent to the pages.
A text part's Markdown is rendered once, when the part ends (a tool call follows, or the
answer ends); while the answer streams its live part is stored without HTML and shown as
plain text.
"""

from dataclasses import dataclass, field

from django.utils import timezone

from ..markdown import render_markdown
from ..sources import merged as merged_sources

STREAMING, DONE, STOPPED = "streaming", "done", "stopped"
ERROR, INTERRUPTED = "error", "interrupted"
# Notes shown under an answer (muted), by code; the page translates them.
TOOLS_UNAVAILABLE = "tools_unavailable"


@dataclass
class Delta:
    """Text of a part not yet sent to the pages: it starts `offset` characters in."""

    part: int
    offset: int
    text: str


@dataclass
class Reply:
    parts: list[dict] = field(default_factory=list)
    status: str = STREAMING
    usage: dict = field(default_factory=dict)
    model: str = ""
    stop_reason: str = ""
    error: dict | None = None
    rounds: int = 0
    notes: list[str] = field(default_factory=list)
    versions: list[dict] = field(default_factory=list)  # the answers this one replaced
    reading: list[str] = field(default_factory=list)  # attached files still being read
    unread: list[dict] = field(default_factory=list)  # attached files it could not read
    sources: list[dict] = field(default_factory=list)  # documents it drew on (sources.py)
    # The live text part: its index, its pieces, and how many of them (and how many
    # characters) have been sent as deltas.
    _live: int | None = field(default=None, repr=False)
    _pieces: list[str] = field(default_factory=list, repr=False)
    _joined: int = field(default=0, repr=False)  # pieces already in parts[_live]["text"]
    _sent_pieces: int = field(default=0, repr=False)
    _sent_chars: int = field(default=0, repr=False)

    def add_sources(self, sources) -> None:
        """The documents (chats.sources.Source) whose values or text reached the model."""
        self.sources = merged_sources(self.sources, sources)

    def add_note(self, code: str) -> None:
        if code not in self.notes:
            self.notes.append(code)

    def add_text(self, text: str) -> None:
        if self._live is None:
            self.parts.append({"type": "text", "text": ""})
            self._live, self._pieces = len(self.parts) - 1, []
            self._joined = self._sent_pieces = self._sent_chars = 0
        self._pieces.append(text)

    def add_tool_call(self, call_id: str, name: str, input: dict) -> dict:
        self._close_live()
        part = {"type": "tool", "id": call_id, "name": name, "input": input, "status": "running"}
        self.parts.append(part)
        return part

    def add_usage(self, usage) -> None:
        for name in ("input_tokens", "output_tokens", "cache_read_input_tokens",
                     "cache_creation_input_tokens"):
            value = getattr(usage, name, None) or 0
            self.usage[name] = self.usage.get(name, 0) + int(value)

    def take_delta(self) -> Delta | None:
        """The live part's text added since the last call (None if nothing new)."""
        if self._live is None or self._sent_pieces == len(self._pieces):
            return None
        text = "".join(self._pieces[self._sent_pieces:])
        delta = Delta(self._live, self._sent_chars, text)
        self._sent_pieces = len(self._pieces)
        self._sent_chars += len(text)
        return delta

    def _sync(self) -> None:
        """Brings the live part's text up to date (at save or publish time only)."""
        if self._live is not None and self._joined != len(self._pieces):
            part = self.parts[self._live]
            part["text"] += "".join(self._pieces[self._joined:])
            self._joined = len(self._pieces)

    def _close_live(self) -> None:
        if self._live is not None:
            self._sync()
            part = self.parts[self._live]
            part["html"] = render_markdown(part["text"])
            self._live = None
            self._pieces = []

    @property
    def content(self) -> str:
        self._sync()
        return "\n\n".join(p["text"] for p in self.parts if p["type"] == "text" and p["text"])

    def rendered_parts(self) -> list[dict]:
        """The parts as stored: every text part with its HTML once the answer is final."""
        if self.status != STREAMING:
            self._close_live()
        self._sync()
        return [dict(p) for p in self.parts]

    def metadata(self) -> dict:
        data = {
            "status": self.status,
            "parts": self.rendered_parts(),
            "heartbeat": timezone.now().isoformat(),
        }
        if self.usage:
            data["usage"] = dict(self.usage)
        if self.model:
            data["model"] = self.model
        if self.stop_reason:
            data["stop_reason"] = self.stop_reason
        if self.error:
            data["error"] = dict(self.error)
        if self.rounds:
            data["rounds"] = self.rounds
        if self.notes:
            data["notes"] = list(self.notes)
        if self.versions:
            data["versions"] = list(self.versions)
        if self.reading:
            data["reading"] = list(self.reading)
        if self.unread:
            data["unread"] = [dict(entry) for entry in self.unread]
        if self.sources:
            data["sources"] = [dict(entry) for entry in self.sources]
        return data

    def snapshot(self) -> tuple[str, dict]:
        """The content and the metadata as they are now, safe to hand to another thread."""
        return self.content, self.metadata()
