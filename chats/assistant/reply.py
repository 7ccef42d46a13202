"""An assistant answer being built: its parts (text and tool calls) and how it is stored.

The message's metadata holds `parts` in the order they happened — text parts with their
rendered HTML, tool parts with name, input, summary, data and result — so the page and
the socket render a message the same way, whatever tool produced it.
"""

from dataclasses import dataclass, field

from django.utils import timezone

from ..markdown import render_markdown

STREAMING, DONE, STOPPED = "streaming", "done", "stopped"
ERROR, INTERRUPTED = "error", "interrupted"
# Notes shown under an answer (muted), by code; the page translates them.
TOOLS_UNAVAILABLE = "tools_unavailable"


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

    def add_note(self, code: str) -> None:
        if code not in self.notes:
            self.notes.append(code)

    def add_text(self, text: str) -> None:
        if not self.parts or self.parts[-1]["type"] != "text":
            self.parts.append({"type": "text", "text": ""})
        self.parts[-1]["text"] += text

    def add_tool_call(self, call_id: str, name: str, input: dict) -> dict:
        part = {"type": "tool", "id": call_id, "name": name, "input": input, "status": "running"}
        self.parts.append(part)
        return part

    def add_usage(self, usage) -> None:
        for name in ("input_tokens", "output_tokens", "cache_read_input_tokens",
                     "cache_creation_input_tokens"):
            value = getattr(usage, name, None) or 0
            self.usage[name] = self.usage.get(name, 0) + int(value)

    @property
    def content(self) -> str:
        return "\n\n".join(p["text"] for p in self.parts if p["type"] == "text" and p["text"])

    def rendered_parts(self) -> list[dict]:
        return [{**p, "html": render_markdown(p["text"])} if p["type"] == "text" else p
                for p in self.parts]

    def metadata(self) -> dict:
        data = {
            "status": self.status,
            "parts": self.rendered_parts(),
            "heartbeat": timezone.now().isoformat(),
        }
        if self.usage:
            data["usage"] = self.usage
        if self.model:
            data["model"] = self.model
        if self.stop_reason:
            data["stop_reason"] = self.stop_reason
        if self.error:
            data["error"] = self.error
        if self.rounds:
            data["rounds"] = self.rounds
        if self.notes:
            data["notes"] = list(self.notes)
        if self.versions:
            data["versions"] = list(self.versions)
        return data
