"""The assistant on Telegram, the bot's side: a linked private chat's text goes to the
user's assistant (the same turn as the web's: context, tools, limits), `/new` starts a new
chat, `/skill` picks a specialist for one, photos and PDFs become documents, and other
kinds of message are refused politely. A chat not linked to an active account gets the
linking instructions and nothing else.

Answers are sent at once, whatever the quiet hours: those hold reminders only.
"""

import asyncio
import logging

from asgiref.sync import sync_to_async
from django.utils.translation import gettext as _
from telegram import BotCommand, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from accounts.locale import user_language
from chats.assistant import turns

from . import answers, assistant_chat, files
from .assistant_chat import ChatLimitReached
from .files import FileRefused

logger = logging.getLogger(__name__)

DOCUMENT_POLL = 2.0  # seconds between looks at a document being processed
DOCUMENT_WAIT = 180.0  # after this the bot says the document is queued and stops waiting
PRIVATE = filters.ChatType.PRIVATE


def telegram_language(telegram_language_code: str | None) -> str:
    """The language of the Telegram app, for a chat not linked to an account."""
    return "ru" if (telegram_language_code or "").startswith("ru") else "en"


def linking_instructions() -> str:
    return _("This chat is not linked to an Anamnesis account. To talk to your assistant "
             "here, open Settings → Telegram in Anamnesis and follow the link shown there "
             "(or send /start with the code from that page).")


def help_text() -> str:
    return _("Write your question and the assistant answers here; the conversation is also "
             "in your chats in Anamnesis. Send a photo or a PDF to add it to your documents. "
             "/new starts a new chat, /skill picks a specialist, /stop unlinks this chat.")


async def _linked(update: Update):
    return await sync_to_async(assistant_chat.linked_user)(update.effective_chat.id)


async def _instruct(update: Update) -> None:
    """The only thing an unlinked chat ever gets."""
    sender = update.effective_user
    with user_language(None, telegram_language(sender.language_code if sender else "")):
        text = linking_instructions()
    await update.effective_message.reply_text(text)


# --- Text: a turn of the user's assistant ------------------------------------------------

async def ask(bot, telegram_chat_id: int, user, text: str, attachments=None):
    """Sends `text` to the user's assistant in their Telegram chat: the question is saved
    and the turn started when this returns; the returned coroutine shows the answer (None
    when the message was refused, and the refusal was sent). `attachments`: ids of the
    user's documents the question is about, read for the turn as in the web's composer."""
    with user_language(user):
        try:
            chat = await sync_to_async(assistant_chat.current_chat)(user)
            task = await turns.start(user, chat.pk, text, attachments=attachments)
        except (ChatLimitReached, turns.TurnRejected) as refusal:
            await bot.send_message(telegram_chat_id, str(refusal.args[0]))
            return None
    answer_id = await sync_to_async(assistant_chat.latest_answer_id)(chat)
    return answers.follow(bot, telegram_chat_id, user, answer_id, task)


async def _on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Blocking until the question is saved, so a `/new` sent right after it cannot take
    it to the next chat; the answer is then followed beside other updates."""
    user = await _linked(update)
    if user is None:
        return await _instruct(update)
    follow = await ask(context.bot, update.effective_chat.id, user,
                       update.effective_message.text or "")
    if follow is not None:
        context.application.create_task(follow, update=update)


# --- Commands and the specialist buttons ---------------------------------------------------

async def _on_new(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    user = await _linked(update)
    if user is None:
        return await _instruct(update)
    with user_language(user):
        try:
            await sync_to_async(assistant_chat.start_chat)(user)
            text = _("A new chat is started. Write your question.")
        except ChatLimitReached as refusal:
            text = str(refusal.args[0])
    await update.effective_message.reply_text(text)


def _skill_menu(user) -> tuple[str, InlineKeyboardMarkup]:
    with user_language(user):
        rows = [[InlineKeyboardButton(_("General assistant"), callback_data="skill:general")]]
        rows += [[InlineKeyboardButton(skill.name, callback_data=f"skill:{skill.pk}")]
                 for skill in assistant_chat.skills_for(user)]
        return _("Choose a specialist for a new chat:"), InlineKeyboardMarkup(rows)


async def _on_skill(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    user = await _linked(update)
    if user is None:
        return await _instruct(update)
    text, markup = await sync_to_async(_skill_menu)(user)
    await update.effective_message.reply_text(text, reply_markup=markup)


def pick_skill(telegram_chat_id, data: str) -> tuple[str, bool]:
    """Starts a chat with the chosen specialist; returns the answer and whether it did."""
    user = assistant_chat.linked_user(telegram_chat_id)
    if user is None:
        return linking_instructions(), False
    raw = data.partition(":")[2]
    with user_language(user):
        skill = None if raw == "general" else assistant_chat.skill_of(user, raw)
        if raw != "general" and skill is None:
            return _("This specialist is not available."), False
        try:
            assistant_chat.start_chat(user, skill)
        except ChatLimitReached as refusal:
            return str(refusal.args[0]), False
        name = skill.name if skill else _("General assistant")
        return _("New chat with %(name)s. Write your question.") % {"name": name}, True


async def _on_skill_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    text, acted = await sync_to_async(pick_skill)(query.message.chat.id, query.data or "")
    await query.answer(text[:200])  # a callback answer holds at most 200 characters
    if acted:  # the menu has done its job
        await query.edit_message_text(text)
    else:
        await query.message.reply_text(text)


async def _on_stop_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Stop under an answer being written: only one of the linked user's own answers."""
    query = update.callback_query
    user = await sync_to_async(assistant_chat.linked_user)(query.message.chat.id)
    chat_id = None
    if user is not None:
        chat_id = await sync_to_async(assistant_chat.chat_of_answer)(
            user, (query.data or "").partition(":")[2])
    with user_language(user):
        if chat_id is None:
            text = _("This button is no longer valid.")
        elif await turns.stop(user, chat_id):
            text = _("Stopping the answer…")
        else:
            text = _("This answer has already ended.")
    await query.answer(text)


