"""Chats and their messages."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.ownership import OwnedQuerySet


class Chat(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="chats"
    )
    title = models.CharField(_("title"), max_length=200, blank=True)
    skill = models.ForeignKey(
        "skills.Skill", null=True, blank=True, on_delete=models.SET_NULL, related_name="chats"
    )
    is_archived = models.BooleanField(_("archived"), default=False)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    updated = models.DateTimeField(_("updated"), auto_now=True)

    objects = OwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("chat")
        verbose_name_plural = _("chats")
        ordering = ["-updated"]
        indexes = [models.Index(fields=["user", "is_archived", "-updated"])]

    def __str__(self):
        return self.title or str(_("New chat"))


class MessageQuerySet(models.QuerySet):
    def for_user(self, user):
        if user is None or not user.is_authenticated:
            return self.none()
        return self.filter(chat__user=user)


class Message(models.Model):
    class Role(models.TextChoices):
        USER = "user", _("User")
        ASSISTANT = "assistant", _("Assistant")
        SYSTEM = "system", _("System")
        TOOL = "tool", _("Tool")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    chat = models.ForeignKey(Chat, on_delete=models.CASCADE, related_name="messages")
    role = models.CharField(_("role"), max_length=10, choices=Role.choices)
    content = models.TextField(_("content"), blank=True)
    metadata = models.JSONField(_("metadata"), default=dict, blank=True)
    created = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)

    objects = MessageQuerySet.as_manager()

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["created"]
        indexes = [models.Index(fields=["chat", "created"])]

    def __str__(self):
        return f"{self.role}: {self.content[:50]}"


class TokenUsage(models.Model):
    """Tokens the model used for a user, per day, source and model (for the admin console)."""

    class Source(models.TextChoices):
        CHAT = "chat", _("Chat")
        DOCUMENT = "document", _("Document extraction")
        REVIEW = "review", _("Daily review")
        OTHER = "other", _("Other")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="token_usage"
    )
    day = models.DateField(_("day"))
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    model = models.CharField(_("model"), max_length=100)
    requests = models.PositiveIntegerField(_("requests"), default=0)
    input_tokens = models.PositiveBigIntegerField(_("input tokens"), default=0)
    output_tokens = models.PositiveBigIntegerField(_("output tokens"), default=0)
    cache_read_tokens = models.PositiveBigIntegerField(_("cache read tokens"), default=0)
    cache_creation_tokens = models.PositiveBigIntegerField(_("cache write tokens"), default=0)

    objects = OwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("token usage")
        verbose_name_plural = _("token usage")
        ordering = ["-day"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "day", "source", "model"], name="unique_usage_per_day"
            )
        ]

    def __str__(self):
        return f"{self.user} {self.day} {self.source}"
