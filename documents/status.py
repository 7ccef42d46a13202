"""The one place that moves a document between pending, processing, completed and failed.

Every write of `status`, `error` and `attempts` goes through these functions (and the
sweeper's count in `metadata`); `stage` (the
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


def start_processing(document: Document) -> bool:
    """A job claims the document: one more attempt. Only a pending document can be claimed,
    so a second job for it (a retry racing the sweeper's) finds it taken and does nothing."""
    claimed = Document.objects.filter(pk=document.pk, status=Status.PENDING).update(
        status=Status.PROCESSING, attempts=F("attempts") + 1, stage="queued",
        updated=timezone.now(),
    )
    document.refresh_from_db(fields=["status", "attempts", "stage", "error", "updated"])
    return bool(claimed)


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
    metadata = {key: value for key, value in document.metadata.items() if key != "sweeps"}
    _update(document, status=Status.PENDING, stage="", error="", attempts=0, metadata=metadata)


def sweep(document: Document, reason: str, give_up: bool) -> bool:
    """A stale document (its job lost or killed) back to the queue, or `failed` when it has
    been swept often enough; the count is kept in metadata["sweeps"]. Only when the row is
    still as the sweeper saw it: a job that moved it meanwhile wins."""
    metadata = {**document.metadata, "sweeps": document.metadata.get("sweeps", 0) + 1}
    fields = {"status": Status.FAILED, "stage": ""} if give_up else {
        "status": Status.PENDING, "stage": "retry"}
    moved = Document.objects.filter(
        pk=document.pk, status=document.status, updated=document.updated
    ).update(**fields, error=reason[:2000], metadata=metadata, updated=timezone.now())
    if moved:
        document.refresh_from_db(fields=["status", "stage", "error", "metadata", "updated"])
    return bool(moved)


def wait(document: Document, stage: str, reason: str) -> None:
    """Parked until something outside the job changes (e.g. the token budget): pending, with
    `stage` saying what it waits for, and the reason shown."""
    _update(document, status=Status.PENDING, stage=stage, error=reason[:2000])
