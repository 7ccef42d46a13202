"""Notifications: reminders, alerts and AI-generated nudges, on one channel each."""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
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
        PUSH = "push", _("Push to my devices")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
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
    # Delivery bookkeeping: a worker owns a pending row until `claimed_until`.
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0, editable=False)
    claimed_until = models.DateTimeField(null=True, blank=True, editable=False)
    error = models.TextField(_("last error"), blank=True)
    # Set just before a send, in the same row as status "sending": a worker that died
    # between sending and recording leaves this trace, and the row is not sent again.
    delivery_key = models.UUIDField(null=True, blank=True, editable=False)

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


class NotificationPreference(models.Model):
    """One user's choices: the channel of each type, quiet hours, digest, daily review."""

    class Digest(models.TextChoices):
        OFF = "off", _("Off")
        DAILY = "daily", _("Daily")
        WEEKLY = "weekly", _("Weekly")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True,
        related_name="notification_preference",
    )
    reminder_channel = models.CharField(
        _("reminders"), max_length=10, choices=Notification.Channel.choices,
        default=Notification.Channel.IN_APP,
    )
    alert_channel = models.CharField(
        _("alerts"), max_length=10, choices=Notification.Channel.choices,
        default=Notification.Channel.IN_APP,
    )
    info_channel = models.CharField(
        _("information"), max_length=10, choices=Notification.Channel.choices,
        default=Notification.Channel.IN_APP,
    )
    ai_generated_channel = models.CharField(
        _("AI suggestions"), max_length=10, choices=Notification.Channel.choices,
        default=Notification.Channel.IN_APP,
    )
    quiet_hours_start = models.TimeField(
        _("quiet hours from"), null=True, blank=True,
        help_text=_("Email, Telegram and push wait until the quiet hours end."),
    )
    quiet_hours_end = models.TimeField(_("quiet hours until"), null=True, blank=True)
    digest = models.CharField(
        _("email digest"), max_length=10, choices=Digest.choices, default=Digest.OFF,
        help_text=_("What is coming up and what was missed, by email."),
    )
    daily_review = models.BooleanField(
        _("daily review by the assistant"), default=True,
        help_text=_("Once a day the assistant looks at your memory and documents "
                    "and suggests useful reminders."),
    )
    review_hour = models.PositiveSmallIntegerField(
        _("hour of the daily review"), null=True, blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(23)],
        help_text=_("In your time zone, 0–23. Empty: the instance's hour."),
    )
    auto_accept_suggestions = models.BooleanField(
        _("accept in-app suggestions automatically"), default=False,
        help_text=_("Suggestions of the daily review that come in the app become reminders "
                    "without asking; email and Telegram ones always wait for you."),
    )
    last_review_on = models.DateField(null=True, blank=True, editable=False)
    last_digest_on = models.DateField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("notification preferences")
        verbose_name_plural = _("notification preferences")

    def __str__(self):
        return str(self.user)

    @classmethod
    def for_user(cls, user) -> "NotificationPreference":
        preference, _created = cls.objects.get_or_create(user=user)
        return preference

    def channel_for(self, type: str) -> str:
        return getattr(self, f"{type}_channel", Notification.Channel.IN_APP)


class PushSubscription(models.Model):
    """A browser's Web Push subscription: where to post, and the keys to encrypt for it.

    An endpoint belongs to one browser profile, so it belongs to one account at a time.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="push_subscriptions"
    )
    endpoint = models.URLField(_("endpoint"), max_length=1000, unique=True)
    p256dh = models.CharField(max_length=200)
    auth = models.CharField(max_length=100)
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)
    # The browser it was made in (the random id of push.BROWSER_COOKIE): signing out or
    # switching accounts there deletes it, so the next person does not get these reminders.
    browser = models.CharField(max_length=64, blank=True, db_index=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)

    objects = OwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("push subscription")
        verbose_name_plural = _("push subscriptions")
        ordering = ["-created"]

    def __str__(self):
        return self.user_agent or self.endpoint[:60]

    def info(self) -> dict:
        """The subscription as the Push API gives it (what pywebpush takes)."""
        return {"endpoint": self.endpoint, "keys": {"p256dh": self.p256dh, "auth": self.auth}}


class CalendarFeed(models.Model):
    """A user's private calendar URL. The URL carries `key` signed with SECRET_KEY; deleting
    the row (revoke) or replacing the key (regenerate) makes every older URL a 404."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True,
        related_name="calendar_feed",
    )
    key = models.CharField(max_length=64, unique=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)

    objects = OwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self):
        return str(self.user)


class DeliveryPass(models.Model):
    """The delivery pass that started last (one row). A pass ends when it sees that a newer
    one has started, so one always runs even while the next waits in the job queue behind
    other work (notifications/tasks.py)."""

    token = models.UUIDField()
    started = models.DateTimeField()

    def __str__(self):
        return f"delivery pass {self.token} started {self.started:%Y-%m-%d %H:%M:%S}"
