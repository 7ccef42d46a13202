"""The one place that moves a document between pending, processing, completed and failed.

Every write of `status`, `error` and `attempts` goes through these functions; `stage` (the
live progress inside `processing`) is set here too. Each writes with an UPDATE of the
fields it owns (and `updated`), so a concurrent save of other fields cannot undo a transition.
"""

from django.db.models import F
from django.utils import timezone

from .models import Document

Status = Document.Status


def _update(document: Document, **fields) -> None:
    # `updated` moves with every transition: the sweeper finds stale rows by it.
    fields["updated"] = timezone.now()
    Document.objects.filter(pk=document.pk).update(**fields)
    for name, value in fields.items():
        if not isinstance(value, F):
            setattr(document, name, value)


def set_stage(document: Document, stage: str) -> None:
    """Progress within processing (text, ocr, facts, summary), shown live."""
    _update(document, stage=stage)


def start_processing(document: Document) -> None:
    """A job picked the document up: one more attempt."""
    _update(document, status=Status.PROCESSING, attempts=F("attempts") + 1, stage="queued")
    document.refresh_from_db(fields=["status", "attempts", "stage", "error"])


def complete(document: Document) -> None:
    _update(document, status=Status.COMPLETED, stage="", error="")


def fail(document: Document, reason: str) -> None:
    """For good: the reason is shown to the user."""
    _update(document, status=Status.FAILED, stage="", error=reason[:2000])


def retry_later(document: Document, reason: str) -> None:
    """Back to the queue after a failure that may pass; the reason stays visible meanwhile."""
    _update(document, status=Status.PENDING, stage="retry", error=reason[:2000])


def requeue(document: Document) -> None:
    """From the start with a clean count (the user asked to process it again)."""
    _update(document, status=Status.PENDING, stage="", error="", attempts=0)
