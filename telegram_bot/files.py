"""Photos and PDFs sent to the bot become documents, through the same door as the upload
page (documents/uploads.py: limits, quota, type by content, duplicates, queueing), and
the bot says when they are processed."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import close_old_connections
from django.utils.translation import gettext as _

from accounts import rate_limits
from documents import uploads
from documents.models import Document
from documents.readers import RefusedFile

MAX_DOWNLOAD_MB = 20  # the Bot API gives bots files up to 20 MB


class FileRefused(Exception):
    """`args[0]` says why, in the user's language."""


def check_before_download(user, size: int) -> None:
    """Refuses a file that cannot be taken, before it is fetched from Telegram."""
    close_old_connections()
    if size > MAX_DOWNLOAD_MB * uploads.MB:
        raise FileRefused(_("Telegram lets bots receive files up to %(limit)s MB. Upload this "
                            "one in Anamnesis instead.") % {"limit": MAX_DOWNLOAD_MB})
    try:
        uploads.check_limits(user, size)
    except RefusedFile as error:
        raise FileRefused(str(error)) from error
    if not rate_limits.allow(user, "upload"):
        raise FileRefused(str(rate_limits.LIMITS["upload"].message))


def accept(user, name: str, data: bytes) -> tuple[Document, bool]:
    """Stores the file as the user's document (queued for processing); returns it and
    whether it was already there."""
    close_old_connections()
    try:
        accepted = uploads.accept(user, SimpleUploadedFile(name, data))
    except RefusedFile as error:
        raise FileRefused(str(error)) from error
    return accepted.document, accepted.duplicate


def document_status(user, document_id) -> tuple[str, str]:
    """(status, error) of the user's document; ("gone", "") once it was deleted."""
    close_old_connections()
    row = (Document.objects.for_user(user).filter(pk=document_id)
           .values_list("status", "error").first())
    return row if row else ("gone", "")


def outcome(document: Document, status: str, error: str) -> str:
    """What the bot says about a document it is no longer waiting for."""
    name = document.filename
    if status == Document.Status.COMPLETED:
        return _("“%(name)s” is processed and saved to your documents. You can ask about it "
                 "now.") % {"name": name}
    if status == Document.Status.FAILED:
        return _("“%(name)s” could not be processed: %(reason)s") % {"name": name,
                                                                    "reason": error}
    if status == "gone":
        return _("“%(name)s” was deleted.") % {"name": name}
    return _("“%(name)s” is queued for processing. You can ask about it here once it is "
             "done; it is listed in your documents.") % {"name": name}
