"""Template helpers of the chat page: error messages and tool card details."""

import json

from django import template

from .. import actions, tool_registry
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
