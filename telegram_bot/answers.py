"""Following an assistant turn on Telegram: the answer grows in one message, edited as
it is saved, and continues in further messages past Telegram's length limit.

The turn saves its answer as it goes (chats/assistant/engine.py); this reads the saved
row at a bounded rate (POLL_INTERVAL, within the Bot API's limits on edits) instead of
listening to the page's live updates, so it does not depend on their format.
"""

import asyncio
import html
import logging
import re

from asgiref.sync import sync_to_async
from django.utils.translation import gettext as _
from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import BadRequest, NetworkError, RetryAfter, TimedOut

from accounts.locale import user_language

from . import assistant_chat, formatting

logger = logging.getLogger(__name__)

POLL_INTERVAL = 1.2  # seconds between looks at the answer (and at most one edit per message)
FINAL_ATTEMPTS = 3


def _plain(text: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", text))


def stop_button(answer_id) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(_("Stop"), callback_data=f"stopanswer:{answer_id}")]])


class AnswerMessages:
    """The Telegram messages of one answer: sent as it starts, edited as it grows. While
    it is written, its last message carries a Stop button."""

    def __init__(self, bot, chat_id: int, answer_id):
        self.bot, self.chat_id, self.answer_id = bot, chat_id, answer_id
        self.ids: list[int] = []
        self.shown: list[tuple[str, bool]] = []  # (text, has the Stop button)

    async def begin(self, streaming: bool) -> None:
        markup = stop_button(self.answer_id) if streaming else None
        message = await self.bot.send_message(self.chat_id, "…", reply_markup=markup)
        self.ids.append(message.message_id)
        self.shown.append(("…", streaming))

    async def show(self, texts: list[str], streaming: bool) -> None:
        """Brings the messages up to `texts`: edits the changed ones, sends the new ones."""
        for index, text in enumerate(texts):
            wanted = (text, streaming and index == len(texts) - 1)
            if index < len(self.shown) and self.shown[index] == wanted:
                continue
            markup = stop_button(self.answer_id) if wanted[1] else None
            if index < len(self.ids):
                await self._edit(self.ids[index], text, markup)
                self.shown[index] = wanted
            else:
                message = await self._send(text, markup)
                self.ids.append(message.message_id)
                self.shown.append(wanted)

    async def _send(self, text: str, markup):
        try:
            return await self.bot.send_message(self.chat_id, text, parse_mode=ParseMode.HTML,
                                               reply_markup=markup)
        except BadRequest as error:
            if "parse" not in str(error).lower():
                raise
            return await self.bot.send_message(self.chat_id, _plain(text), reply_markup=markup)

    async def _edit(self, message_id: int, text: str, markup) -> None:
        try:
            await self.bot.edit_message_text(text, self.chat_id, message_id,
                                             parse_mode=ParseMode.HTML, reply_markup=markup)
        except BadRequest as error:
            reason = str(error).lower()
            if "not modified" in reason:
                return
            if "parse" not in reason:
                raise
            await self.bot.edit_message_text(_plain(text), self.chat_id, message_id,
                                             reply_markup=markup)


async def _state(user, answer_id) -> dict:
    def read():
        with user_language(user):
            return assistant_chat.answer_state(answer_id)

    return await sync_to_async(read)()


async def _messages(user, answer_id) -> tuple[list[str], bool]:
    state = await _state(user, answer_id)

    def render():
        with user_language(user):
            return formatting.messages_for(state)

    return render(), state["status"] == "streaming"


async def follow(bot, chat_id: int, user, answer_id, task: asyncio.Task | None) -> None:
    """Shows the answer in the Telegram chat until the turn ends, then its final state."""
    messages = AnswerMessages(bot, chat_id, answer_id)
    with user_language(user):
        await messages.begin(streaming=task is not None and not task.done())
    while task is not None and not task.done():
        await asyncio.wait({task}, timeout=POLL_INTERVAL)
        if task.done():
            break
        try:
            with user_language(user):
                await messages.show(*await _messages(user, answer_id))
        except RetryAfter as error:  # Telegram's flood control: wait as it says
            await asyncio.sleep(float(getattr(error, "retry_after", 1) or 1))
        except (TimedOut, NetworkError) as error:  # the next look tries again
            logger.warning("editing the Telegram answer failed: %r", error)
    for attempt in range(FINAL_ATTEMPTS):  # the final state must arrive
        try:
            texts, _streaming = await _messages(user, answer_id)
            await messages.show(texts, streaming=False)
            return
        except RetryAfter as error:
            await asyncio.sleep(float(getattr(error, "retry_after", 1) or 1))
        except (TimedOut, NetworkError) as error:
            logger.warning("sending the final Telegram answer failed (%s): %r", attempt, error)
            await asyncio.sleep(1)
