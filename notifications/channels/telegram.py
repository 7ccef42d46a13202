"""Telegram: a message with Done and Snooze buttons to the user's linked chat."""

from .. import telegram_api
from ..messages import telegram_text
from .base import Channel, PermanentFailure


class TelegramChannel(Channel):
    name = "telegram"

    def send(self, notification) -> None:
        chat_id = notification.user.telegram_chat_id
        if not chat_id:
            raise PermanentFailure("Telegram is not linked to this account.")
        if not telegram_api.token():
            raise PermanentFailure("No Telegram bot token is configured.")
        text, buttons = telegram_text(notification)
        message_id = telegram_api.send_message(chat_id, text, buttons)
        notification.metadata["telegram_message_id"] = message_id
