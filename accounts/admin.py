from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.utils.translation import gettext_lazy as _

from .models import User


class UserCreationForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email",)


class UserEditForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = UserEditForm
    add_form = UserCreationForm
    ordering = ["email"]
    list_display = ["email", "full_name", "role", "is_active", "max_chats", "language", "created"]
    list_filter = ["role", "is_active", "language"]
    search_fields = ["email", "full_name"]
    readonly_fields = ["created", "updated", "last_login"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Profile"), {"fields": ("full_name", "language", "timezone", "avatar")}),
        (_("Access"), {"fields": ("role", "is_active", "max_chats")}),
        (_("Telegram"), {"fields": ("telegram_chat_id",)}),
        (_("Dates"), {"fields": ("last_login", "created", "updated")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "password1", "password2", "role")}),
    )
    filter_horizontal = ()
