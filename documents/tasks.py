"""django-q2 entry points for document processing: queueing, the job, retries.

The job catches its own failures: a permanent one (encrypted, damaged) fails the document
at once; any other is retried later with a growing delay, then fails with the reason.
"""

import logging
from datetime import timedelta

from django.utils import timezone
from django_q.models import Schedule
from django_q.tasks import async_task, schedule

from . import pipeline, status
from .models import Document

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
BACKOFF_SECONDS = [30, 120, 480]  # before the 2nd, 3rd… attempt
JOB = "documents.tasks.process_document"


def enqueue(document_id) -> None:
    """Queues processing. A broker failing here only delays it: the upload or reindex still
    succeeds, and the sweeper queues the pending document again."""
    try:
        async_task(JOB, str(document_id), group="documents", task_name=f"document {document_id}")
    except Exception:
        log.exception("Queueing document %s failed; the sweeper will retry", document_id)


def reindex(document: Document) -> None:
    """Runs the whole pipeline again from a clean state."""
    status.requeue(document)
    enqueue(document.pk)


def backoff(attempt: int) -> int:
    return BACKOFF_SECONDS[min(attempt, len(BACKOFF_SECONDS)) - 1]


def process_document(document_id: str) -> str:
    document = Document.objects.filter(pk=document_id).select_related("user").first()
    if document is None:
        return "gone"  # deleted while queued
    if not status.start_processing(document):
        return "skipped"  # taken by another job, or no longer waiting
    try:
        pipeline.process(document)
    except pipeline.PermanentFailure as error:
        status.fail(document, str(error))
        return "failed"
    except Exception as error:
        log.exception("Processing document %s failed (attempt %s)", document.pk, document.attempts)
        reason = pipeline.failure_reason(error)
        if document.attempts >= MAX_ATTEMPTS:
            status.fail(document, reason)
            return "failed"
        status.retry_later(document, reason)
        next_run = timezone.now() + timedelta(seconds=backoff(document.attempts))
        schedule(
            JOB, str(document.pk), schedule_type=Schedule.ONCE, repeats=1, next_run=next_run,
            # Names are unique in django-q2; a reindexed document starts its count again.
            name=f"retry document {document.pk} at {next_run.isoformat()}",
        )
        return "retry"
    if document.status == Document.Status.PENDING:  # parked (e.g. the token budget)
        return "waiting"
    status.complete(document)
    return "completed"


def resume_budget_waiting() -> int:
    """Hourly: documents that waited for their owner's monthly token budget (a new month,
    or a raised budget) are processed again. Returns how many were queued."""
    from chats import budget

    waiting = (Document.objects.filter(status=Document.Status.PENDING,
                                       stage=pipeline.BUDGET_STAGE)
               .select_related("user").order_by("created"))
    queued, reached = 0, {}
    for document in waiting.iterator():
        user = document.user
        if user.pk not in reached:
            reached[user.pk] = budget.is_reached(user)
        if not reached[user.pk]:
            reindex(document)
            queued += 1
    return queued
