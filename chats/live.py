"""The channel-layer group of a chat: every open page of it listens there."""

from channels.layers import get_channel_layer
from django.template.loader import render_to_string
from django.utils import translation


def group_name(chat_id) -> str:
    return f"chat.{str(chat_id).replace('-', '')}"


def render_message(message, language: str | None = None, current_actions=None) -> str:
    """`current_actions` (chats.actions.states_for): the states its cards show now;
    without it a card shows the state its action was made in."""
    with translation.override(language):
        return render_to_string("chats/detail.html#message",
                                {"message": message, "current_actions": current_actions or {}})


async def publish(chat_id, payload: dict) -> None:
    await get_channel_layer().group_send(group_name(chat_id), {"type": "chat.event",
                                                                "payload": payload})
