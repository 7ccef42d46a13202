"""The long-term health memory: conditions, medications, allergies, vitals…"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.ownership import OwnedQuerySet


class MemoryEntry(models.Model):
    class Category(models.TextChoices):
        CONDITION = "condition", _("Condition")
        MEDICATION = "medication", _("Medication")
        ALLERGY = "allergy", _("Allergy")
        VITAL = "vital", _("Vital")
        DOCUMENT_SUMMARY = "document_summary", _("Document summary")
        OTHER = "other", _("Other")

    class Importance(models.TextChoices):
        CRITICAL = "critical", _("Critical")
        HIGH = "high", _("High")
        MEDIUM = "medium", _("Medium")
        LOW = "low", _("Low")

    class Author(models.TextChoices):
        USER = "user", _("You")
        ASSISTANT = "assistant", _("The assistant")
        DOCUMENT = "document", _("A document")
        REVIEW = "review", _("The daily review")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memory_entries"
    )
    category = models.CharField(
        _("category"), max_length=20, choices=Category.choices, default=Category.OTHER
    )
    title = models.CharField(_("title"), max_length=200)
    content = models.TextField(_("content"), blank=True)
    source_document = models.ForeignKey(
        "documents.Document", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="memory_entries",
    )
    source_chat = models.ForeignKey(
        "chats.Chat", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="memory_entries",
    )
    importance = models.CharField(
        _("importance"), max_length=10, choices=Importance.choices, default=Importance.MEDIUM
    )
    is_active = models.BooleanField(_("active"), default=True)
    # Who wrote the entry: the assistant may change its own entries, not the user's
    # without their confirmation (memory/actions.py).
    created_by = models.CharField(
        _("written by"), max_length=10, choices=Author.choices, default=Author.USER
    )
    created = models.DateTimeField(_("created"), auto_now_add=True)
    updated = models.DateTimeField(_("updated"), auto_now=True)

    objects = OwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("memory entry")
        verbose_name_plural = _("memory entries")
        ordering = ["-updated"]
        indexes = [models.Index(fields=["user", "is_active", "importance"])]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        # A document's summary entry is written by the document, whichever code creates it.
        if self._state.adding and self.source_document_id and self.created_by == self.Author.USER:
            self.created_by = self.Author.DOCUMENT
        super().save(*args, **kwargs)

    def snapshot(self) -> dict:
        """The fields the assistant may change, as JSON: the version an Undo restores."""
        return {"title": self.title, "category": self.category, "content": self.content,
                "importance": self.importance, "is_active": self.is_active}
