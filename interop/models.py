"""Records that came in from elsewhere: one `RecordImport` per file the user imported.

Every item an import creates (a vital, a lab value, a medication, a condition, an allergy,
an immunization) points back to its import (`source_import`) and carries a stable identity
of the record in the file (`source_key`, unique per user), so importing the same file again
adds nothing, and deleting an import takes back what it brought.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.ownership import OwnedQuerySet


class RecordImport(models.Model):
    class Kind(models.TextChoices):
        APPLE_HEALTH = "apple_health", _("Apple Health export")
        FHIR = "fhir", _("FHIR")
        CCDA = "ccda", _("C-CDA document")
        UNKNOWN = "", _("Not recognised yet")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting")
        RUNNING = "running", _("Importing")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Failed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="record_imports")
    file_name = models.CharField(_("file"), max_length=255)
    # Where the uploaded file waits for its job (relative to the private storage root);
    # emptied when the job is done with it.
    stored_path = models.CharField(max_length=500, blank=True)
    size = models.PositiveBigIntegerField(_("size"), default=0)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices,
                              default=Status.QUEUED)
    # Progress and result: {"read": n, "imported": n, "skipped": n, "by_type": {...}}.
    counts = models.JSONField(default=dict, blank=True)
    error = models.CharField(_("error"), max_length=500, blank=True)
    created = models.DateTimeField(_("imported on"), auto_now_add=True)
    finished = models.DateTimeField(_("finished"), null=True, blank=True)

    objects = OwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created"]

    def __str__(self):
        return self.file_name

    @property
    def totals(self) -> dict:
        """Read, imported and skipped as the page shows them: the records a converter left
        out of the file (steps, sleep…) count as read and skipped."""
        counts = self.counts or {}
        left = counts.get("file_skipped", 0)
        return {"read": counts.get("read", 0) + left, "imported": counts.get("imported", 0),
                "skipped": counts.get("skipped", 0) + left}

    @property
    def source_label(self) -> str:
        """What an imported item says it came from: the file and the day."""
        return f"{self.file_name} ({self.created:%Y-%m-%d})"
