"""Notifications: reminders, alerts and AI-generated nudges, on one channel each."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.ownership import OwnedQuerySet


class NotificationQuerySet(OwnedQuerySet):
    def unread_for(self, user):
        return self.for_user(user).filter(
            channel=Notification.Channel.IN_APP,
            status__in=[Notification.Status.SENT, Notification.Status.DELIVERED],
        )


class Notification(models.Model):
    class Type(models.TextChoices):
        REMINDER = "reminder", _("Reminder")
        ALERT = "alert", _("Alert")
        INFO = "info", _("Info")
        AI_GENERATED = "ai_generated", _("AI suggestion")

    class Channel(models.TextChoices):
        IN_APP = "in_app", _("In the app")
        EMAIL = "email", _("Email")
        TELEGRAM = "telegram", _("Telegram")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        DELIVERED = "delivered", _("Delivered")
        READ = "read", _("Read")
        FAILED = "failed", _("Failed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    type = models.CharField(_("type"), max_length=20, choices=Type.choices, default=Type.REMINDER)
    channel = models.CharField(
        _("channel"), max_length=10, choices=Channel.choices, default=Channel.IN_APP
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    scheduled_at = models.DateTimeField(_("scheduled for"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    recurrence = models.CharField(
        _("recurrence"), max_length=100, blank=True,
        help_text=_("Empty for once, or a cron expression in the user's timezone."),
    )
    metadata = models.JSONField(_("metadata"), default=dict, blank=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created"]
        indexes = [
            models.Index(fields=["status", "scheduled_at"]),
            models.Index(fields=["user", "channel", "status"]),
        ]

    def __str__(self):
        return self.title
