"""Notifications in the admin: what was sent to whom, when, and why one failed."""

from django.contrib import admin

from .models import Notification, NotificationPreference, PushSubscription


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
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
class PushSubscriptionAdmin(admin.ModelAdmin):
    """Which browsers receive push; deleting one stops push to it (it can subscribe again)."""

    list_display = ["user", "user_agent", "created"]
    search_fields = ["user__email", "user_agent"]
    raw_id_fields = ["user"]
    readonly_fields = ["endpoint", "p256dh", "auth", "user_agent", "created"]

    def has_add_permission(self, request):
        return False  # only a browser can make one
