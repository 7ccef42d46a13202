"""The state of a document's structured facts, apart from its own status.

A document whose text is read is `completed` and searchable whatever the model does; its
facts are `done`, `waiting` for a model (none configured, or a passing failure to retry),
`unavailable` (the model cannot give them; the reason is shown) or `failed` (retries used
up). `run` is the facts stage of the pipeline, `extract_waiting` the periodic job's work,
`save_corrections` the user's own edit — which later runs keep.
"""

import logging

import anthropic
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.locale import user_language
from chats import budget, llm
from chats.assistant.errors import classify, message_for

from . import facts, page_images
from .lab_values import normalise_document
from .models import Document

log = logging.getLogger(__name__)

Facts = Document.FactsStatus
MAX_ATTEMPTS = 4  # model calls for one document's facts before they are `failed`
BATCH = 20  # documents per run of the periodic job
# A refused key, a rate limit, a timeout: may pass. Any other 4xx: this model cannot.
PASSING_STATUSES = {401, 403, 408, 409, 429}


def budget_reason() -> str:
    return _("Waiting for the monthly token budget: the text is saved and searchable; facts "
             "and a summary will follow when there is budget.")


def _set(document: Document, state: str, reason: str = "", **fields) -> None:
    fields.update(facts_status=state, facts_error=reason[:2000])
    Document.objects.filter(pk=document.pk).update(**fields)
    for name, value in fields.items():
        if not isinstance(value, F):
            setattr(document, name, value)


def _read(document: Document) -> bytes:
    with document.file.storage.open(document.file.name, "rb") as handle:
        return handle.read()


def run(document: Document, data: bytes | None = None) -> str:
    """Extracts the facts if a model is configured and the user has not corrected them;
    returns the new state. Never raises for the model's trouble: that is the state."""
    if document.facts_edited:  # the user's corrections stand
        _set(document, Facts.DONE)
        return Facts.DONE
    if not llm.is_configured():
        _set(document, Facts.WAITING)
        return Facts.WAITING
    if budget.is_reached(document.user):
        _set(document, Facts.WAITING, budget_reason())
        return Facts.WAITING
    attempts = document.facts_attempts + 1
    try:
        facts.extract_facts(document, _images(document, data))
    except (llm.NoToolAnswer, ValueError) as error:
        log.info("No facts for document %s: %s", document.pk, error)
        return _unavailable(document, attempts, _(
            "The model did not return the document's facts in a form Anamnesis can read."))
    except anthropic.APIStatusError as error:
        if error.status_code not in PASSING_STATUSES and error.status_code < 500:
            return _unavailable(document, attempts, _(
                "The model's server refused the request: %(message)s")
                % {"message": _server_message(error)})
        return _passing(document, attempts, classify(error))
    except (anthropic.APIError, OSError) as error:
        return _passing(document, attempts, classify(error))
    _set(document, Facts.DONE, facts_attempts=attempts)
    return Facts.DONE


def _images(document: Document, data: bytes | None) -> list[bytes]:
    """The scanned pages' images; none (the text goes alone) when they cannot be made."""
    try:
        return page_images.images_of(document, data if data is not None else _read(document))
    except Exception:
        log.warning("No page images for document %s", document.pk, exc_info=True)
        return []


def _server_message(error: anthropic.APIStatusError) -> str:
    body = error.body if isinstance(error.body, dict) else {}
    inner = body.get("error", body)
    return str(inner.get("message") if isinstance(inner, dict) else "") or str(error)


def _unavailable(document: Document, attempts: int, reason: str) -> str:
    _set(document, Facts.UNAVAILABLE, reason, facts_attempts=attempts)
    return Facts.UNAVAILABLE


def _passing(document: Document, attempts: int, code: str) -> str:
    """A failure that may pass: waiting for the periodic job, until the attempts run out."""
    if attempts >= MAX_ATTEMPTS:
        _set(document, Facts.FAILED, _("The facts could not be extracted: %(reason)s")
             % {"reason": message_for(code)}, facts_attempts=attempts)
        return Facts.FAILED
    _set(document, Facts.WAITING, message_for(code), facts_attempts=attempts)
    return Facts.WAITING


def extract_waiting(limit: int = BATCH) -> int:
    """The periodic job: facts of completed documents waiting for a model, a bounded batch
    of them, each in its owner's language. Returns how many were tried."""
    if not llm.is_configured():
        return 0
    waiting = (Document.objects.filter(status=Document.Status.COMPLETED,
                                       facts_status=Facts.WAITING)
               .select_related("user").order_by("updated")[:limit])
    tried, over_budget = 0, {}
    for document in waiting:
        if document.user_id not in over_budget:
            over_budget[document.user_id] = budget.is_reached(document.user)
        if over_budget[document.user_id]:
            continue  # a new month or a raised budget lets them through
        # Claimed by an UPDATE, so two workers never extract the same document.
        claimed = Document.objects.filter(
            pk=document.pk, facts_status=Facts.WAITING, facts_attempts=document.facts_attempts,
        ).update(facts_attempts=F("facts_attempts") + 1, updated=timezone.now())
        if not claimed:
            continue
        tried += 1
        with user_language(document.user):
            try:
                if run(document) == Facts.DONE:
                    facts.summarise(document)
            except Exception:  # one document's trouble must not stop the batch
                log.exception("Extracting the facts of document %s failed", document.pk)
    return tried


def save_corrections(document: Document, fields: dict, lab_values: list[dict]) -> None:
    """The user's own facts: stored as if extracted, marked as theirs, summary refreshed."""
    cleaned = facts.clean({
        **(document.metadata or {}),
        "doc_type": fields["doc_type"],
        "document_date": fields["document_date"].isoformat() if fields.get("document_date")
        else None,
        "provider": fields.get("provider") or "",
        "summary": fields.get("summary") or "",
        "lab_values": lab_values,
    })
    document.metadata = {**(document.metadata or {}), **cleaned}
    document.doc_type = cleaned["doc_type"]
    document.document_date = facts.parse_date(cleaned["document_date"])
    document.facts_status, document.facts_error = Facts.DONE, ""
    document.facts_edited = timezone.now()
    document.save(update_fields=["metadata", "doc_type", "document_date", "facts_status",
                                 "facts_error", "facts_edited", "updated"])
    normalise_document(document)
    with user_language(document.user):
        facts.summarise(document)

