"""The user of Anamnesis: email login, a role, and personal preferences."""

import uuid
import zoneinfo

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils.translation import gettext_lazy as _

from . import locale
from .ownership import OwnedQuerySet

TIMEZONE_CHOICES = [(name, name) for name in sorted(zoneinfo.available_timezones())]


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("role", User.Role.USER)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields["role"] = User.Role.ADMIN
        return self._create_user(email, password, **extra_fields)

    def get_by_natural_key(self, email):
        return self.get(email__iexact=email)


def avatar_path(user, filename):
    return f"avatars/{user.pk}/{filename}"


class User(AbstractBaseUser, PermissionsMixin):
    class Role(models.TextChoices):
        USER = "user", _("User")
        ADMIN = "admin", _("Administrator")

    class Language(models.TextChoices):
        EN = "en", "English"
        RU = "ru", "Русский"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    email = models.EmailField(_("email"), unique=True)
    full_name = models.CharField(_("full name"), max_length=200, blank=True)
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.USER)
    is_active = models.BooleanField(_("active"), default=True)
    max_chats = models.PositiveIntegerField(
        _("chat limit"), null=True, blank=True,
        help_text=_("Empty: the default from the runtime settings."),
    )
    monthly_token_budget = models.PositiveBigIntegerField(
        _("monthly token budget"), null=True, blank=True,
        help_text=_("Tokens the assistant may use for this user in a calendar month; "
                    "0: unlimited. Empty: the default from the runtime settings."),
    )
    language = models.CharField(
        _("language"), max_length=5, choices=Language.choices, default=Language.EN
    )
    timezone = models.CharField(
        _("timezone"), max_length=64, choices=TIMEZONE_CHOICES, default="UTC"
    )
    telegram_chat_id = models.BigIntegerField(_("Telegram chat"), null=True, blank=True)
    avatar = models.ImageField(_("avatar"), upload_to=avatar_path, blank=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    updated = models.DateTimeField(_("updated"), auto_now=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["email"]

    def __str__(self):
        return self.email

    def save(self, *args, **kwargs):
        # The admin role is the one way to administer the instance.
        self.is_superuser = self.role == self.Role.ADMIN
        if self.email:
            self.email = self.email.lower()
        super().save(*args, **kwargs)

    @property
    def is_staff(self) -> bool:
        return self.role == self.Role.ADMIN

    @property
    def is_admin(self) -> bool:
        return self.is_staff

    @property
    def display_name(self) -> str:
        return self.full_name or self.email

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        """The timezone; the instance's when the stored name is empty or invalid."""
        return locale.zone_of(self)

    @property
    def language_code(self) -> str:
        """The language; the instance's default when the stored code is empty or unknown."""
        return locale.language_of(self)

    @property
    def model_language(self) -> str:
        """The language as the model is told to write in it."""
        return locale.model_language_name(self.language_code)

    def get_full_name(self):
        return self.display_name

    def get_short_name(self):
        return self.full_name.split(" ")[0] if self.full_name else self.email


def export_path(export, filename):
    return f"exports/{export.user_id}/{export.id}/{filename}"


class DataExport(models.Model):
    """A zip of everything a user owns, built by a job for large accounts."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Building")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="data_exports")
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    progress = models.PositiveSmallIntegerField(_("progress"), default=0)
    file = models.FileField(_("file"), upload_to=export_path, max_length=500, blank=True)
    size = models.PositiveBigIntegerField(_("size"), default=0)
    error = models.TextField(_("error"), blank=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    finished = models.DateTimeField(_("finished"), null=True, blank=True)
    # The job's heartbeat (every step) and how many times it was started: a row that
    # stopped beating was left by a killed job, and the sweeper retries or fails it.
    heartbeat = models.DateTimeField(null=True, blank=True, editable=False)
    attempts = models.PositiveSmallIntegerField(default=0, editable=False)

    objects = OwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("data export")
        verbose_name_plural = _("data exports")
        ordering = ["-created"]

    def __str__(self):
        return f"{self.user} {self.created:%Y-%m-%d %H:%M}"


class SwitchGrant(models.Model):
    """An account remembered by one browser's account switcher: the browser's session
    holds `key`; deleting the row (from the account's sessions page, or by signing it
    out) takes the account out of that browser."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="switch_grants")
    key = models.CharField(max_length=64, unique=True)
    auth_hash = models.CharField(max_length=128)
    user_agent = models.CharField(max_length=300, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    last_used = models.DateTimeField(auto_now=True)

    objects = OwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("remembered account")
        verbose_name_plural = _("remembered accounts")
        ordering = ["-last_used"]

    def __str__(self):
        return f"{self.user} ({self.user_agent[:40]})"
