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

    def on_path(self):
        """The messages of the active path: the conversation as the chat shows it."""
        return self.filter(on_path=True)

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        link_to_path(objs)
        return super().bulk_create(objs, *args, **kwargs)


def link_to_path(messages) -> None:
    """New messages without a parent follow the one before them: the previous one in
    `messages` of the same chat, else the end of the chat's active path. A message that
    starts the chat again (a new version of its first question) says so with
    `starts_branch = True` and keeps no parent."""
    last: dict = {}
    for message in messages:
        if message.parent_id is not None or getattr(message, "starts_branch", False):
            last[message.chat_id] = message.pk
            continue
        if message.chat_id not in last:
            last[message.chat_id] = (
                Message.objects.filter(chat_id=message.chat_id, on_path=True)
                .order_by("-created").values_list("pk", flat=True).first())
        message.parent_id = last[message.chat_id]
        last[message.chat_id] = message.pk


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
    # The conversation is a tree (chats/branches.py): a message follows its `parent` (None
    # for a first question). Editing a question adds a sibling — a new version — and the
    # old one keeps its continuation as a branch. `selected`: the version shown among its
    # siblings; `on_path`: on the chat's active path (root to leaf through the selected
    # versions), kept up to date on every edit and switch so that a page, the model's
    # history, the export and the search read it with a plain indexed filter.
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE,
                               related_name="children")
    selected = models.BooleanField(_("selected version"), default=True)
    on_path = models.BooleanField(_("on the active path"), default=True)

    objects = MessageQuerySet.as_manager()

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["created"]
        indexes = [models.Index(fields=["chat", "created"]),
                   models.Index(fields=["chat", "on_path", "created"]),
                   models.Index(fields=["chat", "parent"])]

    def __str__(self):
        return f"{self.role}: {self.content[:50]}"

    def save(self, *args, **kwargs):
        if self._state.adding:
            link_to_path([self])
        super().save(*args, **kwargs)


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


class AssistantActionQuerySet(OwnedQuerySet):
    def proposed(self):
        return self.filter(state=AssistantAction.State.PROPOSED)


class AssistantAction(models.Model):
    """A write the assistant made or proposed: what, from where, its state and how to undo it.

    Feature apps describe their kinds with `chats.actions.register`; every state change
    goes through `chats.actions` (see docs/assistant.md, "Actions").
    """

    class Origin(models.TextChoices):
        CHAT = "chat", _("Chat")
        DOCUMENT = "document", _("Document")
        REVIEW = "review", _("Daily review")
        OTHER = "other", _("Other")

    class State(models.TextChoices):
        APPLIED = "applied", _("Done")
        PROPOSED = "proposed", _("Waiting for confirmation")
        CONFIRMED = "confirmed", _("Confirmed")
        CANCELLED = "cancelled", _("Cancelled")
        UNDONE = "undone", _("Undone")
        FAILED = "failed", _("Failed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="assistant_actions"
    )
    chat = models.ForeignKey(
        Chat, null=True, blank=True, on_delete=models.SET_NULL, related_name="actions"
    )
    origin = models.CharField(_("origin"), max_length=10, choices=Origin.choices,
                              default=Origin.CHAT)
    origin_id = models.CharField(_("origin id"), max_length=64, blank=True)
    origin_label = models.CharField(_("from"), max_length=200, blank=True)
    origin_url = models.CharField(max_length=300, blank=True)
    kind = models.CharField(_("kind"), max_length=50)
    state = models.CharField(_("state"), max_length=10, choices=State.choices)
    summary = models.CharField(_("summary"), max_length=300)
    payload = models.JSONField(_("payload"), default=dict, blank=True)
    previous = models.JSONField(_("previous version"), null=True, blank=True)
    target_app = models.CharField(max_length=50, blank=True)
    target_model = models.CharField(max_length=50, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    error = models.TextField(_("error"), blank=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    updated = models.DateTimeField(_("updated"), auto_now=True)

    objects = AssistantActionQuerySet.as_manager()

    class Meta:
        verbose_name = _("assistant action")
        verbose_name_plural = _("assistant actions")
        ordering = ["-created"]
        indexes = [
            models.Index(fields=["user", "-created"]),
            models.Index(fields=["user", "state", "kind"]),
        ]

    def __str__(self):
        return self.summary
