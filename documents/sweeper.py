"""Documents whose job was lost: another try, then `failed` with the reason.

django-q2 ends a job past its timeout with a SystemExit-derived exception, and the kernel
ends a worker out of memory with SIGKILL: neither reaches the job's `except Exception`, so
the row would show "processing" forever. An enqueue lost right after the upload leaves it
"pending" forever. `sweep_stale_documents()` runs every few minutes (the django-q2 schedule
"documents: sweep stale documents", created by migration 0004) and finds the rows nobody
has touched for longer than any job may take; each goes back to the queue, up to
MAX_SWEEPS times (counted in metadata["sweeps"]), then fails with the reason.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.locale import user_language

from . import status, tasks
from .models import Document
from .pipeline import BUDGET_STAGE

log = logging.getLogger(__name__)

# A pending document waits in the queue (retries wait at most 8 minutes for their turn).
STALE_PENDING = timedelta(minutes=30)
# A running job touches its row at each stage; django-q2 stops it after its timeout.
STALE_PROCESSING = timedelta(seconds=settings.Q_CLUSTER["timeout"]) + timedelta(minutes=5)
MAX_SWEEPS = 2


def stale(now) -> list[Document]:
    return list(
        Document.objects.filter(
            Q(status=Document.Status.PENDING, updated__lt=now - STALE_PENDING)
            | Q(status=Document.Status.PROCESSING, updated__lt=now - STALE_PROCESSING)
        )
        # Parked on purpose (the owner's token budget), not lost: the budget job resumes it.
        .exclude(status=Document.Status.PENDING, stage=BUDGET_STAGE)
        .select_related("user")[:500]
    )


def reason_for(document: Document, give_up: bool) -> str:
    if document.status == Document.Status.PENDING:
        if give_up:
            return _("Processing never started, after %(count)s tries.") % {
                "count": MAX_SWEEPS + 1}
        return _("Processing had not started; it was queued again.")
    if give_up:
        return _("Processing stopped without finishing %(count)s times (the file may need "
                 "more time or memory than allowed).") % {"count": MAX_SWEEPS + 1}
    return _("Processing stopped without finishing (the worker was stopped or ran out of "
             "time or memory); it was queued again.")


def sweep_stale_documents() -> dict:
    """Requeues or fails every stale pending/processing document; returns the counts."""
    counts = {"requeued": 0, "failed": 0}
    for document in stale(timezone.now()):
        give_up = document.metadata.get("sweeps", 0) >= MAX_SWEEPS or (
            document.status == Document.Status.PROCESSING
            and document.attempts >= tasks.MAX_ATTEMPTS
        )
        with user_language(document.user):
            reason = reason_for(document, give_up)
        if not status.sweep(document, reason, give_up):
            continue  # a job moved it meanwhile
        log.warning("Swept stale document %s: %s", document.pk, reason)
        if give_up:
            counts["failed"] += 1
        else:
            tasks.enqueue(document.pk)
            counts["requeued"] += 1
    return counts
