"""The Telegram bot: `/start <code>` links a private chat (asking Confirm/Cancel first when
it would move the chat from another account, which is then told in the app), `/stop`
unlinks it, and the Done and Snooze buttons of a reminder (Taken / Skip / Snooze of a
medication's) act on it. A linked chat also talks to the assistant
(conversation.py). Answers in the user's language."""

import uuid

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections
from django.utils.translation import gettext as _
from telegram import Update
from telegram.constants import ChatType
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes

from accounts.locale import user_language
from notifications import reminders, telegram_api
from notifications.dose_answers import telegram_button
from notifications.models import Notification

from . import conversation, linking
from .conversation import telegram_language as _telegram


def _linked_user(chat_id):
    from accounts.models import User

    return User.objects.filter(telegram_chat_id=int(chat_id), is_active=True).first()


def start(chat_id, code: str, telegram_language: str = "",
          private: bool = True) -> tuple[str, list[tuple[str, str]]]:
    """`/start [code]`: the answer, and buttons when a linked chat would move accounts."""
    close_old_connections()
    if not private:  # a group's members are not the account's owner: nothing is linked there
        with user_language(None, _telegram(telegram_language)):
            return _("Anamnesis works only in a private chat with the bot: open the bot "
                     "itself and send /start there."), []
    linked = _linked_user(chat_id)
    owner = linking.link_code_owner(code) if code else None
    if owner is not None and linked is not None and linked.pk != owner.pk:
        with user_language(owner, _telegram(telegram_language)):
            return _("This chat is linked to %(current)s. Link it to %(new)s instead? "
                     "%(current)s will no longer get reminders or answers here.") % {
                "current": linked.email, "new": owner.email}, [
                (_("Confirm"), f"relink:{code}"), (_("Cancel"), f"relinkno:{code}")]
    user = linking.link_chat(code, chat_id) if owner is not None else None
    if user is None:
        with user_language(linked, _telegram(telegram_language)):
            if linked and not code:
                return _("This chat is linked to %(email)s. Send /stop to unlink it.") % {
                    "email": linked.email}, []
            return _("This link code is not valid or has expired. Open Settings → Telegram "
                     "in Anamnesis to get a new one."), []
    return _linked_text(user), []


def _linked_text(user) -> str:
    with user_language(user):
        return _("Linked to %(email)s. Your reminders will arrive here, and you can write to "
                 "your assistant: send a question, a photo or a PDF. /new starts a new chat, "
                 "/skill picks a specialist, /stop unlinks.") % {"email": user.email}


def relink(chat_id, data: str, telegram_language: str = "") -> str:
    """Confirm or Cancel under the question of `start`: moves the chat, or keeps it."""
    close_old_connections()
    action, _sep, code = data.partition(":")
    linked = _linked_user(chat_id)
    if action == "relinkno":
        linking.drop_link_code(code)
        with user_language(linked, _telegram(telegram_language)):
            if linked is None:
                return _("Nothing changed.")
            return _("Nothing changed: this chat stays linked to %(email)s.") % {
                "email": linked.email}
    user = linking.link_chat(code, chat_id)
    if user is None:
        with user_language(linked, _telegram(telegram_language)):
            return _("This link code is not valid or has expired. Open Settings → Telegram "
                     "in Anamnesis to get a new one.")
    return _linked_text(user)


def stop(chat_id, telegram_language: str = "") -> str:
    close_old_connections()
    user = linking.unlink_chat(chat_id)
    with user_language(user, _telegram(telegram_language)):
        if user is None:
            return _("This chat is not linked to any account.")
        return _("Unlinked. Reminders will no longer come here.")


def button(chat_id, data: str, telegram_language: str = "") -> tuple[str, bool]:
    """Acts on a Done or Snooze button; returns the answer and whether it worked."""
    close_old_connections()
    user = _linked_user(chat_id)
    action, _sep, raw_id = data.partition(":")
    with user_language(user, _telegram(telegram_language)):
        if action == "dose":  # Taken / Skip / Snooze of a medication reminder
            return telegram_button(user, data)
        try:
            pk = uuid.UUID(raw_id)
        except ValueError:
            return _("This button is no longer valid."), False
        # Ownership: only a notification of the account this chat is linked to.
        notification = Notification.objects.for_user(user).filter(pk=pk).first() if user else None
        if notification is None:
            return _("This reminder is not available."), False
        if action == "done":
            reminders.mark_done(notification)
            return _("Marked as done."), True
        if action == "snooze":
            reminders.snooze(notification)
            return _("Snoozed for 1 hour."), True
        return _("This button is no longer valid."), False


async def _on_start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    code = context.args[0] if context.args else ""
    text, buttons = await sync_to_async(start)(
        update.effective_chat.id, code, update.effective_user.language_code,
        update.effective_chat.type == ChatType.PRIVATE,
    )
    await update.effective_message.reply_text(text, reply_markup=telegram_api.keyboard(buttons))


async def _on_relink(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    if query.message is None or query.message.chat.type != ChatType.PRIVATE:
        await query.answer()
        return
    text = await sync_to_async(relink)(query.message.chat.id, query.data or "",
                                       query.from_user.language_code)
    await query.answer()
    await query.edit_message_text(text)  # the question and its buttons give way to the outcome


async def _on_stop(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    text = await sync_to_async(stop)(update.effective_chat.id, update.effective_user.language_code)
    await update.effective_message.reply_text(text)


async def _on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    text, acted = await sync_to_async(button)(
        query.message.chat.id, query.data or "", query.from_user.language_code
    )
    await query.answer(text)
    if acted:  # the buttons have done their job: remove them and say what happened
        await query.edit_message_text(f"{query.message.text}\n\n{text}")


def build_application(token: str) -> Application:
    base = settings.TELEGRAM_API_URL.rstrip("/")
    application = (
        Application.builder()
        .token(token)
        .base_url(f"{base}/bot")
        .base_file_url(f"{base}/file/bot")
        .defaults(telegram_api.defaults())  # link previews off in every answer and reply
        .post_init(conversation.publish_commands)
        .build()
    )
    application.add_handler(CommandHandler("start", _on_start))
    application.add_handler(CommandHandler("stop", _on_stop))
    application.add_handler(CallbackQueryHandler(_on_button, pattern=r"^(done|snooze|dose):"))
    application.add_handler(CallbackQueryHandler(_on_relink, pattern=r"^relink(no)?:"))
    conversation.add_handlers(application)
    return application
