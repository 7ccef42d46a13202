"""Linking a Telegram chat to an account: one-time codes shown on the settings page (with
the bot's @username for the deep link), `/start <code>` spending one, `/stop` unlinking."""

import asyncio
import hashlib
import secrets
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.locale import user_language
from notifications import telegram_api
from notifications.models import Notification

from .models import TelegramLinkCode

LINK_CODE_TTL = timedelta(minutes=15)


def new_link_code(user) -> TelegramLinkCode:
    TelegramLinkCode.objects.filter(user=user).delete()
    return TelegramLinkCode.objects.create(
        user=user, code=secrets.token_urlsafe(12), expires_at=timezone.now() + LINK_CODE_TTL
    )


def link_code_owner(code: str):
    """The account a valid (unspent, unexpired) link code belongs to, else None."""
    link = (TelegramLinkCode.objects.select_related("user")
            .filter(code=code, expires_at__gt=timezone.now()).first())
    return link.user if link is not None else None


def drop_link_code(code: str) -> None:
    TelegramLinkCode.objects.filter(code=code).delete()


def link_chat(code: str, chat_id: str):
    """Links the chat to the code's owner and spends the code; None for a bad or old code.

    A chat belongs to one account: whoever had it before loses it, and is told so in the
    app (the bot asks before moving a linked chat, bot.py)."""
    with transaction.atomic():
        link = (
            TelegramLinkCode.objects.select_related("user")
            .filter(code=code, expires_at__gt=timezone.now()).first()
        )
        if link is None:
            return None
        user = link.user
        TelegramLinkCode.objects.filter(user=user).delete()
        previous = list(type(user).objects.filter(telegram_chat_id=int(chat_id))
                        .exclude(pk=user.pk))
        type(user).objects.filter(pk__in=[p.pk for p in previous]).update(telegram_chat_id=None)
        user.telegram_chat_id = int(chat_id)
        user.save(update_fields=["telegram_chat_id"])
        for account in previous:
            _tell_chat_moved(account)
    return user


def _tell_chat_moved(account) -> None:
    with user_language(account):
        Notification.objects.create(
            user=account, type=Notification.Type.ALERT, channel=Notification.Channel.IN_APP,
            title=_("Telegram is no longer linked"),
            body=_("Your Telegram chat was linked to another Anamnesis account with a link "
                   "code, after a confirmation in the chat. Reminders no longer go there. "
                   "If this was not you, link Telegram again in Settings → Telegram."),
        )


def unlink_chat(chat_id: str):
    user = get_user_model().objects.filter(telegram_chat_id=int(chat_id)).first()
    if user is not None:
        user.telegram_chat_id = None
        user.save(update_fields=["telegram_chat_id"])
    return user


def bot_username() -> str:
    """The bot's @username (for the deep link), cached for an hour; "" when unreachable."""
    bot_token = telegram_api.token()
    if not bot_token:
        return ""
    key = "telegram-bot-username:" + hashlib.sha256(bot_token.encode()).hexdigest()[:16]
    if username := cache.get(key):
        return username

    bot_instance = telegram_api.make_bot(bot_token)

    async def go():
        async with bot_instance as bot:
            return bot.username

    try:
        username = asyncio.run(go())
    except Exception:  # a page must render even when Telegram cannot be reached
        return ""
    cache.set(key, username, 3600)
    return username
