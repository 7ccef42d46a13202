"""In-app: the notification is already stored; delivering it means telling open pages."""

from .. import live
from .base import Channel


class InAppChannel(Channel):
    name = "in_app"

    def send(self, notification) -> None:
        pass  # stored rows are the in-app channel; the bell learns of it in `delivered`

    def delivered(self, notification) -> None:
        live.announce(notification.user_id)
