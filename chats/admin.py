"""Admin: token usage per user and per day (read-only). Chats themselves stay private."""

from django.contrib import admin

from .models import TokenUsage


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
