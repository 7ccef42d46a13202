"""Files attached in a chat are documents: stored by the upload's own door and read by
the pipeline; chats reaches them through its registry (chats/attachments.py)."""

import uuid

from django.urls import reverse

from chats import attachments

from . import page_images, pipeline, uploads
from .models import Document
from .readers import RefusedFile

# Past these stages of `processing` the text is read and saved (pipeline.process): the
# turn need not wait for the facts and the summary, which ask the model.
TEXT_READ_STAGES = {"facts", "summary"}


def _file(document: Document) -> attachments.File:
    status = document.status
    if status == Document.Status.COMPLETED or (
            status == Document.Status.PROCESSING and document.stage in TEXT_READ_STAGES):
        return attachments.File(str(document.pk), document.filename, attachments.READY,
                                text=document.extracted_text)
    if status == Document.Status.FAILED:
        return attachments.File(str(document.pk), document.filename, attachments.FAILED,
                                error=document.error)
    return attachments.File(str(document.pk), document.filename, attachments.READING,
                            error=document.error)  # a retry's reason, kept meanwhile


def save(user, uploaded) -> attachments.File:
    try:
        accepted = uploads.accept(user, uploaded)
    except RefusedFile as refusal:
        raise attachments.Refused(str(refusal), status=refusal.status) from refusal
    return _file(accepted.document)


def _uuids(ids) -> list[uuid.UUID]:
    valid = []
    for value in ids:
        try:
            valid.append(uuid.UUID(str(value)))
        except ValueError:
            continue  # not an id at all: the same as another user's
    return valid


def find(user, ids) -> list[attachments.File]:
    rows = (Document.objects.for_user(user).filter(pk__in=_uuids(ids))
            .only("id", "filename", "status", "stage", "error", "extracted_text"))
    return [_file(document) for document in rows]


def owned(user, ids) -> set[str]:
    return {str(pk) for pk in Document.objects.for_user(user).filter(pk__in=_uuids(ids))
            .values_list("pk", flat=True)}


def images(user, document_id: str) -> list[bytes]:
    """JPEGs of an attached photo's (or scan's) pages, read from the stored file."""
    found = _uuids([document_id])
    document = (Document.objects.for_user(user).filter(pk__in=found)
                .only("id", "file", "mime_type").first() if found else None)
    if document is None or not page_images.may_have_images(document.mime_type):
        return []
    return page_images.images_of(document, pipeline.read_file(document))


def url(document_id: str) -> str:
    return reverse("documents:detail", args=[document_id])


def register() -> None:
    attachments.register(save=save, find=find, url=url, owned=owned, images=images)
