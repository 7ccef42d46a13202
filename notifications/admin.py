"""Notifications in the admin: what was sent to whom, when, and why one failed."""

from django.contrib import admin

from .models import Notification, NotificationPreference


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
