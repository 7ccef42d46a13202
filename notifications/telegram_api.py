"""The Bot API through python-telegram-bot: token from the runtime setting, base URL from
TELEGRAM_API_URL, and a synchronous send for the Telegram channel (channels/telegram.py).
The bot itself (linking, buttons, conversations) is the telegram_bot app, built on this."""

import asyncio
import os

from django.conf import settings
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions
from telegram.error import BadRequest, Forbidden, InvalidToken
from telegram.ext import Defaults, ExtBot

from accounts.runtime_secrets import secret_setting

from .channels.base import PermanentFailure


def token() -> str:
    # Not migrated yet: the environment's initial value.
    return secret_setting("telegram_bot_token",
                          default=os.environ.get("TELEGRAM_BOT_TOKEN", "").strip())


def defaults() -> Defaults:
    """What every message of the bot is sent with. Link previews are off: with them on,
    Telegram's servers fetch any link the model writes (a link can carry data out in its
    query string) without anyone clicking it."""
    return Defaults(link_preview_options=LinkPreviewOptions(is_disabled=True))


def make_bot(bot_token: str | None = None) -> ExtBot:
    base = settings.TELEGRAM_API_URL.rstrip("/")
    return ExtBot(bot_token or token(), base_url=f"{base}/bot", base_file_url=f"{base}/file/bot",
                  defaults=defaults())


def keyboard(buttons: list[tuple[str, str]]) -> InlineKeyboardMarkup | None:
    if not buttons:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data) for label, data in buttons]]
    )


SEND_SECONDS = 30  # one reminder, start to end: a slow Bot API must not hold the worker


def send_message(chat_id: str, text: str, buttons: list[tuple[str, str]] = ()) -> int:
    """Sends a message and returns its id. A blocked bot or an unknown chat will not heal
    by retrying; network errors, flood limits and running out of time will, so they
    propagate as they are."""

    bot_instance = make_bot()  # reads the token here: the database is not for the loop

    async def send():
        async with bot_instance as bot:
            message = await bot.send_message(chat_id, text, reply_markup=keyboard(buttons))
            return message.message_id

    async def go():
        return await asyncio.wait_for(send(), SEND_SECONDS)

    try:
        return asyncio.run(go())
    except (Forbidden, InvalidToken) as error:
        raise PermanentFailure(f"Telegram refused: {error}") from error
    except BadRequest as error:
        raise PermanentFailure(f"Telegram refused: {error}") from error