async def _on_help(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    user = await _linked(update)
    if user is None:
        return await _instruct(update)
    with user_language(user):
        text = help_text()
    await update.effective_message.reply_text(text)


# --- Photos and PDFs: documents --------------------------------------------------------------

async def _wait_for(user, document_id) -> tuple[str, str]:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + DOCUMENT_WAIT
    while True:
        status, error = await sync_to_async(files.document_status)(user, document_id)
        if status not in {"pending", "processing"} or loop.time() >= deadline:
            return status, error
        await asyncio.sleep(DOCUMENT_POLL)


async def _on_file(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    user = await _linked(update)
    if user is None:
        return await _instruct(update)
    message = update.effective_message
    if message.photo:
        item = message.photo[-1]  # the largest size
        name = f"telegram-photo-{message.date:%Y-%m-%d-%H%M%S}.jpg"
    else:
        item = message.document
        name = item.file_name or "telegram-file"
    with user_language(user):
        try:
            await sync_to_async(files.check_before_download)(user, item.file_size or 0)
            file = await item.get_file()
            data = bytes(await file.download_as_bytearray())
            document, duplicate = await sync_to_async(files.accept)(user, name, data)
        except FileRefused as refusal:
            await message.reply_text(str(refusal.args[0]))
            return
        except TelegramError as error:
            logger.warning("fetching a file from Telegram failed: %r", error)
            await message.reply_text(_("The file could not be fetched from Telegram. Try "
                                       "sending it again."))
            return
        if duplicate:
            await message.reply_text(_("“%(name)s” is already in your documents.")
                                     % {"name": document.filename})
        else:
            await message.reply_text(_("Received “%(name)s”. Processing it; I will tell you "
                                       "when it is done.") % {"name": document.filename})
        status, error = await _wait_for(user, document.pk)
        await message.reply_text(files.outcome(document, status, error))
    if message.caption and status == "completed":  # a question about the file: its text
        follow = await ask(context.bot, update.effective_chat.id, user, message.caption,
                           attachments=[str(document.pk)])
        if follow is not None:
            await follow


async def _on_other(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    user = await _linked(update)
    if user is None:
        return await _instruct(update)
    with user_language(user):
        text = _("I can read text messages, photos and PDFs. Voice messages, videos and other "
                 "kinds of message are not supported here: please type your question.")
    await update.effective_message.reply_text(text)


def command_menu() -> list[BotCommand]:
    return [BotCommand("new", _("Start a new chat")),
            BotCommand("skill", _("Choose a specialist")),
            BotCommand("help", _("What the bot can do")),
            BotCommand("stop", _("Unlink this chat"))]


async def publish_commands(application: Application) -> None:
    """The command menu of Telegram apps, in English and in Russian."""
    try:
        for language in ("en", "ru"):
            with user_language(None, language):
                commands = command_menu()
            await application.bot.set_my_commands(
                commands, language_code=None if language == "en" else language)
    except TelegramError as error:  # a menu is a nicety: polling goes on without it
        logger.warning("setting the bot's command menu failed: %r", error)


def add_handlers(application: Application) -> None:
    """After the linking commands and the reminder buttons (bot.py)."""
    application.add_handler(CommandHandler("new", _on_new, filters=PRIVATE))
    application.add_handler(CommandHandler("skill", _on_skill, filters=PRIVATE))
    application.add_handler(CommandHandler("help", _on_help, filters=PRIVATE))
    application.add_handler(CallbackQueryHandler(_on_skill_button, pattern=r"^skill:"))
    application.add_handler(CallbackQueryHandler(_on_stop_button, pattern=r"^stopanswer:"))
    application.add_handler(MessageHandler(PRIVATE & filters.TEXT & ~filters.COMMAND, _on_text))
    # A document takes a while: it is fetched and followed beside other updates.
    application.add_handler(MessageHandler(PRIVATE & (filters.PHOTO | filters.Document.ALL),
                                           _on_file, block=False))
    application.add_handler(MessageHandler(PRIVATE & filters.COMMAND, _on_help))
    application.add_handler(MessageHandler(PRIVATE & ~filters.COMMAND, _on_other))
