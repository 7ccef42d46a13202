"""Template helpers of the chat page: error messages, tool card details, token usage."""

import json

from django import template
from django.utils import formats

from .. import actions, attachments, sources, tool_registry
from ..assistant.errors import message_for
from ..models import AssistantAction

register = template.Library()


@register.filter
def error_message(error) -> str:
    code = error.get("code") if isinstance(error, dict) else ""
    return message_for(code or "api_error")


@register.filter
def as_json(value) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2)


@register.filter
def attachment_url(file_id) -> str:
    """Where an attached file is shown (its document's page)."""
    return attachments.url(file_id)


@register.filter
def answer_sources(metadata) -> list[dict]:
    """The documents an answer drew on, one per document with the pages named."""
    return sources.listed(metadata.get("sources") if isinstance(metadata, dict) else None)


@register.filter
def tool_label(name: str) -> str:
    return tool_registry.label(str(name))


@register.simple_tag(takes_context=True)
def action_of(context, part) -> dict | None:
    """The action a tool card shows, with its state now when the page looked it up
    (`current_actions`; a message rendered for the socket shows the state it was made in)."""
    current = context.get("current_actions")
    data = part.get("data") if isinstance(part, dict) else None
    card = data.get("action") if isinstance(data, dict) else None
    if not isinstance(card, dict) or not card.get("id"):
        return None
    state = (current or {}).get(card["id"], card.get("state"))
    return {**card, "state": state, "undoable": actions.can_undo(
        AssistantAction(kind=card.get("kind", ""), state=state))}


@register.filter
def action_state_label(state: str) -> str:
    try:
        return str(AssistantAction.State(state).label)
    except ValueError:
        return state


@register.filter
def can_undo(action) -> bool:
    return actions.can_undo(action)


def _grouped(value) -> str:
    try:
        number = int(value or 0)
    except (TypeError, ValueError):
        number = 0
    return formats.number_format(number, use_l10n=True, force_grouping=True)


@register.filter
def token_usage(usage) -> dict | None:
    """An answer's tokens (summed over its model calls), for the line under it: `input`
    is what the model read without the cache (`written` of it went into the cache),
    `cached` what it read from the cache."""
    if not isinstance(usage, dict) or not any(usage.values()):
        return None
    written = usage.get("cache_creation_input_tokens") or 0
    return {
        "input": _grouped((usage.get("input_tokens") or 0) + written),
        "written": _grouped(written),
        "cached": _grouped(usage.get("cache_read_input_tokens")),
        "output": _grouped(usage.get("output_tokens")),
    }
