"""Web Push: an encrypted message with Done and Snooze actions to each subscribed browser."""

from .. import push
from .base import Channel, PermanentFailure


class PushChannel(Channel):
    name = "push"

    def send(self, notification) -> None:
        try:
            count = push.send(notification)
        except push.NoSubscription:
            raise PermanentFailure(
                "No browser is subscribed to push notifications for this account."
            ) from None
        notification.metadata["push_devices"] = count
