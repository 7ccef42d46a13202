"""What the bot keeps: one-time link codes, and which chat a user's Telegram messages go to.

Both tables were made by the notifications app and keep their names (`db_table`): moving
the models here moved no data (migrations/0001_initial.py)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.ownership import OwnedQuerySet


class TelegramLinkCode(models.Model):
    """A one-time code that links a Telegram chat to the user through `/start <code>`."""

    code = models.CharField(max_length=32, primary_key=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="telegram_codes"
    )
    expires_at = models.DateTimeField()
    created = models.DateTimeField(auto_now_add=True)

    objects = OwnedQuerySet.as_manager()

    class Meta:
        db_table = "notifications_telegramlinkcode"

    def __str__(self):
        return self.code


class TelegramConversation(models.Model):
    """Which chat a user's Telegram messages go to: kept until `/new` or `/skill` starts
    another (a deleted or archived one is replaced by a new chat on the next message)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True,
        related_name="telegram_conversation",
    )
    chat = models.ForeignKey("chats.Chat", null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+")
    updated = models.DateTimeField(auto_now=True)

    objects = OwnedQuerySet.as_manager()

    class Meta:
        db_table = "notifications_telegramconversation"
        verbose_name = _("Telegram conversation")
        verbose_name_plural = _("Telegram conversations")

    def __str__(self):
        return str(self.user)
