"""Delivery channels: one small class per channel behind `Channel.send`, chosen by name."""

from .base import Channel, PermanentFailure
from .email import EmailChannel
from .in_app import InAppChannel
from .push import PushChannel
from .telegram import TelegramChannel

CHANNELS: dict[str, Channel] = {
    channel.name: channel for channel in (
        InAppChannel(), EmailChannel(), TelegramChannel(), PushChannel()
    )
}


def get(name: str) -> Channel:
    return CHANNELS[name]


__all__ = ["CHANNELS", "Channel", "PermanentFailure", "get"]
