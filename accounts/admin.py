"""The admin console of users: role, access, chat limit, storage used and token usage."""

import datetime

from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import F, IntegerField, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.shortcuts import redirect
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _

from chats.models import TokenUsage
from config.admin_files import FILE_FIELD_OVERRIDES
from documents.models import Document

from .models import DataExport, User

USAGE_DAYS = 30


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


def _sum_per_user(queryset, expression):
    """A subquery: the sum of `expression` over `queryset` rows of the outer user."""
    rows = (
        queryset.filter(user=OuterRef("pk")).order_by().values("user")
        .annotate(total=Sum(expression)).values("total")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), Value(0))


def pdf_bytes(user) -> int:
    """Generated PDFs keep no size column: ask the storage."""
    total = 0
    for pdf in user.generated_pdfs.all():
        try:
            total += pdf.file.storage.size(pdf.file.name)
        except OSError:
            continue
    return total


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
        (_("Access"), {"fields": ("role", "is_active", "max_chats")}),
        (_("Usage"), {"fields": ("storage_used", "tokens_30_days")}),
        (_("Telegram"), {"fields": ("telegram_chat_id",)}),
        (_("Dates"), {"fields": ("last_login", "created", "updated")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "password1", "password2", "role")}),
    )
    filter_horizontal = ()

    def get_queryset(self, request):
        since = timezone.localdate() - datetime.timedelta(days=USAGE_DAYS)
        return (
            super().get_queryset(request)
            .annotate(
                document_bytes=_sum_per_user(Document.objects.all(), "file_size"),
                token_total=_sum_per_user(
                    TokenUsage.objects.filter(day__gte=since),
                    F("input_tokens") + F("output_tokens"),
                ),
            )
            .prefetch_related("generated_pdfs")
        )

    @admin.display(description=_("storage used"), ordering="document_bytes")
    def storage_used(self, user):
        return filesizeformat(getattr(user, "document_bytes", 0) + pdf_bytes(user))

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
