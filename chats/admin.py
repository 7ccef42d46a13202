"""Admin: token usage per user and per day (read-only), and a re-check of what the model's
server supports (tools, images). Chats themselves stay private."""

import datetime

from django.contrib import admin, messages
from django.db.models import F
from django.shortcuts import redirect
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.admin import TOKENS, USAGE_DAYS, Usage, add_usage, sum_per_user

from . import llm
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
    change_list_template = "admin/chats/tokenusage/change_list.html"

    def get_urls(self):
        recheck = self.admin_site.admin_view(require_POST(self.recheck_model))
        return [path("recheck-model/", recheck, name="chats_recheck_model"), *super().get_urls()]

    def recheck_model(self, request):
        """Asks the model's server again whether it takes tools and images, instead of
        waiting for a remembered refusal to run out."""
        if not llm.is_configured():
            messages.error(request, _("No model is configured."))
            return redirect("admin:chats_tokenusage_changelist")
        states = {"supported": _("supported"), "refused": _("refused")}
        found = llm.recheck_support()
        messages.info(request, _("Model %(model)s: tools %(tools)s, images %(images)s.") % {
            "model": llm.model_name(),
            "tools": states.get(found["tools"], found["tools"]),
            "images": states.get(found["images"], found["images"]),
        })
        return redirect("admin:chats_tokenusage_changelist")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
