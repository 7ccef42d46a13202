"""The admin console of users: role, access, chat limit, storage used and token usage.

Storage and tokens live in the feature apps' tables; accounts is base code and imports
none of them, so each app adds its share from its own admin.py through `add_usage`.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import IntegerField, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.shortcuts import redirect
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _

from .admin_files import FILE_FIELD_OVERRIDES
from .models import DataExport, User

USAGE_DAYS = 30  # the token column counts this many days; apps read it for their share
STORAGE, TOKENS = "storage", "tokens"


@dataclass(frozen=True)
class Usage:
    """One app's share of a user's storage or tokens.

    `total` builds (per request, so dates move on) an expression of one user's total, as
    `sum_per_user` makes; `uncolumned` adds what no column holds (files sized on the storage),
    reading relations named in `prefetch`.
    """

    column: str  # STORAGE or TOKENS
    total: Callable[[], object] | None = None
    uncolumned: Callable[[User], int] | None = None
    prefetch: tuple[str, ...] = ()


_usage: list[Usage] = []


def add_usage(usage: Usage) -> Usage:
    _usage.append(usage)
    return usage


def admin_login(request, extra_context=None):
    """The admin signs in through allauth like everybody else, so rate limits and the
    second factor apply; Django's own admin login form would bypass both."""
    next_url = request.GET.get(REDIRECT_FIELD_NAME, "")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = reverse("admin:index")  # never off to another site
    if request.user.is_authenticated:
        if admin.site.has_permission(request):
            return redirect(next_url)
        raise PermissionDenied
    return redirect_to_login(next_url, reverse("account_login"))


admin.site.login = admin_login


class UserCreationForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email",)


class UserEditForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


def sum_per_user(queryset, expression):
    """A subquery: the sum of `expression` over `queryset` rows of the outer user."""
    rows = (
        queryset.filter(user=OuterRef("pk")).order_by().values("user")
        .annotate(total=Sum(expression)).values("total")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), Value(0))


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    formfield_overrides = {**BaseUserAdmin.formfield_overrides, **FILE_FIELD_OVERRIDES}
    form = UserEditForm
    add_form = UserCreationForm
    ordering = ["email"]
    list_display = [
        "email", "full_name", "role", "is_active", "max_chats", "storage_used",
        "tokens_30_days", "language", "created",
    ]
    list_editable = ["role", "is_active", "max_chats"]
    list_filter = ["role", "is_active", "language"]
    search_fields = ["email", "full_name"]
    readonly_fields = ["created", "updated", "last_login", "storage_used", "tokens_30_days"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Profile"), {"fields": ("full_name", "language", "timezone", "avatar")}),
        (_("Access"), {"fields": ("role", "is_active", "max_chats", "monthly_token_budget")}),
        (_("Usage"), {"fields": ("storage_used", "tokens_30_days")}),
        (_("Telegram"), {"fields": ("telegram_chat_id",)}),
        (_("Dates"), {"fields": ("last_login", "created", "updated")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "password1", "password2", "role")}),
    )
    filter_horizontal = ()

    def get_queryset(self, request):
        def total(column):
            parts = [usage.total() for usage in _usage if usage.column == column and usage.total]
            return sum(parts[1:], parts[0]) if parts else Value(0)

        prefetch = [name for usage in _usage for name in usage.prefetch]
        return (
            super().get_queryset(request)
            .annotate(storage_total=total(STORAGE), token_total=total(TOKENS))
            .prefetch_related(*prefetch)
        )

    @admin.display(description=_("storage used"), ordering="storage_total")
    def storage_used(self, user):
        files = sum(usage.uncolumned(user) for usage in _usage
                    if usage.column == STORAGE and usage.uncolumned)
        return filesizeformat(getattr(user, "storage_total", 0) + files)

    @admin.display(description=_("tokens, 30 days"), ordering="token_total")
    def tokens_30_days(self, user):
        return f"{getattr(user, 'token_total', 0):,}".replace(",", "\u202f")


@admin.register(DataExport)
class DataExportAdmin(admin.ModelAdmin):
    """What exports ran and how they ended; the zips themselves stay private to their owner."""

    list_display = ["user", "status", "progress", "size", "created", "finished"]
    list_filter = ["status"]
    search_fields = ["user__email"]
    exclude = ["file"]
    readonly_fields = ["user", "status", "progress", "size", "error", "created", "finished"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


# The runtime settings page, with the secret settings write-only.
from accounts import runtime_admin  # noqa: E402

runtime_admin.install()
