"""Uploaded health documents and the PDFs compiled from them."""

import uuid

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _

from accounts.ownership import OwnedQuerySet


def upload_path(document, filename):
    return f"uploads/{document.user_id}/{document.id}/{filename}"


def preview_path(document, filename):
    return f"previews/{document.user_id}/{document.id}/{filename}"


def generated_pdf_path(pdf, filename):
    return f"generated/{pdf.user_id}/{pdf.id}/{filename}"


class Document(models.Model):
    class DocType(models.TextChoices):
        LAB_RESULT = "lab_result", _("Lab result")
        CONSULTATION = "consultation", _("Consultation")
        PRESCRIPTION = "prescription", _("Prescription")
        IMAGING = "imaging", _("Imaging")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        PROCESSING = "processing", _("Processing")
        COMPLETED = "completed", _("Completed")
        FAILED = "failed", _("Failed")

    class FactsStatus(models.TextChoices):
        """The structured facts, apart from the document's own status: a document whose
        text is read is completed and searchable whatever the model does."""

        NONE = "", _("Not yet")
        WAITING = "waiting", _("Waiting for a model")
        DONE = "done", _("Extracted")
        UNAVAILABLE = "unavailable", _("Unavailable")
        FAILED = "failed", _("Failed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="documents"
    )
    filename = models.CharField(_("file name"), max_length=255)
    file = models.FileField(_("file"), upload_to=upload_path, max_length=500)
    mime_type = models.CharField(_("type"), max_length=100)
    file_size = models.PositiveBigIntegerField(_("size"), default=0)
    sha256 = models.CharField(max_length=64, db_index=True)
    doc_type = models.CharField(
        _("document type"), max_length=20, choices=DocType.choices, default=DocType.OTHER
    )
    document_date = models.DateField(_("document date"), null=True, blank=True)
    extracted_text = models.TextField(_("extracted text"), blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.PENDING
    )
    error = models.TextField(_("error"), blank=True)
    page_count = models.PositiveIntegerField(_("pages"), default=0)
    # Where each page begins in extracted_text (character offsets), for reading a document
    # page by page (pages.py); empty when not known.
    page_starts = models.JSONField(_("page starts"), default=list, blank=True, editable=False)
    metadata = models.JSONField(_("extracted data"), default=dict, blank=True)
    # Where processing is now (text, ocr or ocr:<page>/<pages>, facts, summary), shown live.
    stage = models.CharField(_("stage"), max_length=20, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    facts_status = models.CharField(
        _("facts"), max_length=12, choices=FactsStatus.choices, default="", blank=True
    )
    facts_error = models.TextField(_("why the facts are missing"), blank=True)
    facts_attempts = models.PositiveSmallIntegerField(_("facts attempts"), default=0)
    # Set when the user corrected the facts by hand: later runs keep their corrections.
    facts_edited = models.DateTimeField(_("facts corrected by the user"), null=True, blank=True)
    preview = models.FileField(_("preview"), upload_to=preview_path, max_length=500, blank=True)
    # PostgreSQL only (GIN-indexed, English + Russian); SQLite keeps an FTS5 table instead.
    search_vector = SearchVectorField(null=True, editable=False)
    created = models.DateTimeField(_("uploaded"), auto_now_add=True)
    updated = models.DateTimeField(_("updated"), auto_now=True)

    objects = OwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["-created"]
        indexes = [models.Index(fields=["user", "-created"])]
        constraints = [
            models.UniqueConstraint(fields=["user", "sha256"], name="unique_document_per_user")
        ]

    def __str__(self):
        return self.filename

    @property
    def ocr_progress(self) -> tuple[int, int] | None:
        """(page, pages) while scanned pages are read ("ocr:3/12", readers.base.ocr_stage)."""
        name, _, progress = self.stage.partition(":")
        page, _, pages = progress.partition("/")
        if name == "ocr" and page.isdigit() and pages.isdigit():
            return int(page), int(pages)
        return None

    @property
    def is_busy(self):
        return self.status in (self.Status.PENDING, self.Status.PROCESSING)

    def delete_with_files(self):
        """Deletes the row and its summary in the memory, then its stored file and preview
        once that has committed (other memory entries citing it only lose the link)."""
        names = [field.name for field in (self.file, self.preview) if field]
        storage = self.file.storage
        with transaction.atomic():
            self.memory_entries.filter(category="document_summary").delete()
            self.delete()
        transaction.on_commit(lambda: [storage.delete(name) for name in names])


class GeneratedPDF(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="generated_pdfs"
    )
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(_("file"), upload_to=generated_pdf_path, max_length=500)
    source_documents = models.ManyToManyField(
        Document, blank=True, related_name="generated_pdfs"
    )
    source_chat = models.ForeignKey(
        "chats.Chat", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="generated_pdfs",
    )
    created = models.DateTimeField(_("created"), auto_now_add=True)

    objects = OwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("generated PDF")
        verbose_name_plural = _("generated PDFs")
        ordering = ["-created"]

    def __str__(self):
        return self.title


class AppointmentQuestion(models.Model):
    """A question for the next appointment that the assistant suggested and the user kept
    (appointment.py): offered on the appointment form, marked as the assistant's in the PDF.
    Made only through the `documents.question` action (actions.py), so Undo removes it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="appointment_questions"
    )
    text = models.CharField(_("question"), max_length=500)
    created = models.DateTimeField(_("created"), auto_now_add=True)

    objects = OwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("suggested question")
        verbose_name_plural = _("suggested questions")
        ordering = ["created"]

    def __str__(self):
        return self.text
