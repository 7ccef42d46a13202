from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TelegramBotConfig(AppConfig):
    """The Telegram bot: linking a chat, the reminder buttons, conversations with the
    assistant. Delivering a notification to Telegram is the notifications app's channel."""

    name = "telegram_bot"
    verbose_name = _("Telegram bot")
    default_auto_field = "django.db.models.BigAutoField"
