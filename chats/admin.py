"""Admin: token usage per user and per day (read-only). Chats themselves stay private."""

import datetime

from django.contrib import admin
from django.db.models import F
from django.utils import timezone

from accounts.admin import TOKENS, USAGE_DAYS, Usage, add_usage, sum_per_user

from .models import TokenUsage


def tokens_in_usage_window():
    """Input and output tokens of the last USAGE_DAYS days, per user."""
    since = timezone.localdate() - datetime.timedelta(days=USAGE_DAYS)
    return sum_per_user(TokenUsage.objects.filter(day__gte=since),
                        F("input_tokens") + F("output_tokens"))


add_usage(Usage(TOKENS, total=tokens_in_usage_window))


@admin.register(TokenUsage)
class TokenUsageAdmin(admin.ModelAdmin):
    """Read-only: rows are written by the assistant as it calls the model."""

    list_display = [
        "day", "user", "source", "model", "requests", "input_tokens", "output_tokens",
        "cache_read_tokens", "cache_creation_tokens",
    ]
    list_filter = ["source", "model", "day", ("user", admin.RelatedOnlyFieldListFilter)]
    date_hierarchy = "day"
    search_fields = ["user__email"]
    list_select_related = ["user"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
