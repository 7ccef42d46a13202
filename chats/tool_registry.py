"""The assistant's tools: each app contributes its own in `<app>/tools.py`.

A tool module calls `register(Tool(...))` at import time, and its app imports it in its
`AppConfig.ready()`: chats never names a feature app.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .sources import Source


@dataclass(frozen=True)
class ToolContext:
    """Who the tool acts for. Every query a tool makes is scoped to `user`. `untrusted`:
    the turn's request held text the user did not type, so any write waits for Confirm."""

    user: Any
    chat: Any = None
    untrusted: bool = False


@dataclass
class ToolResult:
    content: str  # what the model reads back
    summary: str = ""  # one line for the card shown in the chat
    data: dict = field(default_factory=dict)  # structured detail for the card
    is_error: bool = False
    sources: list[Source] = field(default_factory=list)  # the documents it read from


@dataclass(frozen=True)
class Tool:
    name: str
    description: str
    input_schema: dict
    run: Callable[[ToolContext, dict], ToolResult]  # synchronous; the engine runs it in a thread
    label: str = ""  # the card's name for it, lazily translated ("Memory", "Reminder")
    # Whether its result may carry text the user did not type (documents, memory, search):
    # after such a result every write of the turn waits for Confirm. A tool whose result
    # only echoes its own input (a write's confirmation) sets False.
    reads_data: bool = True

    def definition(self) -> dict:
        """The tool as the Messages API expects it."""
        return {
            "name": self.name,
            "description": self.description,
            "input_schema": self.input_schema,
        }


_tools: dict[str, Tool] = {}


def register(tool: Tool) -> Tool:
    _tools[tool.name] = tool
    return tool


def get(name: str) -> Tool | None:
    return _tools.get(name)


def label(name: str) -> str:
    """What a tool card calls the tool, in the active language: its label, else its name."""
    tool = _tools.get(name)
    return str(tool.label) if tool is not None and tool.label else name.replace("_", " ")


def reads_data(name: str) -> bool:
    """Whether a call of `name` may have brought outside text into the turn."""
    tool = _tools.get(name)
    return tool is not None and tool.reads_data


def all_tools() -> list[Tool]:
    return sorted(_tools.values(), key=lambda tool: tool.name)

