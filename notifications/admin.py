"""Notifications in the admin: what was sent to whom, when, and why one failed."""

from django.contrib import admin, messages
from django.utils.translation import gettext as _

from . import vapid
from .models import Notification, NotificationPreference, PushSubscription


class PushWarning:
    """Says on the list pages of notifications when Web Push cannot be sent at all."""

    def changelist_view(self, request, extra_context=None):
        if value := vapid.placeholder_subject():
            messages.warning(request, _(
                "Web Push is off: the VAPID subject “%(subject)s” is a placeholder that push "
                "services refuse. Set VAPID_SUBJECT to mailto:you@your-domain or "
                "https://your-site.") % {"subject": value})
        return super().changelist_view(request, extra_context)


@admin.register(Notification)
class NotificationAdmin(PushWarning, admin.ModelAdmin):
    list_display = ["title", "user", "type", "channel", "status", "scheduled_at", "sent_at"]
    list_filter = ["status", "channel", "type"]
    search_fields = ["title", "user__email"]
    date_hierarchy = "scheduled_at"
    raw_id_fields = ["user"]
    readonly_fields = ["sent_at", "read_at", "attempts", "error", "created"]


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "reminder_channel", "digest", "daily_review"]
    raw_id_fields = ["user"]


@admin.register(PushSubscription)
class PushSubscriptionAdmin(PushWarning, admin.ModelAdmin):
    """Which browsers receive push; deleting one stops push to it (it can subscribe again)."""

    list_display = ["user", "user_agent", "created"]
    search_fields = ["user__email", "user_agent"]
    raw_id_fields = ["user"]
    readonly_fields = ["endpoint", "p256dh", "auth", "user_agent", "created"]

    def has_add_permission(self, request):
        return False  # only a browser can make one
