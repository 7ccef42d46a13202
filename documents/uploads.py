"""Accepting uploaded files: limits, duplicates, safe names, storage, queueing.

`accept(user, uploaded)` either stores one new Document (and queues its processing once
the transaction commits), points to the existing one with the same content, or raises
RefusedFile with a message for the user. Nothing half-stored remains on refusal. What the
file is gets decided by the reader's checks in a sandboxed child (readers/inspector.py).
"""

import hashlib
import unicodedata
import uuid
from dataclasses import dataclass
from pathlib import PurePosixPath, PureWindowsPath

from constance import config
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

from .models import Document
from .readers import RefusedFile, inspector
from .tasks import enqueue

MB = 1024 * 1024


@dataclass
class Accepted:
    document: Document
    duplicate: bool = False


def display_name(raw: str) -> str:
    """The name shown to the user: no directories, no control characters, bounded length."""
    name = PureWindowsPath(PurePosixPath(raw or "").name).name
    name = "".join(
        ch for ch in unicodedata.normalize("NFC", name) if unicodedata.category(ch)[0] != "C"
    )
    name = name.strip().strip(".") or "document"
    return name[:200]


def storage_name(shown: str, extension: str) -> str:
    """A name safe on every storage backend; the extension follows the real content."""
    ascii_stem = PurePosixPath(shown).stem.encode("ascii", "ignore").decode()
    try:
        stem = get_valid_filename(ascii_stem)
    except SuspiciousFileOperation:  # nothing usable left, e.g. an all-Cyrillic name
        stem = "document"
    return f"{stem[:80]}.{extension}"


def used_bytes(user) -> int:
    return Document.objects.for_user(user).aggregate(total=Sum("file_size"))["total"] or 0


def check_limits(user, size: int) -> None:
    if size > config.upload_max_file_mb * MB:
        raise RefusedFile(
            _("The file is larger than the %(limit)s MB limit.")
            % {"limit": config.upload_max_file_mb},
            status=413,
        )
    if used_bytes(user) + size > config.upload_quota_mb * MB:
        raise RefusedFile(
            _("Your storage quota of %(limit)s MB is used up; delete some documents first.")
            % {"limit": config.upload_quota_mb},
            status=413,
        )


def read_upload(uploaded) -> bytes:
    chunks = []
    for chunk in uploaded.chunks():
        chunks.append(chunk)
    return b"".join(chunks)


def accept(user, uploaded) -> Accepted:
    check_limits(user, uploaded.size or 0)
    data = read_upload(uploaded)
    check_limits(user, len(data))  # the declared size may lie
    kind = inspector.inspect(data)  # parsed in the sandbox, never in this process
    digest = hashlib.sha256(data).hexdigest()
    existing = Document.objects.for_user(user).filter(sha256=digest).first()
    if existing:
        return Accepted(existing, duplicate=True)

    shown = display_name(uploaded.name)
    document = Document(
        id=uuid.uuid4(), user=user, filename=shown, mime_type=kind.mime_type,
        file_size=len(data), sha256=digest, page_count=kind.page_count,
    )
    document.file.save(storage_name(shown, kind.extension), ContentFile(data), save=False)
    try:
        with transaction.atomic():
            document.save()
    except IntegrityError:
        # The same file arrived twice at once: keep the first, drop our copy.
        document.file.delete(save=False)
        existing = Document.objects.for_user(user).filter(sha256=digest).first()
        if existing is None:
            raise
        return Accepted(existing, duplicate=True)
    except Exception:
        document.file.delete(save=False)
        raise
    transaction.on_commit(lambda: enqueue(document.pk))
    return Accepted(document)
